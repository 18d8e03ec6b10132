import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Campaigns. This issue stores drafts (audience, channels, variants with copy, schedule, budget,
 * goal); launching, delivery and results come with the campaigns issue and extend `status`.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: ["draft"] }).notNull(),
    /** The audience: a saved segment, or an inline definition in the segment language. */
    segmentId: text("segment_id"),
    definition: text("definition", { mode: "json" }).$type<unknown>(),
    channels: text("channels", { mode: "json" }).$type<string[]>().notNull(),
    variants: text("variants", { mode: "json" }).$type<unknown[]>().notNull(),
    schedule: text("schedule", { mode: "json" }).$type<unknown>().notNull(),
    budget: text("budget", { mode: "json" }).$type<unknown>(),
    goal: text("goal", { mode: "json" }).$type<unknown>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("campaigns_workspace").on(t.workspaceId, t.createdAt)],
);

export type CampaignRow = typeof campaigns.$inferSelect;
