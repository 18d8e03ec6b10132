import { stmt, type Db } from "../../db/sql.ts";
import type { EventSelection } from "../events/selection.ts";

/**
 * Scalar values worth listing as "top values": strings up to 64 characters, integers and booleans.
 * Reals (amounts, ratios) are left out: their top values say nothing and they would bloat the table.
 */
export const CATALOG_VALUE_SQL = `CASE j.type WHEN 'text' THEN json_quote(j.atom) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.atom AS TEXT) END`;
export const CATALOG_VALUE_FILTER = `j.type IN ('text', 'integer', 'true', 'false') AND length(j.atom) <= 64`;

/**
 * Adds (sign 1) or removes (sign -1) the selected events to or from the catalog: event names,
 * property names per JSON type, and property value counts.
 */
export function catalogFromEvents(db: Db, sel: EventSelection, sign: 1 | -1) {
  const p = { ...sel.params, sign };
  stmt(
    db,
    `INSERT INTO catalog_events (workspace_id, name, count, first_seen_at, last_seen_at)
     SELECT e.workspace_id, e.name, @sign * count(*), min(e.occurred_at), max(e.occurred_at) FROM ${sel.from}
     WHERE ${sel.where} GROUP BY e.workspace_id, e.name
     ON CONFLICT (workspace_id, name) DO UPDATE SET
       count = catalog_events.count + excluded.count,
       first_seen_at = CASE WHEN excluded.count > 0 THEN min(catalog_events.first_seen_at, excluded.first_seen_at) ELSE catalog_events.first_seen_at END,
       last_seen_at = CASE WHEN excluded.count > 0 THEN max(catalog_events.last_seen_at, excluded.last_seen_at) ELSE catalog_events.last_seen_at END`,
  ).run(p);
  stmt(
    db,
    `INSERT INTO catalog_properties (workspace_id, scope, property, type, count)
     SELECT e.workspace_id, e.name, j.key, j.type, @sign * count(*) FROM ${sel.from}, json_each(e.properties) j
     WHERE ${sel.where} GROUP BY e.workspace_id, e.name, j.key, j.type
     ON CONFLICT (workspace_id, scope, property, type) DO UPDATE SET count = catalog_properties.count + excluded.count`,
  ).run(p);
  stmt(
    db,
    `INSERT INTO catalog_values (workspace_id, scope, property, value, count)
     SELECT e.workspace_id, e.name, j.key, ${CATALOG_VALUE_SQL}, @sign * count(*) FROM ${sel.from}, json_each(e.properties) j
     WHERE ${sel.where} AND ${CATALOG_VALUE_FILTER} GROUP BY 1, 2, 3, 4
     ON CONFLICT (workspace_id, scope, property, value) DO UPDATE SET count = catalog_values.count + excluded.count`,
  ).run(p);
  if (sign < 0) dropEmpty(db, sel.params.ws as number);
}

/** Rows whose count fell to zero describe nothing any more. */
export function dropEmpty(db: Db, workspaceId: number) {
  for (const t of ["catalog_events", "catalog_properties", "catalog_values"])
    stmt(db, `DELETE FROM ${t} WHERE workspace_id = ? AND count <= 0`).run(workspaceId);
}

const KEEP_TOP_VALUES = 100;

/**
 * Keeps the catalog's value lists to the most common values per property (an approximate top-k:
 * a value dropped here starts counting again from zero if it comes back).
 */
export function pruneCatalogValues(db: Db, workspaceId: number) {
  stmt(
    db,
    `DELETE FROM catalog_values WHERE rowid IN (
       SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY scope, property ORDER BY count DESC, value) AS rn
                          FROM catalog_values WHERE workspace_id = ?) WHERE rn > ${KEEP_TOP_VALUES})`,
  ).run(workspaceId);
}
