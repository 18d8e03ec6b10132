import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { meteredAsync } from "../../billing/metered.ts";
import { planOf } from "../../billing/grants.ts";
import { atomic, stmt } from "../../db/sql.ts";
import { songs, type WorkspaceRow } from "../../db/schema/index.ts";
import type { BlobStore } from "../../lib/blobs.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { localIso } from "../../lib/time.ts";
import { fnv1a, newId, sha256Hex } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import type { LlmEndpoint } from "./lyrics/index.ts";
import { SONG_FILES, planSong, renderSong, renderStem, type ComposedSong, type SongFile, type SongPlan } from "./compose.ts";
import { arrange } from "./music/index.ts";
import { AI_LABEL, GENERATOR, SongRequest, type Lyrics, type Track, type WordTiming } from "./types.ts";

export type SongDeps = { blobs: BlobStore; llm?: LlmEndpoint };
export type SongRow = typeof songs.$inferSelect;

/** Where a song's file lives in the blob store. */
export const blobKey = (workspaceId: number, songId: string, file: string) => `ws/${workspaceId}/songs/${songId}/${file}`;

/** A seed for a request that named none: from the request id when there is one, so a retry makes the same song. */
function seedFor(requestId: string | undefined): number {
  return fnv1a(requestId ?? newId("seed")) & 0x7fffffff;
}

/** Stores the files (awaits), then the row (one atomic unit): a row never points at a file that is not there. */
async function store(ctx: Ctx, deps: SongDeps, s: ComposedSong, meta: { id: string; userId: string; holdId: string; keyId?: string; parentId?: string }) {
  const files: SongRow["files"] = {};
  for (const [name, bytes] of Object.entries(s.files) as [SongFile, Uint8Array][]) {
    const key = blobKey(ctx.workspaceId, meta.id, name);
    await deps.blobs.put(key, bytes, SONG_FILES[name]);
    files[name] = { key, sha256: sha256Hex(bytes), bytes: bytes.byteLength, contentType: SONG_FILES[name] };
  }
  const now = ctx.now().getTime();
  const a = s.arrangement;
  const row: typeof songs.$inferInsert = {
    workspaceId: ctx.workspaceId,
    id: meta.id,
    userId: meta.userId,
    title: s.title,
    language: s.request.language,
    style: s.style,
    mood: s.mood,
    seed: s.seed,
    durationSec: s.request.durationSec,
    instrumental: s.request.instrumental,
    plan: planOf(ctx.db, ctx.workspaceId, meta.userId, now),
    request: s.request as unknown as Record<string, unknown>,
    // The column is NOT NULL: an instrumental stores an empty lyric sheet, read back as none (lyricsOf).
    lyrics: s.lyrics ?? { title: s.title, language: s.request.language, sections: [] },
    lyricsSource: s.lyricsModel ? `${s.lyricsSource}:${s.lyricsModel}` : s.lyricsSource,
    music: { key: a.key, mode: a.mode, bpm: a.bpm, sections: a.sections, chords: a.chords.map((c) => ({ symbol: c.symbol, time: c.time, duration: c.duration })) },
    timings: s.timings,
    melody: s.melody,
    files,
    parentId: meta.parentId ?? null,
    holdId: meta.holdId,
    keyId: meta.keyId ?? null,
    createdAt: now,
  };
  atomic(ctx.db, () => ctx.db.insert(songs).values(row).run());
  return songRow(ctx, meta.id);
}

export const CreateSongInput = SongRequest.extend({
  userId: z.string().min(1).max(128).optional().meta({ description: "The end user it is made for; required with a key, taken from an end-user token. 用户" }),
  requestId: z.string().min(1).max(128).optional().meta({ description: "Idempotency key: a retry answers the first song and is charged once. 请求幂等键" }),
}).meta({ id: "CreateSongInput" });

/**
 * Makes a song through the metered path: the cost is held first (a free user's 4th song of the
 * month is the 402), the song is composed, rendered and stored, then the hold settles; any
 * failure releases it.
 */
export async function createSong(ctx: Ctx, deps: SongDeps, input: { userId: string; keyId?: string; requestId?: string; request: SongRequest }, parent?: SongRow) {
  const seed = input.request.seed ?? seedFor(input.requestId);
  const r = await meteredAsync(ctx, "song", { userId: input.userId, ...(input.requestId ? { requestId: input.requestId } : {}), ...(input.keyId ? { keyId: input.keyId } : {}), params: { ...input.request, extends: parent?.id ?? null } }, async (holdId) => {
    const plan = parent ? await extendedPlan(ctx, deps, parent, input.request, seed) : await planSong(ctx.prompts, input.request, seed, deps.llm);
    const composed = renderSong(plan);
    const row = await store(ctx, deps, composed, { id: newId("song"), userId: input.userId, holdId, ...(input.keyId ? { keyId: input.keyId } : {}), ...(parent ? { parentId: parent.id } : {}) });
    return songView(ctx, row);
  });
  return { song: r.result, hold: r.hold, replay: r.replay };
}

/** An extension keeps the song's lyrics and adds sections composed for the added time. */
async function extendedPlan(ctx: Ctx, deps: SongDeps, parent: SongRow, req: SongRequest, seed: number): Promise<SongPlan> {
  const base = parent.request as unknown as SongRequest;
  const added = await planSong(ctx.prompts, { ...base, durationSec: req.durationSec - parent.durationSec, seed, lyrics: undefined, title: parent.title }, seed, deps.llm);
  const old = lyricsOf(parent);
  const lyrics = old && added.lyrics ? { ...old, sections: [...old.sections, ...added.lyrics.sections] } : old;
  return { ...added, request: { ...base, durationSec: req.durationSec }, seed: parent.seed, style: parent.style as SongPlan["style"], mood: parent.mood as SongPlan["mood"], title: parent.title, lyrics, lyricsSource: added.lyricsSource };
}

/** A song's lyrics, none for an instrumental. */
export const lyricsOf = (row: SongRow): Lyrics | null => (row.instrumental ? null : (row.lyrics as Lyrics));

export function songRow(ctx: Ctx, id: string): SongRow {
  const row = ctx.db.select().from(songs).where(and(eq(songs.workspaceId, ctx.workspaceId), eq(songs.id, id))).get();
  if (!row) throw notFound(`song ${id}`, "歌曲不存在");
  return row;
}

/** A song another user may see only once it is published; an end user never sees another's draft. */
export function visibleSong(ctx: Ctx, id: string, viewer: string | undefined): SongRow {
  const row = songRow(ctx, id);
  if (viewer !== undefined && row.userId !== viewer && row.publishedAt === null) throw notFound(`song ${id}`, "歌曲不存在");
  return row;
}

export function songView(ctx: Ctx, row: SongRow) {
  const ws: WorkspaceRow = getWorkspace(ctx.db, ctx.workspaceId);
  const base = `/v1/songs/${row.id}`;
  const lyrics = lyricsOf(row);
  return {
    id: row.id,
    userId: row.userId,
    title: row.title,
    language: row.language,
    style: row.style,
    mood: row.mood,
    seed: row.seed,
    durationSec: row.durationSec,
    instrumental: row.instrumental,
    madeOnPlan: row.plan,
    lyricsSource: row.lyricsSource,
    lyrics: lyrics && { title: lyrics.title, sections: lyrics.sections.map((s) => ({ kind: s.kind, lines: s.lines.map((l) => l.text), rhymes: s.lines.map((l) => l.rhyme) })) },
    music: row.music,
    timings: row.timings as WordTiming[],
    files: Object.fromEntries(Object.entries(row.files).map(([name, f]) => [name, { url: `${base}/${name}`, sha256: f.sha256, bytes: f.bytes, contentType: f.contentType }])),
    stems: Object.fromEntries(["lead", "harmony", "bass", "drums"].map((t) => [t, `${base}/stems/${t}.wav`])),
    parentId: row.parentId,
    published: row.publishedAt !== null,
    publishedAt: row.publishedAt === null ? null : localIso(row.publishedAt, ws.timezone),
    likes: row.likes,
    shares: row.shares,
    comments: row.comments,
    label: AI_LABEL,
    generator: `${GENERATOR.name} ${GENERATOR.version}`,
    createdAt: localIso(row.createdAt, ws.timezone),
  };
}

/** A user's songs, newest first; with no user, the workspace's (a moderator's view). */
export function listSongs(ctx: Ctx, userId: string | undefined, limit = 50) {
  const where = userId === undefined ? eq(songs.workspaceId, ctx.workspaceId) : and(eq(songs.workspaceId, ctx.workspaceId), eq(songs.userId, userId));
  return ctx.db.select().from(songs).where(where).orderBy(desc(songs.createdAt)).limit(limit).all().map((r) => songView(ctx, r));
}

/** A stored file's bytes, checked against the hash the song (and any certificate) recorded. */
export async function songFile(ctx: Ctx, deps: SongDeps, row: SongRow, name: string) {
  const f = row.files[name];
  if (!f) throw notFound(`file ${name}`, "文件不存在");
  const blob = await deps.blobs.get(f.key);
  if (!blob) throw new ApiError(ErrorCode.NotFound, bi("文件已不在存储中", `${name} is no longer in the file store`));
  return { bytes: blob.bytes, contentType: f.contentType };
}

export const publishSong = (ctx: Ctx, row: SongRow) => {
  if (row.publishedAt === null) stmt(ctx.db, "UPDATE songs SET published_at = ? WHERE workspace_id = ? AND id = ?").run(ctx.now().getTime(), ctx.workspaceId, row.id);
  return songView(ctx, songRow(ctx, row.id));
};

/** A moderator's takedown: the song is private again (its reactions and files stay). */
export const unpublishSong = (ctx: Ctx, row: SongRow) => {
  stmt(ctx.db, "UPDATE songs SET published_at = NULL WHERE workspace_id = ? AND id = ?").run(ctx.workspaceId, row.id);
  return songView(ctx, songRow(ctx, row.id));
};

export type { SongPlan };

/** One track alone, rendered on first ask from the song's own plan (deterministic), then kept. */
export async function stemFile(ctx: Ctx, deps: SongDeps, row: SongRow, track: Track) {
  const key = blobKey(ctx.workspaceId, row.id, `stems/${track}.wav`);
  const kept = await deps.blobs.get(key);
  if (kept) return kept;
  const request = { ...(row.request as unknown as SongRequest), durationSec: row.durationSec };
  const plan: SongPlan = { request, seed: row.seed, style: row.style as SongPlan["style"], mood: row.mood as SongPlan["mood"], title: row.title, lyrics: lyricsOf(row), lyricsSource: "offline" };
  const arrangement = arrange(plan.lyrics, { style: plan.style, mood: plan.mood, durationSec: row.durationSec, seed: row.seed });
  const bytes = renderStem(plan, arrangement, track);
  await deps.blobs.put(key, bytes, "audio/wav");
  return { bytes, contentType: "audio/wav" };
}
