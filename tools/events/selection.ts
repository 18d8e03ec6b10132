/**
 * A set of event rows, as a SQL condition over `events e` with named parameters. Rollups and the
 * catalog are written from a selection, so ingest (the rows a batch inserted), merges (one user's
 * rows) and deletions share one statement each.
 */
export type EventSelection = { from: string; where: string; params: Record<string, unknown> };

/**
 * The rows a batch inserted. NOT INDEXED keeps the planner on the rowid range: left to itself it
 * scans a whole (workspace, user) index to save a sort, which costs the whole table per batch.
 */
export const insertedSince = (afterSeq: number): EventSelection => ({
  from: "events e NOT INDEXED",
  where: "e.seq > @afterSeq",
  params: { afterSeq },
});

export const ofUser = (workspaceId: number, userId: string): EventSelection => ({
  from: "events e",
  where: "e.workspace_id = @ws AND e.user_id = @uid",
  params: { ws: workspaceId, uid: userId },
});


/**
 * The workspace's event names that are not activity, as a SQL subquery (for `name NOT IN …`):
 * the catalog's names matched against the patterns in @nonActivity, with @ws bound.
 */
export const INACTIVE_NAMES = `(SELECT c.name FROM catalog_events c WHERE c.workspace_id = @ws
  AND EXISTS (SELECT 1 FROM json_each(@nonActivity) g WHERE c.name GLOB g.value))`;
