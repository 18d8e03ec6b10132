import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Saved segments: a definition in the segment language and its last counted size. */
export const segments = sqliteTable(
  "segments",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    definition: text("definition", { mode: "json" }).$type<unknown>().notNull(),
    cachedCount: integer("cached_count"),
    refreshedAt: integer("refreshed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("segments_workspace").on(t.workspaceId, t.createdAt)],
);

export type SegmentRow = typeof segments.$inferSelect;
