import { stmt } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { fill, promptJson } from "../../lib/prompts.ts";
import type { Ctx } from "../context.ts";
import { profileTraits } from "../identity/merge.ts";
import { findProfileId } from "../profiles/get.ts";
import { catchUpTastes } from "./tastes.ts";

/** The trait a user sets (true, or "true") to be matched and to see matches: nobody is matched unasked. */
export const OPT_IN_TRAIT = "icebreakers_opt_in";

/** The opt-in test over a `profiles p` row, in SQL. */
const OPTED_IN_SQL = `(json_type(p.traits, '$.${OPT_IN_TRAIT}') = 'true' OR p.traits ->> '$.${OPT_IN_TRAIT}' = 'true')`;

export const optedIn = (traits: Record<string, unknown>) => traits[OPT_IN_TRAIT] === true || traits[OPT_IN_TRAIT] === "true";

/**
 * Genre vectors have a handful of dimensions and fill up after a few plays, so their cosine is a
 * steady signal; artist vectors are long-tailed and sparse, so a shared artist says more about two
 * people but is often missing by chance. Genre carries most of the weight, artist tips the order.
 */
export const GENRE_WEIGHT = 0.6;
export const ARTIST_WEIGHT = 0.4;

export type Language = "zh" | "en";
export type SharedTaste = { value: string; plays: { you: number; them: number } };
export type Match = {
  userId: string;
  score: number;
  sharedGenres: { genre: string; plays: { you: number; them: number } }[];
  sharedArtists: { artist: string; plays: { you: number; them: number } }[];
  reason: { zh: string; en: string };
};

type IcebreakerText = {
  genres: Record<string, string>;
  fallbackName: string;
  list: { separator: string; last: string };
  reason: { both: string; genres: string; artists: string };
  tones: Record<string, Record<"genre" | "artist", string[]>>;
};
export const icebreakerText = (ctx: Ctx, lang: Language) => promptJson<IcebreakerText>(ctx.prompts, `icebreakers/${lang}.json`);
export const genreName = (text: IcebreakerText, genre: string) => text.genres[genre] ?? genre;

/**
 * The user behind an id (aliases and anonymous ids resolved) who has opted in, with their traits:
 * 404 when there is none, 403 when they have not opted in, since browsing others is the same
 * exposure as being browsed.
 */
export function optedInUser(ctx: Ctx, id: string): { userId: string; traits: Record<string, unknown> } {
  const userId = findProfileId(ctx, id);
  if (!userId) throw notFound(`user ${id}`, "用户不存在");
  const traits = profileTraits(ctx.db, ctx.workspaceId, userId) ?? {};
  if (!optedIn(traits))
    throw new ApiError(
      ErrorCode.Forbidden,
      bi(
        `用户 ${id} 尚未开启破冰匹配：请先通过 POST /v1/identify 把用户属性 ${OPT_IN_TRAIT} 设为 true；未开启的用户不能查看他人`,
        `user ${id} has not opted in to icebreakers: set the trait ${OPT_IN_TRAIT} to true with POST /v1/identify first; a user who has not opted in cannot browse others`,
      ),
      { reason: "not_opted_in", trait: OPT_IN_TRAIT },
    );
  return { userId, traits };
}

type SharedRow = { user_id: string; kind: "genre" | "artist"; value: string; you: number; them: number };
type DotRow = { user_id: string; kind: "genre" | "artist"; dot: number };
type NormRow = { user_id: string; kind: "genre" | "artist"; n2: number; total: number };

/**
 * `userId`'s taste rows, then who else has each value (by user_tastes_value). CROSS JOIN keeps
 * that order: the planner otherwise walked every taste row of the workspace.
 */
const OTHERS_SQL = `FROM user_tastes m
    CROSS JOIN user_tastes t ON t.workspace_id = m.workspace_id AND t.kind = m.kind AND t.value = m.value AND t.user_id <> m.user_id
    WHERE m.workspace_id = @ws AND m.user_id = @u`;

type Scored = { userId: string; score: number };

/**
 * Every opted-in user who shares something with `userId`, scored, in three statements whatever the
 * number of candidates: the dot products per candidate and kind (summed in SQL: a demo user shares a
 * genre with thousands), which candidates opted in, and their norms (by key, candidates first; as a
 * CTE SQLite re-ran the join per taste row).
 */
function scoreAll(ctx: Ctx, userId: string): Scored[] {
  const ws = ctx.workspaceId;
  const dots = stmt(ctx.db, `SELECT t.user_id, t.kind, sum(m.plays * t.plays) AS dot ${OTHERS_SQL} GROUP BY t.user_id, t.kind`).all({ ws, u: userId }) as DotRow[];
  const candidates = JSON.stringify([...new Set(dots.map((d) => d.user_id))]);
  const opted = new Set(
    (stmt(ctx.db, `SELECT p.user_id FROM json_each(@candidates) c CROSS JOIN profiles p ON p.workspace_id = @ws AND p.user_id = c.value WHERE ${OPTED_IN_SQL}`).all({ ws, candidates }) as { user_id: string }[]).map((r) => r.user_id),
  );
  const n2 = normsOf(ctx, [userId, ...opted]);
  const mine = (kind: string) => n2.get(`${userId}\u0000${kind}`)?.n2 ?? 0;
  const score = new Map<string, number>();
  for (const d of dots) {
    if (!opted.has(d.user_id)) continue;
    const theirs = n2.get(`${d.user_id}\u0000${d.kind}`)?.n2 ?? 0;
    const cos = mine(d.kind) && theirs ? d.dot / Math.sqrt(mine(d.kind) * theirs) : 0;
    score.set(d.user_id, (score.get(d.user_id) ?? 0) + (d.kind === "genre" ? GENRE_WEIGHT : ARTIST_WEIGHT) * cos);
  }
  return [...score].map(([u, sc]) => ({ userId: u, score: sc }));
}

function normsOf(ctx: Ctx, users: string[]): Map<string, NormRow> {
  const rows = stmt(
    ctx.db,
    `SELECT t.user_id, t.kind, sum(t.plays * t.plays) AS n2, sum(t.plays) AS total
     FROM json_each(@users) c CROSS JOIN user_tastes t ON t.workspace_id = @ws AND t.user_id = c.value
     GROUP BY t.user_id, t.kind`,
  ).all({ ws: ctx.workspaceId, users: JSON.stringify(users) }) as NormRow[];
  return new Map(rows.map((n) => [`${n.user_id}\u0000${n.kind}`, n]));
}

/** Shared values ranked by the smaller of the two users' shares of their plays of that kind. */
function ranked(rows: SharedRow[], youTotal: number, themTotal: number): SharedTaste[] {
  const share = (r: SharedRow) => Math.min(r.you / youTotal, r.them / themTotal);
  return rows
    .sort((a, b) => share(b) - share(a) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .map((r) => ({ value: r.value, plays: { you: r.you, them: r.them } }));
}

/** What `userId` shares with each of `others` (only the matches shown, so a few rows), strongest first. */
function sharedWith(ctx: Ctx, userId: string, others: string[]): Map<string, { genres: SharedTaste[]; artists: SharedTaste[] }> {
  const rows = stmt(ctx.db, `SELECT t.user_id, t.kind, t.value, m.plays AS you, t.plays AS them ${OTHERS_SQL} AND t.user_id IN (SELECT value FROM json_each(@others))`).all({
    ws: ctx.workspaceId,
    u: userId,
    others: JSON.stringify(others),
  }) as SharedRow[];
  const totals = normsOf(ctx, [userId, ...others]);
  const total = (u: string, kind: string) => totals.get(`${u}\u0000${kind}`)?.total ?? 0;
  const out = new Map<string, { genres: SharedTaste[]; artists: SharedTaste[] }>();
  for (const o of others) {
    const mine = rows.filter((r) => r.user_id === o);
    const list = (kind: "genre" | "artist") => ranked(mine.filter((r) => r.kind === kind), total(userId, kind), total(o, kind));
    out.set(o, { genres: list("genre"), artists: list("artist") });
  }
  return out;
}

/** The shared genres and artists of two users, strongest first (both must have opted in: checked by the caller). */
export function sharedTastes(ctx: Ctx, userId: string, otherId: string): { genres: SharedTaste[]; artists: SharedTaste[] } {
  catchUpTastes(ctx);
  return sharedWith(ctx, userId, [otherId]).get(otherId)!;
}

function listText(text: IcebreakerText, items: string[]) {
  return items.length < 2 ? (items[0] ?? "") : items.slice(0, -1).join(text.list.separator) + text.list.last + items[items.length - 1];
}

/** Why two users match, in one language: the genres and artists they both play. */
function reasonIn(text: IcebreakerText, genres: SharedTaste[], artists: SharedTaste[]) {
  const vars = { genres: listText(text, genres.map((g) => genreName(text, g.value))), artists: listText(text, artists.map((a) => a.value)) };
  return fill(genres.length && artists.length ? text.reason.both : genres.length ? text.reason.genres : text.reason.artists, vars);
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The opted-in users whose listening is most like `userId`'s: cosine similarity of play counts by
 * genre and by artist, weighted. Only users who share at least one genre or artist can score.
 */
export function findMatches(ctx: Ctx, id: string, opts: { limit?: number; minScore?: number } = {}): Match[] {
  const { limit = 10, minScore = 0.1 } = opts;
  const { userId } = optedInUser(ctx, id);
  catchUpTastes(ctx);
  const zh = icebreakerText(ctx, "zh");
  const en = icebreakerText(ctx, "en");
  const top = scoreAll(ctx, userId)
    .map((p) => ({ ...p, score: round3(p.score) }))
    .filter((p) => p.score > 0 && p.score >= minScore)
    .sort((a, b) => b.score - a.score || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit);
  const shared = sharedWith(ctx, userId, top.map((p) => p.userId));
  return top.map((p) => {
    const s = shared.get(p.userId)!;
    const genres = s.genres.slice(0, 3);
    const artists = s.artists.slice(0, 3);
    return {
      userId: p.userId,
      score: p.score,
      sharedGenres: genres.map((g) => ({ genre: g.value, plays: g.plays })),
      sharedArtists: artists.map((a) => ({ artist: a.value, plays: a.plays })),
      reason: { zh: reasonIn(zh, genres, artists), en: reasonIn(en, genres, artists) },
    };
  });
}
