import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per profile: identified users by their user id, anonymous visitors as `anon:<id>`.
 * Behaviour fields that only move with new events are kept at ingest; time-relative ones
 * (recency, RFM, lifecycle, predictions) are written by the recompute job with their timestamps.
 * WITHOUT ROWID (added by hand in the migration): one B-tree per write instead of table + key index.
 */
export const profiles = sqliteTable(
  "profiles",
  {
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    anonymous: integer("anonymous", { mode: "boolean" }).notNull().default(false),
    traits: text("traits").notNull().default("{}"),
    firstSeenAt: integer("first_seen_at"),
    lastSeenAt: integer("last_seen_at"),
    firstActiveDay: integer("first_active_day"),
    lastActiveDay: integer("last_active_day"),
    eventCount: integer("event_count").notNull().default(0),
    /** A per-profile random number for `randomBucket` (plain SQL, no custom functions on D1). */
    seed: integer("seed").notNull(),
    result: text("result"),
    resultComputedAt: integer("result_computed_at"),
    predictive: text("predictive"),
    predictiveComputedAt: integer("predictive_computed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

export type ProfileRow = typeof profiles.$inferSelect;
