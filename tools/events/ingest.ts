import { atomic, fitsBoundValue, stmt, type Db } from "../../db/sql.ts";
import type { WorkspaceRef as Ws } from "../../db/schema/index.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { catalogFromEvents, pruneCatalogValues } from "../catalog/fromEvents.ts";
import { claimIdentity } from "../identity/link.ts";
import type { Ctx } from "../context.ts";
import { isRowError, normalizeEvent, type EventRow } from "./normalize.ts";
import { addToUserDaily, writeProfileStats } from "./rollups.ts";
import { insertedSince } from "./selection.ts";
import { addBatchToSegmentRollups } from "../segments/windows.ts";
import type { IngestResult } from "./schema.ts";

/**
 * Inserts new rows, resolving each to its profile in SQL: a user id through its alias redirect,
 * an anonymous id through its link, else to the anonymous profile `anon:<id>`.
 */
const INSERT_EVENTS = `
INSERT OR IGNORE INTO events (workspace_id, message_id, user_id, anonymous_id, name, properties, amount, occurred_at, day, received_at)
SELECT @ws, r.value ->> 0,
  CASE WHEN r.value ->> 1 IS NOT NULL
    THEN coalesce((SELECT i.user_id FROM identities i WHERE i.workspace_id = @ws AND i.kind = 'user_id' AND i.value = r.value ->> 1), r.value ->> 1)
    ELSE coalesce((SELECT i.user_id FROM identities i WHERE i.workspace_id = @ws AND i.kind = 'anonymous_id' AND i.value = r.value ->> 2), 'anon:' || (r.value ->> 2))
  END,
  r.value ->> 2, r.value ->> 3, r.value -> 4, r.value ->> 5, r.value ->> 6, r.value ->> 7, @now
FROM json_each(@rows) r`;

const PRUNE_EVERY = 200_000;
const sincePrune = new WeakMap<object, Map<number, number>>();


const maxSeq = (db: Db) => (stmt(db, "SELECT coalesce(max(seq), 0) AS m FROM events").get() as { m: number }).m;

/** Links ids and inserts one request's rows; the caller holds the transaction. Returns rows inserted. */
function insertBatch(db: Db, ws: Ws, rows: EventRow[], now: number): number {
  if (!rows.length) return 0;
  linkNewPairs(db, ws, rows, now);
  return insertJson(db, ws, rows, now);
}

/** The rows as one JSON parameter, halved while that is over a bound value's limit (2 MB). */
function insertJson(db: Db, ws: Ws, rows: EventRow[], now: number): number {
  const json = JSON.stringify(rows);
  if (rows.length > 1 && !fitsBoundValue(json)) {
    const half = Math.ceil(rows.length / 2);
    return insertJson(db, ws, rows.slice(0, half), now) + insertJson(db, ws, rows.slice(half), now);
  }
  return stmt(db, INSERT_EVENTS).run({ ws: ws.id, rows: json, now }).changes;
}

/** Moves rollups, profiles and the catalog by the rows inserted after seq `after` (one workspace's). */
function rollUp(db: Db, ws: Ws, after: number, inserted: number, now: number) {
  if (inserted <= 0) return;
  const sel = insertedSince(after);
  addToUserDaily(db, sel);
  addBatchToSegmentRollups(db, ws.id, sel);
  catalogFromEvents(db, sel, 1); // before the profiles: they read activity from the catalog's names
  writeProfileStats(db, sel, ws, now, "accumulate");
  maybePrune(db, ws.id, inserted);
}

/**
 * Stores the rows of one batch atomically and moves rollups, profiles and the catalog by exactly
 * the rows inserted. Returns how many were inserted.
 */
export function insertRows(db: Db, ws: Ws, rows: EventRow[], now: number): number {
  if (!rows.length) return 0;
  return atomic(db, () => {
    const after = maxSeq(db);
    const inserted = insertBatch(db, ws, rows, now);
    rollUp(db, ws, after, inserted, now);
    return inserted;
  });
}

/** After this turn's I/O callbacks: setImmediate on Node; a zero timeout where there is none (workerd). */
const afterIo: (fn: () => void) => void = typeof setImmediate === "function" ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

type Pending = { ws: Ws; rows: EventRow[]; now: number; resolve: (n: number) => void; reject: (e: unknown) => void };
const queues = new WeakMap<object, Pending[]>();

/**
 * Group commit: batches handed over in the same turn of the event loop (concurrent HTTP requests)
 * share one transaction. Random B-tree pages dirtied by one batch are often dirtied by the next, so
 * one commit writes far fewer pages than one per request. Each batch still learns exactly how many
 * of its rows were inserted.
 */
export function insertRowsGrouped(db: Db, ws: Ws, rows: EventRow[], now: number): Promise<number> {
  if (!rows.length) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    let queue = queues.get(db);
    if (!queue) {
      queues.set(db, (queue = []));
      afterIo(() => flushGroup(db));
    }
    queue.push({ ws, rows, now, resolve, reject });
  });
}

function flushGroup(db: Db) {
  const queue = queues.get(db) ?? [];
  queues.delete(db);
  const outcomes = new Map<Pending, { n: number } | { err: unknown }>();
  try {
    atomic(db, () => {
      for (const p of queue) {
        // Each batch rolls up right after its own insert: a later batch in the group may merge
        // profiles (rebuilding their rollups from all their events), and must see the earlier
        // batches' rows already counted. Each runs in its own savepoint, so a batch that fails
        // takes back only its own writes.
        try {
          const n = atomic(db, () => {
            const after = maxSeq(db);
            const inserted = insertBatch(db, p.ws, p.rows, p.now);
            rollUp(db, p.ws, after, inserted, p.now);
            return inserted;
          });
          outcomes.set(p, { n });
        } catch (err) {
          outcomes.set(p, { err });
        }
      }
    });
  } catch (err) {
    for (const p of queue) p.reject(err);
    return;
  }
  for (const p of queue) {
    const o = outcomes.get(p)!;
    if ("n" in o) p.resolve(o.n);
    else p.reject(o.err);
  }
}

/** Events that carry both ids link them, but only when the event itself is new (first write wins). */
function linkNewPairs(db: Db, ws: Ws, rows: EventRow[], now: number) {
  const pairs = rows.filter((r) => r[1] !== null && r[2] !== null);
  if (!pairs.length) return;
  const known = new Set(
    (
      stmt(db, "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM events WHERE workspace_id = ? AND message_id = value)").all(
        JSON.stringify(pairs.map((r) => r[0])),
        ws.id,
      ) as { value: string }[]
    ).map((r) => r.value),
  );
  for (const r of pairs) if (!known.has(r[0])) claimIdentity(db, ws, "anonymous_id", r[2]!, r[1]!, now);
}

function maybePrune(db: Db, workspaceId: number, inserted: number) {
  let perWs = sincePrune.get(db);
  if (!perWs) sincePrune.set(db, (perWs = new Map()));
  const n = (perWs.get(workspaceId) ?? 0) + inserted;
  if (n < PRUNE_EVERY) return void perWs.set(workspaceId, n);
  perWs.set(workspaceId, 0);
  pruneCatalogValues(db, workspaceId);
}

/** Validates a batch (each event on its own) and drops repeats within it; nothing is stored yet. */
function prepare(ctx: Ctx, events: readonly unknown[]) {
  const now = ctx.now().getTime();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const result: IngestResult = { accepted: 0, duplicates: 0, rejected: 0, errors: [] };
  const rows: EventRow[] = [];
  const seen = new Set<string>();
  events.forEach((raw, index) => {
    const row = normalizeEvent(raw, now, ws.timezone);
    if (isRowError(row)) {
      result.rejected++;
      result.errors.push({ index, ...row });
    } else if (seen.has(row[0])) {
      result.duplicates++;
    } else {
      seen.add(row[0]);
      rows.push(row);
    }
  });
  const finish = (inserted: number): IngestResult => ({ ...result, accepted: inserted, duplicates: result.duplicates + rows.length - inserted });
  return { ws, now, rows, finish };
}

/**
 * Validates and stores a batch: one bad event never sinks the others, repeats within the batch
 * are duplicates, and the answer counts every event exactly once.
 */
export function ingestEvents(ctx: Ctx, events: readonly unknown[]): IngestResult {
  const { ws, now, rows, finish } = prepare(ctx, events);
  return finish(insertRows(ctx.db, ws, rows, now));
}

/** The same, committed together with other batches that arrive in the same event-loop turn. */
export async function ingestEventsGrouped(ctx: Ctx, events: readonly unknown[]): Promise<IngestResult> {
  const { ws, now, rows, finish } = prepare(ctx, events);
  return finish(await insertRowsGrouped(ctx.db, ws, rows, now));
}
