import { atomic, stmt, type Db } from "../../db/client.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { catalogFromEvents, pruneCatalogValues } from "../catalog/fromEvents.ts";
import { claimIdentity } from "../identity/link.ts";
import type { Ctx } from "../context.ts";
import { isRowError, normalizeEvent, type EventRow } from "./normalize.ts";
import { addToUserDaily, writeProfileStats } from "./rollups.ts";
import { insertedSince } from "./selection.ts";
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

/**
 * Stores the rows of one batch atomically and moves rollups, profiles and the catalog by exactly
 * the rows inserted. Returns how many were inserted.
 */
export function insertRows(db: Db, ws: { id: number; nonActivityEvents: string[] }, rows: EventRow[], now: number): number {
  if (!rows.length) return 0;
  return atomic(db, () => {
    linkNewPairs(db, ws, rows, now);
    const { maxSeq } = stmt(db, "SELECT coalesce(max(seq), 0) AS maxSeq FROM events").get() as { maxSeq: number };
    const inserted = stmt(db, INSERT_EVENTS).run({ ws: ws.id, rows: JSON.stringify(rows), now }).changes;
    if (inserted > 0) {
      const sel = insertedSince(maxSeq);
      addToUserDaily(db, sel);
      writeProfileStats(db, sel, ws.nonActivityEvents, now, "accumulate");
      catalogFromEvents(db, sel, 1);
      maybePrune(db, ws.id, inserted);
    }
    return inserted;
  });
}

/** Events that carry both ids link them, but only when the event itself is new (first write wins). */
function linkNewPairs(db: Db, ws: { id: number; nonActivityEvents: string[] }, rows: EventRow[], now: number) {
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

/**
 * Validates a batch (each event on its own: one bad event never sinks the others), drops repeats
 * within it, and stores the rest. The answer counts every event exactly once.
 */
export function ingestEvents(ctx: Ctx, events: readonly unknown[]): IngestResult {
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
  const inserted = insertRows(ctx.db, ws, rows, now);
  result.accepted = inserted;
  result.duplicates += rows.length - inserted;
  return result;
}
