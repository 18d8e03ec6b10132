import { stmt } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { fill, promptJson } from "../../lib/prompts.ts";
import type { Ctx } from "../context.ts";
import { profileTraits } from "../identity/merge.ts";
import { findProfileId } from "../profiles/get.ts";
import { refreshTastes } from "./tastes.ts";

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
type NormRow = { user_id: string; kind: "genre" | "artist"; n2: number; total: number };

/**
 * The values `userId` shares with each opted-in user (both have plays of them), and those users'
 * vector norms and totals: two statements whatever the number of candidates. `only` narrows the
 * candidates to one user.
 */
function sharedWithOthers(ctx: Ctx, userId: string, only: string | null) {
  const params = { ws: ctx.workspaceId, u: userId, only };
  // CROSS JOIN keeps SQLite's join order: the asking user's few taste rows first, then who else has each
  // value (by user_tastes_value); the planner otherwise walked every taste row of the workspace.
  const shared = `SELECT t.user_id, t.kind, t.value, m.plays AS you, t.plays AS them
    FROM user_tastes m
    CROSS JOIN user_tastes t ON t.workspace_id = m.workspace_id AND t.kind = m.kind AND t.value = m.value AND t.user_id <> m.user_id
    JOIN profiles p ON p.workspace_id = t.workspace_id AND p.user_id = t.user_id
    WHERE m.workspace_id = @ws AND m.user_id = @u AND (@only IS NULL OR t.user_id = @only) AND ${OPTED_IN_SQL}`;
  const rows = stmt(ctx.db, shared).all(params) as SharedRow[];
  // Norms of the asking user and the candidates only, by primary key, candidates first (CROSS JOIN).
  // As a CTE over the query above, SQLite re-ran it per taste row: 35 s for 200 demo users.
  const candidates = JSON.stringify([userId, ...new Set(rows.map((r) => r.user_id))]);
  const norms = stmt(
    ctx.db,
    `SELECT t.user_id, t.kind, sum(t.plays * t.plays) AS n2, sum(t.plays) AS total
     FROM json_each(@candidates) c CROSS JOIN user_tastes t ON t.workspace_id = @ws AND t.user_id = c.value
     GROUP BY t.user_id, t.kind`,
  ).all({ ws: ctx.workspaceId, candidates }) as NormRow[];
  return { rows, norms };
}

/** Shared values ranked by the smaller of the two users' shares of their plays of that kind. */
function ranked(rows: SharedRow[], youTotal: number, themTotal: number): SharedTaste[] {
  const share = (r: SharedRow) => Math.min(r.you / youTotal, r.them / themTotal);
  return rows
    .sort((a, b) => share(b) - share(a) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .map((r) => ({ value: r.value, plays: { you: r.you, them: r.them } }));
}

type Pair = { userId: string; score: number; genres: SharedTaste[]; artists: SharedTaste[] };

/** Every opted-in user who shares something with `userId`, scored; in no particular order. */
function scorePairs(ctx: Ctx, userId: string, only: string | null): Pair[] {
  const { rows, norms } = sharedWithOthers(ctx, userId, only);
  const stat = new Map(norms.map((n) => [`${n.user_id}\u0000${n.kind}`, n]));
  const of = (u: string, kind: string) => stat.get(`${u}\u0000${kind}`) ?? { n2: 0, total: 0 };
  const byUser = new Map<string, SharedRow[]>();
  for (const r of rows) {
    const list = byUser.get(r.user_id);
    if (list) list.push(r);
    else byUser.set(r.user_id, [r]);
  }
  const pairs: Pair[] = [];
  for (const [other, shared] of byUser) {
    const part = (kind: "genre" | "artist") => {
      const mine = of(userId, kind);
      const theirs = of(other, kind);
      const kindRows = shared.filter((r) => r.kind === kind);
      const dot = kindRows.reduce((s, r) => s + r.you * r.them, 0);
      const cos = mine.n2 && theirs.n2 ? dot / Math.sqrt(mine.n2 * theirs.n2) : 0;
      return { cos, list: ranked(kindRows, mine.total, theirs.total) };
    };
    const g = part("genre");
    const a = part("artist");
    pairs.push({ userId: other, score: GENRE_WEIGHT * g.cos + ARTIST_WEIGHT * a.cos, genres: g.list, artists: a.list });
  }
  return pairs;
}

/** The shared genres and artists of two users, strongest first (both must have opted in: checked by the caller). */
export function sharedTastes(ctx: Ctx, userId: string, otherId: string): { genres: SharedTaste[]; artists: SharedTaste[] } {
  refreshTastes(ctx);
  const pair = scorePairs(ctx, userId, otherId)[0];
  return { genres: pair?.genres ?? [], artists: pair?.artists ?? [] };
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
  refreshTastes(ctx);
  const zh = icebreakerText(ctx, "zh");
  const en = icebreakerText(ctx, "en");
  return scorePairs(ctx, userId, null)
    .map((p) => ({ ...p, score: round3(p.score) }))
    .filter((p) => p.score > 0 && p.score >= minScore)
    .sort((a, b) => b.score - a.score || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit)
    .map((p) => {
      const genres = p.genres.slice(0, 3);
      const artists = p.artists.slice(0, 3);
      return {
        userId: p.userId,
        score: p.score,
        sharedGenres: genres.map((g) => ({ genre: g.value, plays: g.plays })),
        sharedArtists: artists.map((a) => ({ artist: a.value, plays: a.plays })),
        reason: { zh: reasonIn(zh, genres, artists), en: reasonIn(en, genres, artists) },
      };
    });
}
