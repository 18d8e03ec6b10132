import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Raw events. `seq` is the rowid: ingest aggregates rollups over the rows a batch inserted by
 * their rowid range, so only inserted rows move rollups and a resent event never counts twice.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    /** The client's event id; first write wins. */
    messageId: text("message_id").notNull(),
    /** The resolved profile id at ingest (moved on merge). */
    userId: text("user_id").notNull(),
    anonymousId: text("anonymous_id"),
    name: text("name").notNull(),
    properties: text("properties").notNull().default("{}"),
    amount: real("amount"),
    occurredAt: integer("occurred_at").notNull(),
    /** Calendar day number (days since 1970-01-01) in the workspace's timezone. */
    day: integer("day").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("events_message").on(t.workspaceId, t.messageId),
    index("events_name_time").on(t.workspaceId, t.name, t.occurredAt),
    index("events_user_time").on(t.workspaceId, t.userId, t.occurredAt),
  ],
);

/**
 * Per user, day and event name: what segments and analytics read instead of raw events.
 * WITHOUT ROWID (added by hand in the migration; drizzle-kit cannot say it): the key is the table,
 * so ingest writes one B-tree here instead of a table and an index.
 */
export const userDaily = sqliteTable(
  "user_daily",
  {
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    day: integer("day").notNull(),
    name: text("name").notNull(),
    count: integer("count").notNull(),
    amount: real("amount").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId, t.day, t.name] }),
    // Segments ask "who did X in these days": a covering range by event and day. Live ingest
    // writes today's rows, which sort together at the end of each event's range.
    index("user_daily_name_day").on(t.workspaceId, t.name, t.day, t.userId, t.count, t.amount),
  ],
);

/**
 * Per user, the counts of an event over the days up to an anchor day, for a few window lengths:
 * a 90-day count is one row per user instead of ninety rollup rows to group. `prop`/`value` are
 * empty for the event as a whole, else one text value of a hot low-cardinality property (a
 * `where` reads it instead of raw events). Kept exact by tools/segments/windows.ts: slid once
 * a day, and moved by late events, merges and deletions like user_daily. WITHOUT ROWID (by hand).
 */
export const userWindows = sqliteTable(
  "user_windows",
  {
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    prop: text("prop").notNull(),
    value: text("value").notNull(),
    len: integer("len").notNull(),
    userId: text("user_id").notNull(),
    count: integer("count").notNull(),
    amount: real("amount").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.name, t.prop, t.value, t.len, t.userId] }),
    index("user_windows_user").on(t.workspaceId, t.userId),
  ],
);

/**
 * user_daily for the values of hot text properties (chosen with the windows, see
 * tools/segments/windows.ts): what a `where` on one of them reads instead of raw events. Written at
 * ingest only for the hot properties; filled from events when a property becomes hot. WITHOUT ROWID (by hand).
 */
export const userDailyProps = sqliteTable(
  "user_daily_props",
  {
    workspaceId: integer("workspace_id").notNull(),
    name: text("name").notNull(),
    prop: text("prop").notNull(),
    value: text("value").notNull(),
    day: integer("day").notNull(),
    userId: text("user_id").notNull(),
    count: integer("count").notNull(),
    amount: real("amount").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.name, t.prop, t.day, t.value, t.userId] }),
    index("user_daily_props_user").on(t.workspaceId, t.userId),
  ],
);
