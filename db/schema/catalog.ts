import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Event names seen, kept current at ingest (only inserted events count). */
export const catalogEvents = sqliteTable(
  "catalog_events",
  {
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    count: integer("count").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);

/**
 * Property names (scope = event name) and trait keys (scope = TRAITS_SCOPE), per JSON type.
 * For traits the count is the number of profiles holding the key.
 */
export const catalogProperties = sqliteTable(
  "catalog_properties",
  {
    workspaceId: integer("workspace_id").notNull(),
    scope: text("scope").notNull(),
    property: text("property").notNull(),
    type: text("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.scope, t.property, t.type] })],
);

/** Most common scalar values per property; pruned to the top values so it stays small. */
export const catalogValues = sqliteTable(
  "catalog_values",
  {
    workspaceId: integer("workspace_id").notNull(),
    scope: text("scope").notNull(),
    property: text("property").notNull(),
    /** The value as JSON text, so "1" and 1 stay different. */
    value: text("value").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.scope, t.property, t.value] })],
);

export const TRAITS_SCOPE = "$traits";
