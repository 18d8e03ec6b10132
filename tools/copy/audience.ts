import { stmt } from "../../db/sql.ts";
import { parseDefinition, compileSegment } from "../segments/compile.ts";
import { getSegment, previewSegment } from "../segments/index.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";

/** An audience: a saved segment of this workspace, or an inline definition in the segment language. */
export type AudienceRef = { segmentId?: string; definition?: unknown };

export type AudienceProfile = {
  count: number;
  /** The most common preferred genre (a code such as `rock`), or null when nobody has one. */
  preferredGenre: string | null;
  /** Whether most of its votes came from profile traits or from play_song events. */
  genreSource: "traits" | "events" | "none";
  /** Members read for the genre and the names (the first by user id, at most SAMPLE). */
  sampled: number;
  /** Code points of the longest `name` trait among them, or null when none has one. */
  longestName: number | null;
};

/** How many members are read for the genre and names, and over how many days of plays. */
export const SAMPLE = 2000;
export const PLAY_DAYS = 90;

/**
 * The definition an audience names: a saved segment's (404 when it is not this workspace's) or an
 * inline one, validated (400 naming `path` and the node).
 */
export function resolveAudience(ctx: Ctx, ref: AudienceRef, path = "definition"): unknown {
  if (ref.segmentId !== undefined) return getSegment(ctx, ref.segmentId).definition;
  parseDefinition(ref.definition, path);
  return ref.definition;
}

/**
 * Who the audience is, for copy: its size, its most common preferred genre and its longest name.
 * A member's preference is the profile trait `preferred_genre` (or `favorite_genre`,
 * `top_genres[0]`) when it names a known genre, else the genre of most of their `play_song` events
 * over the last PLAY_DAYS days; the audience's is the one most members prefer (ties by code).
 * One bounded query over the first SAMPLE members; `genres` maps codes and labels to codes.
 */
export function audienceProfile(ctx: Ctx, definition: unknown, genres: Record<string, string>): AudienceProfile {
  const { count } = previewSegment(ctx, { definition, sample: 0 });
  const at = ctx.now().getTime();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const { where, params } = compileSegment(ctx.db, ws, parseDefinition(definition), at);
  const row = stmt(ctx.db, 
      `WITH aud AS (SELECT p.user_id, p.traits FROM profiles p WHERE ${where} ORDER BY p.user_id LIMIT @cg_cap),
       pref AS (
         SELECT a.user_id, k.value AS g FROM aud a
         LEFT JOIN json_each(@cg_genres) k ON k.key = lower(coalesce(
           json_extract(a.traits, '$.preferred_genre'), json_extract(a.traits, '$.favorite_genre'), json_extract(a.traits, '$.top_genres[0]')))
       ),
       played AS (
         SELECT e.user_id, k.value AS g, count(*) AS n
         FROM pref JOIN events e ON e.workspace_id = @ws AND e.user_id = pref.user_id AND e.occurred_at > @cg_since AND e.occurred_at <= @cg_at
         JOIN json_each(@cg_genres) k ON k.key = lower(json_extract(e.properties, '$.genre'))
         WHERE pref.g IS NULL AND e.name = 'play_song'
         GROUP BY e.user_id, k.value
       ),
       votes AS (
         SELECT g, 1 AS fromTraits FROM pref WHERE g IS NOT NULL
         UNION ALL
         SELECT g, 0 FROM (SELECT g, row_number() OVER (PARTITION BY user_id ORDER BY n DESC, g) AS r FROM played) WHERE r = 1
       ),
       top AS (SELECT g, count(*) AS n, sum(fromTraits) AS t FROM votes GROUP BY g ORDER BY n DESC, g LIMIT 1)
       SELECT (SELECT count(*) FROM aud) AS sampled,
              (SELECT max(length(json_extract(traits, '$.name'))) FROM aud WHERE json_type(traits, '$.name') = 'text') AS longest,
              top.g, top.n, top.t
       FROM (SELECT 1) LEFT JOIN top ON 1`,
    )
    .get({ ...params, cg_cap: SAMPLE, cg_genres: JSON.stringify(genres), cg_since: at - PLAY_DAYS * 86_400_000, cg_at: at }) as {
    sampled: number;
    longest: number | null;
    g: string | null;
    n: number | null;
    t: number | null;
  };
  return {
    count,
    preferredGenre: row.g,
    genreSource: row.g == null ? "none" : (row.t ?? 0) * 2 >= (row.n ?? 0) ? "traits" : "events",
    sampled: row.sampled,
    longestName: row.longest,
  };
}
