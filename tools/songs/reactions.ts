import { z } from "zod";
import { atomic, stmt } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import { ensureProfile, patchTraits } from "../identity/identify.ts";
import type { Ctx } from "../context.ts";
import { songRow, songView, type SongRow } from "./service.ts";

/**
 * 一键三连: likes, shares and comments on published songs. Other people's raise the creator's level, kept as
 * the `creator_level` trait on the creator's profile so segments can use it ({trait: creator_level}).
 */
export const ReactionInput = z
  .strictObject({
    kind: z.enum(["like", "share", "comment"]).meta({ description: "like 点赞, share 分享, comment 评论. 互动" }),
    userId: z.string().min(1).max(128).optional().meta({ description: "Who reacts; required with a key, taken from an end-user token. 用户" }),
    text: z.string().trim().min(1).max(500).optional().meta({ description: "The comment (comments only). 评论内容" }),
  })
  .superRefine((r, c) => {
    if (r.kind === "comment" && !r.text) c.addIssue({ code: "custom", path: ["text"], message: "a comment needs text" });
    if (r.kind !== "comment" && r.text) c.addIssue({ code: "custom", path: ["text"], message: "only a comment has text" });
  })
  .meta({ id: "SongReactionInput" });

/** Points for each kind, and the level thresholds (level n from LEVELS[n-1] points). */
const POINTS = { like: 1, share: 3, comment: 2 } as const;
const LEVELS = [1, 10, 50, 200, 1000];
export const levelOf = (points: number) => LEVELS.filter((t) => points >= t).length;

export function react(ctx: Ctx, song: SongRow, userId: string, input: z.infer<typeof ReactionInput>) {
  if (song.publishedAt === null) throw new ApiError(ErrorCode.Conflict, bi("歌曲尚未发布", "the song is not published yet"));
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const added = stmt(
      ctx.db,
      "INSERT INTO song_reactions (id, workspace_id, song_id, user_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    ).run(newId("rx"), ctx.workspaceId, song.id, userId, input.kind, input.text ?? null, now).changes;
    // A second like by the same user is not a second like.
    if (added) stmt(ctx.db, `UPDATE songs SET ${input.kind}s = ${input.kind}s + 1 WHERE workspace_id = ? AND id = ?`).run(ctx.workspaceId, song.id);
    // The level counts other people's reactions, each kind once per person and song: a creator
    // cannot share or comment their way up, and neither can one fan by repeating.
    const t = stmt(
      ctx.db,
      `SELECT r.kind AS kind, count(DISTINCT r.song_id || char(0) || r.user_id) AS n
         FROM song_reactions r JOIN songs s ON s.workspace_id = r.workspace_id AND s.id = r.song_id
        WHERE r.workspace_id = ? AND s.user_id = ? AND r.user_id != s.user_id
        GROUP BY r.kind`,
    ).all(ctx.workspaceId, song.userId) as { kind: keyof typeof POINTS; n: number }[];
    const points = t.reduce((sum, x) => sum + x.n * POINTS[x.kind], 0);
    const level = levelOf(points);
    ensureProfile(ctx, song.userId, now);
    patchTraits(ctx, song.userId, { creator_level: level, creator_points: points }, now);
    return { counted: added === 1, song: songView(ctx, songRow(ctx, song.id)), creator: { userId: song.userId, level, points } };
  });
}
