import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Payments and outbound webhooks (DESIGN §7). A provider's events arrive signed with the
 * workspace's secret and are applied once each, forever; what the app is told goes out through
 * an outbox, so a delivery that fails is retried and never lost with the request.
 */
export const billingSettings = sqliteTable("billing_settings", {
  workspaceId: integer("workspace_id").primaryKey(),
  /** Signs inbound payment events (HMAC-SHA256). */
  webhookSecret: text("webhook_secret").notNull(),
  /** The secret before the last rotation, still accepted until previous_until. */
  previousSecret: text("previous_secret"),
  previousUntil: integer("previous_until"),
  /** Where outbound events (credits.low, subscription.renewed) go, and their Standard Webhooks secret. */
  outboundUrl: text("outbound_url"),
  outboundSecret: text("outbound_secret"),
  updatedAt: integer("updated_at").notNull(),
});

export const PAYMENT_EVENT_TYPES = ["payment.succeeded", "payment.refunded", "subscription.renewed", "subscription.cancelled"] as const;

export const paymentEvents = sqliteTable(
  "payment_events",
  {
    workspaceId: integer("workspace_id").notNull(),
    /** The provider's event id: processed once, kept forever. */
    id: text("id").notNull(),
    type: text("type").notNull(),
    userId: text("user_id").notNull(),
    sku: text("sku").notNull(),
    /** Fen. */
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["applied", "rejected"] }).notNull(),
    /** What applying it did (grant ids, plan change) or why it was rejected: a replay answers this. */
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("payment_events_user").on(t.workspaceId, t.userId, t.receivedAt)],
);

export const webhookOutbox = sqliteTable(
  "webhook_outbox",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    workspaceId: integer("workspace_id").notNull(),
    /** webhook-id: the receiver's idempotency key. */
    id: text("id").notNull().unique(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [index("webhook_outbox_due").on(t.workspaceId, t.status, t.nextAttemptAt)],
);

/**
 * A developer key's credit cap (Unkey's model): at most `limit` milli-credits per period, refilled
 * monthly in the workspace's timezone (or never). Checked alongside the user's balance.
 */
export const keyCreditLimits = sqliteTable(
  "key_credit_limits",
  {
    workspaceId: integer("workspace_id").notNull(),
    keyId: text("key_id").notNull(),
    limit: integer("limit").notNull(),
    refill: text("refill", { enum: ["monthly", "never"] }).notNull(),
    /** The period `used` counts in ("m:2026-12", or "all" without refill). */
    period: text("period").notNull(),
    used: integer("used").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.keyId] })],
);
