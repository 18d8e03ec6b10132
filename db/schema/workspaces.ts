import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Default non-activity events: message receipts and what the platform emits itself (DESIGN §3). */
export const DEFAULT_NON_ACTIVITY = ["*_received", "*_delivered", "$*"];

/** Per-workspace model settings (DESIGN §4 defaults apply to whatever is left out). */
export type ModelSettings = {
  rfm?: { method?: "mean" | "median" | "business" | "pareto" | "kmeans"; windowDays?: number; event?: string; business?: { recencyDays: number; frequency: number; monetary: number } };
  lifecycle?: { newDays?: number; dormantDays?: number; churnDays?: number; growingDays?: number };
};

export const workspaces = sqliteTable("workspaces", {
  // Integer ids keep every event row small; the name is the public handle.
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
  timezone: text("timezone").notNull().default("Asia/Shanghai"),
  nonActivityEvents: text("non_activity_events", { mode: "json" })
    .$type<string[]>()
    .notNull()
    .$defaultFn(() => DEFAULT_NON_ACTIVITY),
  settings: text("settings", { mode: "json" }).$type<ModelSettings>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
});

export type WorkspaceRow = typeof workspaces.$inferSelect;
/** What the ingest and identity paths need of a workspace. */
export type WorkspaceRef = Pick<WorkspaceRow, "id" | "nonActivityEvents">;
