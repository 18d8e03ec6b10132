import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Billing (DESIGN §7): every credit is a grant; a generation holds credit, then settles or releases
 * it; the ledger is append-only. Amounts are milli-credits (integers), so a referral help worth
 * 0.25 of a song is 250. Times are epoch ms; expires_at is exclusive (half-open), null = never.
 */
export const billingCatalogs = sqliteTable("billing_catalogs", {
  workspaceId: integer("workspace_id").primaryKey(),
  catalog: text("catalog", { mode: "json" }).$type<unknown>().notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const billingAccounts = sqliteTable(
  "billing_accounts",
  {
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    plan: text("plan").notNull(),
    /** A subscription's paid-through instant (exclusive); past it the account is on the free plan again. */
    planUntil: integer("plan_until"),
    /** First subscription payment: only the first month is discounted. */
    subscribedAt: integer("subscribed_at"),
    /** Cancelled: the plan runs to plan_until and is not renewed. */
    cancelledAt: integer("cancelled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

export const GRANT_KINDS = ["monthly", "referral", "pack", "compensation"] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

export const creditGrants = sqliteTable(
  "credit_grants",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    feature: text("feature").notNull(),
    kind: text("kind", { enum: GRANT_KINDS }).notNull(),
    category: text("category", { enum: ["promotional", "paid"] }).notNull(),
    priority: integer("priority").notNull(),
    amount: integer("amount").notNull(),
    remaining: integer("remaining").notNull(),
    effectiveAt: integer("effective_at").notNull(),
    expiresAt: integer("expires_at"),
    /** The monthly allowance's period ("2026-12"): one grant per account, feature and period. */
    period: text("period"),
    source: text("source"),
    voidedAt: integer("voided_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    check("credit_grants_remaining", sql`${t.remaining} >= 0 AND ${t.remaining} <= ${t.amount}`),
    uniqueIndex("credit_grants_period").on(t.workspaceId, t.userId, t.feature, t.period),
    index("credit_grants_spendable").on(t.workspaceId, t.userId, t.feature, t.remaining),
  ],
);

export type HoldOutcome = { result: unknown } | { error: { code: string; message: string; details?: unknown } };

export const HOLD_STATUSES = ["held", "settled", "released"] as const;

export const creditHolds = sqliteTable(
  "credit_holds",
  {
    workspaceId: integer("workspace_id").notNull(),
    /** The caller's idempotency key, kept forever. */
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    feature: text("feature").notNull(),
    amount: integer("amount").notNull(),
    /** A hash of what the hold was for (user, feature, key, the request's parameters): a replay with other parameters is a 409. */
    fingerprint: text("fingerprint").notNull(),
    status: text("status", { enum: HOLD_STATUSES }).notNull(),
    lines: text("lines", { mode: "json" }).$type<{ grantId: string; amount: number }[]>().notNull(),
    keyId: text("key_id"),
    /** What the hold counted against its key's credit cap, and in which cap period: a release gives back exactly that. */
    keyCharge: integer("key_charge"),
    keyPeriod: text("key_period"),
    /** The first outcome (the result, or the error), which a replay of the request id answers. */
    outcome: text("outcome", { mode: "json" }).$type<HoldOutcome>(),
    createdAt: integer("created_at").notNull(),
    timeoutAt: integer("timeout_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("credit_holds_open").on(t.workspaceId, t.status, t.timeoutAt)],
);

export const LEDGER_TYPES = ["grant", "hold", "settle", "release", "expire", "void"] as const;

export const creditLedger = sqliteTable(
  "credit_ledger",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    feature: text("feature").notNull(),
    type: text("type", { enum: LEDGER_TYPES }).notNull(),
    amount: integer("amount").notNull(),
    holdId: text("hold_id"),
    grantId: text("grant_id"),
    lines: text("lines", { mode: "json" }).$type<{ grantId: string; amount: number }[]>(),
    at: integer("at").notNull(),
  },
  (t) => [index("credit_ledger_user").on(t.workspaceId, t.userId, t.seq)],
);
