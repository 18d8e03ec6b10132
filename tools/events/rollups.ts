import { stmt, type Db } from "../../db/sql.ts";
import type { WorkspaceRef } from "../../db/schema/index.ts";
import { INACTIVE_NAMES, type EventSelection } from "./selection.ts";

/** Adds the selected events to the per-user daily rollup. */
export function addToUserDaily(db: Db, sel: EventSelection) {
  stmt(
    db,
    `INSERT INTO user_daily (workspace_id, user_id, day, name, count, amount)
     SELECT e.workspace_id, e.user_id, e.day, e.name, count(*), total(e.amount) FROM ${sel.from}
     WHERE ${sel.where} GROUP BY e.workspace_id, e.user_id, e.day, e.name
     ON CONFLICT (workspace_id, user_id, day, name) DO UPDATE SET
       count = user_daily.count + excluded.count, amount = user_daily.amount + excluded.amount`,
  ).run(sel.params);
}

/** Rebuilds one user's daily rollup from their events (after a merge moved rows to them). */
export function rebuildUserDaily(db: Db, workspaceId: number, userIds: string[], sel: EventSelection) {
  const del = stmt(db, "DELETE FROM user_daily WHERE workspace_id = ? AND user_id = ?");
  for (const u of userIds) del.run(workspaceId, u);
  addToUserDaily(db, sel);
}

/**
 * Writes the ingest-kept behaviour fields of profiles from the selected events: `accumulate` folds a
 * new batch into what is there; `replace` recomputes from the whole selection (a merged user).
 * Creates missing profiles; anonymous ones are those whose id is `anon:<anonymousId>`. Reads the
 * catalog's event names for activity, so the catalog must already hold the selected events.
 */
export function writeProfileStats(
  db: Db,
  sel: EventSelection,
  ws: WorkspaceRef,
  now: number,
  mode: "accumulate" | "replace",
) {
  const set =
    mode === "accumulate"
      ? `first_seen_at = min(coalesce(profiles.first_seen_at, excluded.first_seen_at), excluded.first_seen_at),
         last_seen_at = max(coalesce(profiles.last_seen_at, excluded.last_seen_at), excluded.last_seen_at),
         first_active_day = coalesce(min(profiles.first_active_day, excluded.first_active_day), profiles.first_active_day, excluded.first_active_day),
         last_active_day = coalesce(max(profiles.last_active_day, excluded.last_active_day), profiles.last_active_day, excluded.last_active_day),
         event_count = profiles.event_count + excluded.event_count`
      : `first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
         first_active_day = excluded.first_active_day, last_active_day = excluded.last_active_day,
         event_count = excluded.event_count`;
  stmt(
    db,
    `INSERT INTO profiles (workspace_id, user_id, anonymous, traits, first_seen_at, last_seen_at,
       first_active_day, last_active_day, event_count, seed, created_at, updated_at)
     SELECT e.workspace_id, e.user_id, substr(e.user_id, 1, 5) = 'anon:', '{}', min(e.occurred_at), max(e.occurred_at),
       min(CASE WHEN e.name NOT IN ${INACTIVE_NAMES} THEN e.day END), max(CASE WHEN e.name NOT IN ${INACTIVE_NAMES} THEN e.day END),
       count(*), random() & 1048575, @now, @now
     FROM ${sel.from} WHERE ${sel.where} GROUP BY e.workspace_id, e.user_id
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET ${set}, updated_at = excluded.updated_at`,
  ).run({ ...sel.params, ws: ws.id, nonActivity: JSON.stringify(ws.nonActivityEvents), now });
}
