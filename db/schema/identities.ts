import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const IDENTITY_KINDS = [
  "anonymous_id",
  "user_id",
  "device_id",
  "miniprogram_openid",
  "wechat_openid",
  "phone_hash",
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/**
 * Maps an id of some kind to the profile it belongs to. `user_id` rows exist only for users merged
 * away by alias, so that their later events land on the surviving profile. WITHOUT ROWID (added by
 * hand in the migration): ingest probes this key for every event.
 */
export const identities = sqliteTable(
  "identities",
  {
    workspaceId: integer("workspace_id").notNull(),
    kind: text("kind").$type<IdentityKind>().notNull(),
    value: text("value").notNull(),
    userId: text("user_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.value] }), index("identities_user").on(t.workspaceId, t.userId)],
);

/** A channel id claimed by a second user: shown on both profiles instead of merging them silently. */
export const identityConflicts = sqliteTable(
  "identity_conflicts",
  {
    id: integer("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    kind: text("kind").$type<IdentityKind>().notNull(),
    value: text("value").notNull(),
    ownerUserId: text("owner_user_id").notNull(),
    claimantUserId: text("claimant_user_id").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    count: integer("count").notNull().default(1),
  },
  (t) => [
    uniqueIndex("identity_conflicts_key").on(t.workspaceId, t.kind, t.value, t.claimantUserId),
    index("identity_conflicts_owner").on(t.workspaceId, t.ownerUserId),
    index("identity_conflicts_claimant").on(t.workspaceId, t.claimantUserId),
  ],
);
