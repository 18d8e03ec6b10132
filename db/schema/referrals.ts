import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Referral help (砍一刀, DESIGN §7): a user's share link, and each friend's help, which grants the
 * inviter credit. The unique indexes are the "once per helper / per device per inviter" rules, so
 * two concurrent helps cannot both count.
 */
export const referrals = sqliteTable(
  "referrals",
  {
    workspaceId: integer("workspace_id").notNull(),
    code: text("code").notNull(),
    userId: text("user_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.code] }), uniqueIndex("referrals_user").on(t.workspaceId, t.userId)],
);

export const referralHelps = sqliteTable(
  "referral_helps",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    code: text("code").notNull(),
    inviterId: text("inviter_id").notNull(),
    helperId: text("helper_id").notNull(),
    deviceId: text("device_id"),
    /** The helper's profile was first seen after the link was created. */
    newUser: integer("new_user", { mode: "boolean" }).notNull(),
    /** Milli-credits granted to the inviter. */
    amount: integer("amount").notNull(),
    grantId: text("grant_id").notNull(),
    status: text("status", { enum: ["granted", "voided"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    voidedAt: integer("voided_at"),
  },
  (t) => [
    uniqueIndex("referral_helps_helper").on(t.workspaceId, t.inviterId, t.helperId),
    uniqueIndex("referral_helps_device").on(t.workspaceId, t.inviterId, t.deviceId),
    index("referral_helps_by_helper").on(t.workspaceId, t.helperId, t.createdAt),
    index("referral_helps_by_inviter").on(t.workspaceId, t.inviterId, t.createdAt),
  ],
);
