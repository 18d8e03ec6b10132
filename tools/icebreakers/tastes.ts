import { atomic, stmt, type Db } from "../../db/sql.ts";
import type { Ctx } from "../context.ts";

/**
 * The events that say what someone listens to. Only plays: a like or a search also names a genre,
 * but counting them would weigh a user's taste by how much they tap rather than by what they hear,
 * and the demo and SDK send every listen as `play_song` with its `genre` and `artist`.
 */
export const TASTE_EVENTS = ["play_song"] as const;

/**
 * How many event seqs (of every workspace: seq is the events table's rowid) one fold reads at most,
 * so a long backlog is caught up over several calls instead of one long atomic unit.
 */
export const FOLD_SPAN = 200_000;

/** Longer values are not tastes but junk; they would bloat the taste table and the match join. */
const MAX_VALUE = 200;

/**
 * One kind's fold: plays of the events in (after, upto] with a non-empty text property, summed per
 * user and value. NOT INDEXED and the unary `+` keep the planner on the seq (rowid) range: the
 * name index would read every play the workspace ever had to find the few new ones.
 */
const foldSql = (kind: "genre" | "artist", value: string) => `
INSERT INTO user_tastes (workspace_id, user_id, kind, value, plays)
SELECT @ws, e.user_id, '${kind}', ${value}, count(*)
FROM events e NOT INDEXED
WHERE e.seq > @after AND e.seq <= @upto AND +e.workspace_id = @ws
  AND +e.name IN (SELECT n.value FROM json_each(@names) n)
  AND json_type(e.properties, '$.${kind}') = 'text'
  AND length(${value}) BETWEEN 1 AND ${MAX_VALUE}
GROUP BY e.user_id, ${value}
ON CONFLICT (workspace_id, user_id, kind, value) DO UPDATE SET plays = plays + excluded.plays`;

// Genres are ids (pop, hiphop …): case and spaces are not a different genre. Artists keep their case.
const FOLD_GENRES = foldSql("genre", "lower(trim(e.properties ->> '$.genre'))");
const FOLD_ARTISTS = foldSql("artist", "trim(e.properties ->> '$.artist')");

export type FoldResult = { throughSeq: number; caughtUp: boolean };

/**
 * Folds the plays past `taste_state.through_seq` into user_tastes. The read of the watermark, both
 * folds and its advance are one atomic unit, so an ingest that lands meanwhile is either wholly in
 * this fold or wholly after its watermark: never counted twice, never skipped.
 */
export function refreshTastes(ctx: Ctx, span = FOLD_SPAN): FoldResult {
  const ws = ctx.workspaceId;
  return atomic(ctx.db, () => {
    const state = stmt(ctx.db, "SELECT through_seq FROM taste_state WHERE workspace_id = ?").get(ws) as { through_seq: number } | undefined;
    const after = state?.through_seq ?? 0;
    const max = (stmt(ctx.db, "SELECT coalesce(max(seq), 0) AS m FROM events").get() as { m: number }).m;
    const upto = Math.min(max, after + span);
    if (upto <= after) return { throughSeq: after, caughtUp: true };
    const params = { ws, after, upto, names: JSON.stringify(TASTE_EVENTS) };
    stmt(ctx.db, FOLD_GENRES).run(params);
    stmt(ctx.db, FOLD_ARTISTS).run(params);
    stmt(
      ctx.db,
      `INSERT INTO taste_state (workspace_id, through_seq) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET through_seq = excluded.through_seq`,
    ).run(ws, upto);
    return { throughSeq: upto, caughtUp: upto === max };
  });
}

/** Folds every play not yet counted, each fold its own bounded atomic unit, so a match never reads a half-counted rollup. */
export function catchUpTastes(ctx: Ctx): FoldResult {
  let r = refreshTastes(ctx);
  while (!r.caughtUp) r = refreshTastes(ctx);
  return r;
}

/**
 * A merge: `from`'s plays are added onto `into`'s and `from` has none left. Its events move in the
 * same transaction, so the folded ones are counted here and the unfolded ones by the next fold.
 */
export function moveTastes(db: Db, workspaceId: number, from: string, into: string) {
  if (from === into) return;
  stmt(
    db,
    `INSERT INTO user_tastes (workspace_id, user_id, kind, value, plays)
     SELECT workspace_id, @into, kind, value, plays FROM user_tastes WHERE workspace_id = @ws AND user_id = @from
     ON CONFLICT (workspace_id, user_id, kind, value) DO UPDATE SET plays = plays + excluded.plays`,
  ).run({ ws: workspaceId, from, into });
  deleteTastes(db, workspaceId, from);
}

/**
 * A deletion's share: the user's taste rows. Call it after the user's events are deleted: seq is a
 * rowid without AUTOINCREMENT, so once the newest events are gone their seqs are handed out again,
 * and a watermark past the new maximum would skip those new events. Any workspace's watermark may
 * be the deleted seq (a fold advances to the newest event of all), so every one is lowered.
 */
export function deleteTastes(db: Db, workspaceId: number, userId: string): number {
  const removed = stmt(db, "DELETE FROM user_tastes WHERE workspace_id = ? AND user_id = ?").run(workspaceId, userId).changes;
  const max = (stmt(db, "SELECT coalesce(max(seq), 0) AS m FROM events").get() as { m: number }).m;
  stmt(db, "UPDATE taste_state SET through_seq = ? WHERE through_seq > ?").run(max, max);
  return removed;
}
