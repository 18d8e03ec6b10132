import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What the last full profile recompute fitted (RFM thresholds and quintile cuts, CLV parameters),
 * so that users with new events can be scored in between against the same population.
 */
export const modelState = sqliteTable(
  "model_state",
  {
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    state: text("state", { mode: "json" }).$type<unknown>().notNull(),
    computedAt: integer("computed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);
