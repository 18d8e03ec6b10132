import { stmt, type Db } from "../../db/sql.ts";
import { modelState, type WorkspaceRow } from "../../db/schema/index.ts";
import { dayStartMs } from "../../lib/time.ts";
import { INACTIVE_NAMES, type EventSelection } from "../events/selection.ts";
import { keyPath } from "./predicates.ts";

/**
 * Anchored window counts (table user_windows): per user, event and length L, the count and amount
 * over [anchor − L + 1, anchor], plus the same per value of a few hot text properties. Segments
 * read them instead of grouping tens of daily rows per user (see windowPlan.ts). The hot
 * properties also get a daily rollup (user_daily_props), so a `where` on them never reads raw
 * events for whole days.
 *
 * Exactness: the anchor is the last whole day before the daily recompute, so live ingest (today)
 * never touches the windows; late events, merges and deletions move them like user_daily; the
 * daily recompute slides them by the days that passed. user_daily_props moves with every batch.
 */
/**
 * Each is N − 1 for a common N-day window: the anchor is yesterday, so "N days up to now" is the
 * window plus today, and the previous N days of a change are the difference of two windows.
 */
export const WINDOW_LENGTHS = [6, 13, 27, 29, 59, 89, 179] as const;
/** Property windows cost a row per user per value: the longest is left to raw events. */
export const PROP_WINDOW_LENGTHS = [6, 13, 27, 29, 59, 89] as const;
/** A slide re-reads two days per length and day passed; past this a rebuild is cheaper. */
const MAX_SLIDE_DAYS = 7;

export type HotProperty = { event: string; property: string };
export type WindowState = { anchor: number; lengths: number[]; propLengths: number[]; hot: HotProperty[] };

const STATE = "windows";
type Ws = Pick<WorkspaceRow, "id" | "timezone" | "nonActivityEvents">;

export function windowState(db: Db, workspaceId: number): WindowState | undefined {
  const row = stmt(db, "SELECT state FROM model_state WHERE workspace_id = ? AND name = ?").get(workspaceId, STATE) as { state: string } | undefined;
  return row ? (JSON.parse(row.state) as WindowState) : undefined;
}

function saveState(db: Db, workspaceId: number, state: WindowState, now: number) {
  db.insert(modelState)
    .values({ workspaceId, name: STATE, state, computedAt: now })
    .onConflictDoUpdate({ target: [modelState.workspaceId, modelState.name], set: { state, computedAt: now } })
    .run();
}

/**
 * Text properties worth a window: of an activity event (receipts are many and rarely filtered
 * on), on at least half of its rows, with at most 32 distinct values that cover 90% of its
 * occurrences (so a pruned, high-cardinality property never qualifies), and a name that fits a
 * JSON path unquoted. At most four, the most frequent events first: each costs rows per value.
 */
export function hotProperties(db: Db, ws: Ws): HotProperty[] {
  return stmt(
    db,
    `SELECT p.scope AS event, p.property FROM catalog_properties p
     JOIN catalog_events c ON c.workspace_id = p.workspace_id AND c.name = p.scope
     JOIN (SELECT scope, property, count(*) AS n, sum(count) AS covered FROM catalog_values
           WHERE workspace_id = @ws AND substr(value, 1, 1) = '"' GROUP BY scope, property) v
       ON v.scope = p.scope AND v.property = p.property
     WHERE p.workspace_id = @ws AND p.type = 'text' AND p.count * 2 >= c.count
       AND v.n <= 32 AND v.covered * 10 >= p.count * 9
       AND instr(p.property, '"') = 0 AND instr(p.property, '\\') = 0 AND p.scope NOT IN ${INACTIVE_NAMES}
     ORDER BY c.count DESC, p.scope, p.property LIMIT 4`,
  ).all({ ws: ws.id, nonActivity: JSON.stringify(ws.nonActivityEvents) }) as HotProperty[];
}

const hotJson = (hot: HotProperty[]) => JSON.stringify(hot.map((h) => ({ event: h.event, property: h.property, path: keyPath(h.property) })));

const UPSERT = `ON CONFLICT (workspace_id, name, prop, value, len, user_id) DO UPDATE SET
  count = user_windows.count + excluded.count, amount = round(user_windows.amount + excluded.amount, 6)`;
const COLUMNS = "INSERT INTO user_windows (workspace_id, name, prop, value, len, user_id, count, amount)";
/** The hot list as a table `h` (event, property, path), read once per statement, not once per row. */
const HOT = "h AS MATERIALIZED (SELECT value ->> 'event' AS event, value ->> 'property' AS property, value ->> 'path' AS path FROM json_each(@hot))";
/** The hot property's text value of event `e` joined to hot list entry `h`. */
const HOT_VALUE = "json_extract(e.properties, h.path)";
const IS_HOT = "h.event = e.name AND json_type(e.properties, h.path) = 'text'";

/** Adds the selected events to the hot properties' daily rollup (every batch, a merged user's events). */
export function addToDailyProps(db: Db, workspaceId: number, sel: EventSelection, state: WindowState) {
  if (!state.hot.length) return;
  stmt(
    db,
    `WITH ${HOT} INSERT INTO user_daily_props (workspace_id, name, prop, day, value, user_id, count, amount)
     SELECT e.workspace_id, e.name, h.property, e.day, ${HOT_VALUE}, e.user_id, count(*), round(total(e.amount), 6)
     FROM ${sel.from} CROSS JOIN h
     WHERE ${sel.where} AND e.workspace_id = @ws AND ${IS_HOT}
     GROUP BY 2, 3, 4, 5, 6
     ON CONFLICT (workspace_id, name, prop, day, value, user_id) DO UPDATE SET
       count = user_daily_props.count + excluded.count, amount = round(user_daily_props.amount + excluded.amount, 6)`,
  ).run({ ...sel.params, ws: workspaceId, hot: hotJson(state.hot) });
}

/** Adds the selected events that fall in the windows (late events of a batch, a merged user's events). */
export function addToWindows(db: Db, workspaceId: number, sel: EventSelection, state: WindowState) {
  const p = { ...sel.params, ws: workspaceId, anchor: state.anchor, lengths: JSON.stringify(state.lengths), propLengths: JSON.stringify(state.propLengths) };
  stmt(
    db,
    `${COLUMNS} SELECT e.workspace_id, e.name, '', '', l.value, e.user_id, count(*), round(total(e.amount), 6)
     FROM ${sel.from} JOIN json_each(@lengths) l
     WHERE ${sel.where} AND e.workspace_id = @ws AND e.day BETWEEN @anchor - l.value + 1 AND @anchor
     GROUP BY e.name, l.value, e.user_id ${UPSERT}`,
  ).run(p);
  if (!state.hot.length) return;
  stmt(
    db,
    `WITH ${HOT} ${COLUMNS} SELECT e.workspace_id, e.name, h.property, ${HOT_VALUE}, l.value, e.user_id, count(*), round(total(e.amount), 6)
     FROM ${sel.from} CROSS JOIN h CROSS JOIN json_each(@propLengths) l
     WHERE ${sel.where} AND e.workspace_id = @ws AND ${IS_HOT} AND e.day BETWEEN @anchor - l.value + 1 AND @anchor
     GROUP BY 2, 3, 4, 5, 6 ${UPSERT}`,
  ).run({ ...p, hot: hotJson(state.hot) });
}

/**
 * Ingest's part, for the rows a batch inserted: the hot properties' daily rollup always, the
 * windows only when a row is on or before the anchor (a late event; checking costs a scan of the
 * batch's rows).
 */
export function addBatchToSegmentRollups(db: Db, workspaceId: number, sel: EventSelection) {
  const state = windowState(db, workspaceId);
  if (!state) return;
  addToDailyProps(db, workspaceId, sel, state);
  const late = stmt(db, `SELECT 1 FROM ${sel.from} WHERE ${sel.where} AND e.day <= @anchor LIMIT 1`).get({ ...sel.params, anchor: state.anchor });
  if (late) addToWindows(db, workspaceId, sel, state);
}

export function deleteUserSegmentRollups(db: Db, workspaceId: number, userIds: string[]) {
  for (const table of ["user_windows", "user_daily_props"]) {
    const del = stmt(db, `DELETE FROM ${table} WHERE workspace_id = ? AND user_id = ?`);
    for (const u of userIds) del.run(workspaceId, u);
  }
}

/** After a merge moved events: the users' windows and property rollups again from their events. */
export function rebuildUserSegmentRollups(db: Db, workspaceId: number, userIds: string[], sel: EventSelection) {
  const state = windowState(db, workspaceId);
  if (!state) return;
  deleteUserSegmentRollups(db, workspaceId, userIds);
  addToDailyProps(db, workspaceId, sel, state);
  addToWindows(db, workspaceId, sel, state);
}

/** Signed counts of whole days [d0, d1] into the windows of length `len`, from the daily rollups. */
function applyDays(db: Db, ws: Ws, state: WindowState, len: number, d0: number, d1: number, sign: 1 | -1) {
  const p = { ws: ws.id, len, d0, d1, sign };
  stmt(
    db,
    `${COLUMNS} SELECT @ws, d.name, '', '', @len, d.user_id, @sign * sum(d.count), @sign * total(d.amount)
     FROM user_daily d INDEXED BY user_daily_name_day
     WHERE d.workspace_id = @ws AND d.name IN (SELECT name FROM catalog_events WHERE workspace_id = @ws) AND d.day BETWEEN @d0 AND @d1
     GROUP BY d.name, d.user_id ${UPSERT}`,
  ).run(p);
  if (!state.hot.length || !state.propLengths.includes(len)) return;
  stmt(
    db,
    `WITH ${HOT} ${COLUMNS} SELECT @ws, d.name, d.prop, d.value, @len, d.user_id, @sign * sum(d.count), @sign * total(d.amount)
     FROM h CROSS JOIN user_daily_props d
     WHERE d.workspace_id = @ws AND d.name = h.event AND d.prop = h.property AND d.day BETWEEN @d0 AND @d1
     GROUP BY d.name, d.prop, d.value, d.user_id ${UPSERT}`,
  ).run({ ...p, hot: hotJson(state.hot) });
}

/**
 * Every window from scratch, one grouped pass over each daily rollup; the property rollup is
 * first filled from events when the hot properties changed (ingest keeps it from then on).
 */
function build(db: Db, ws: Ws, state: WindowState, refillProps: boolean) {
  stmt(db, "DELETE FROM user_windows WHERE workspace_id = ?").run(ws.id);
  const p = { ws: ws.id, anchor: state.anchor, hot: hotJson(state.hot) };
  if (refillProps) {
    stmt(db, "DELETE FROM user_daily_props WHERE workspace_id = ?").run(ws.id);
    // The hot list outermost (CROSS JOIN): each event is one range of the (event, time) index.
    const events = "(SELECT DISTINCT event AS name FROM h) h0 CROSS JOIN events e";
    addToDailyProps(db, ws.id, { from: events, where: "e.name = h0.name", params: {} }, state);
  }
  // Lengths are the code's own constants, so they are spelled into the pivot; the rest is bound.
  const pivot = (lens: number[], from: string, keys: string, where: string) =>
    `WITH ${HOT}, g AS MATERIALIZED (SELECT ${keys}, d.user_id AS user_id, ${lens
      .map((l) => `total(CASE WHEN d.day >= @anchor - ${l - 1} THEN d.count END) AS c${l}, total(CASE WHEN d.day >= @anchor - ${l - 1} THEN d.amount END) AS a${l}`)
      .join(", ")}
       FROM ${from} WHERE ${where} AND d.day BETWEEN @anchor - ${Math.max(...lens) - 1} AND @anchor GROUP BY 1, 2, 3, 4)
     ${COLUMNS} ${lens.map((l) => `SELECT @ws, name, prop, value, ${l}, user_id, c${l}, round(a${l}, 6) FROM g WHERE c${l} > 0`).join(" UNION ALL ")}`;
  stmt(db, pivot(state.lengths, "user_daily d", "d.name AS name, '' AS prop, '' AS value", "d.workspace_id = @ws")).run(p);
  if (state.hot.length)
    stmt(db, 
        pivot(
          state.propLengths,
          "h CROSS JOIN user_daily_props d",
          "d.name AS name, d.prop AS prop, d.value AS value",
          "d.workspace_id = @ws AND d.name = h.event AND d.prop = h.property",
        ),
      )
      .run(p);
}

/** Windows end at the last whole day, so today's ingest never has to move them. */
const anchorOf = (today: number) => today - 1;

/** Whether the windows are missing or end before yesterday (a database from before them, a failed run). */
export function windowsBehind(db: Db, workspaceId: number, today: number) {
  return windowState(db, workspaceId)?.anchor !== anchorOf(today);
}

/**
 * Moves the windows to end yesterday: slides them by the days that passed when the setup is
 * unchanged and few days passed, else builds them again. The caller holds the transaction.
 */
export function advanceWindows(db: Db, ws: Ws, today: number, now: number) {
  const started = performance.now();
  const anchor = anchorOf(today);
  const old = windowState(db, ws.id);
  const next: WindowState = { anchor, lengths: [...WINDOW_LENGTHS], propLengths: [...PROP_WINDOW_LENGTHS], hot: hotProperties(db, ws) };
  const sameSetup = old && JSON.stringify({ ...old, anchor: 0 }) === JSON.stringify({ ...next, anchor: 0 });
  let mode: "current" | "slid" | "built";
  if (sameSetup && old.anchor === anchor) mode = "current";
  else if (sameSetup && anchor > old.anchor && anchor - old.anchor <= MAX_SLIDE_DAYS) {
    for (const len of next.lengths) {
      applyDays(db, ws, next, len, old.anchor + 1, anchor, 1);
      applyDays(db, ws, next, len, old.anchor - len + 1, anchor - len, -1);
    }
    stmt(db, "DELETE FROM user_windows WHERE workspace_id = ? AND count <= 0").run(ws.id);
    mode = "slid";
  } else {
    build(db, ws, next, JSON.stringify(old?.hot) !== JSON.stringify(next.hot));
    mode = "built";
  }
  if (mode !== "current") saveState(db, ws.id, next, now);
  return { mode, anchor, hot: next.hot, elapsedMs: Math.round(performance.now() - started) };
}
