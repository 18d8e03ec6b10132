import { and, asc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../db/sql.ts";
import { billingAccounts, creditGrants, creditLedger, type WorkspaceRow } from "../db/schema/index.ts";
import { newId } from "../lib/ids.ts";
import { DAY_MS, dayNumber, dayStartMs, dayToIso } from "../lib/time.ts";
import { MILLI, type Catalog, type Feature } from "./catalog.ts";

/** Part of a hold or release: how much of which grant. Milli-credits. */
export type Line = { grantId: string; amount: number };
export type Grant = typeof creditGrants.$inferSelect;
export type Plan = "free" | "member";

/** The allowance period containing `now` in the workspace's zone: its key, start and (exclusive) end. */
export function allowancePeriod(now: number, timeZone: string, every: "monthly" | "daily") {
  const day = dayNumber(now, timeZone);
  if (every === "daily") return { key: `d:${dayToIso(day)}`, start: dayStartMs(day, timeZone), end: dayStartMs(day + 1, timeZone) };
  const d = new Date(day * DAY_MS);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
  return { key: `m:${dayToIso(first).slice(0, 7)}`, start: dayStartMs(first, timeZone), end: dayStartMs(next, timeZone) };
}

/** The user's plan at `now`: a membership counts until its paid-through instant (none = open-ended). */
export function planOf(db: Db, workspaceId: number, userId: string, now: number): Plan {
  const row = db.select().from(billingAccounts).where(and(eq(billingAccounts.workspaceId, workspaceId), eq(billingAccounts.userId, userId))).get();
  return row?.plan === "member" && (row.planUntil === null || row.planUntil > now) ? "member" : "free";
}

/** The plan's allowance for a feature, in milli-credits, and how often it renews. */
export function allowanceOf(catalog: Catalog, plan: Plan, feature: Feature) {
  const p = catalog.plans[plan];
  const daily = p?.daily?.[feature];
  if (daily !== undefined) return { every: "daily" as const, amount: daily * MILLI };
  return { every: "monthly" as const, amount: (p?.monthly?.[feature] ?? 0) * MILLI };
}

/** The allowance grant of one period, if it has been granted yet. */
export function allowanceGrant(db: Db, workspaceId: number, userId: string, feature: string, periodKey: string): Grant | undefined {
  return db
    .select()
    .from(creditGrants)
    .where(and(eq(creditGrants.workspaceId, workspaceId), eq(creditGrants.userId, userId), eq(creditGrants.feature, feature), eq(creditGrants.period, periodKey)))
    .get();
}

/** One ledger entry; the ledger is append-only. */
export function ledger(db: Db, row: Omit<typeof creditLedger.$inferInsert, "seq">) {
  db.insert(creditLedger).values(row).run();
}

/** Any grant: a row and its ledger entry. Amounts in milli-credits. */
export function addGrant(
  db: Db,
  g: { workspaceId: number; userId: string; feature: Feature; kind: Grant["kind"]; category: Grant["category"]; amount: number; effectiveAt: number; expiresAt: number | null; priority?: number; period?: string; source?: string },
  now: number,
  /** False when the caller's own ledger entry accounts for the credit (a release's compensation). */
  log = true,
): string {
  const id = newId("grant");
  db.insert(creditGrants)
    .values({ id, workspaceId: g.workspaceId, userId: g.userId, feature: g.feature, kind: g.kind, category: g.category, priority: g.priority ?? 10, amount: g.amount, remaining: g.amount, effectiveAt: g.effectiveAt, expiresAt: g.expiresAt, period: g.period ?? null, source: g.source ?? null, createdAt: now })
    .run();
  if (log) ledger(db, { workspaceId: g.workspaceId, userId: g.userId, feature: g.feature, type: "grant", amount: g.amount, grantId: id, at: now });
  return id;
}

/**
 * The allowance of the current period, granted on first use: the unique (account, feature,
 * period) key makes a second first-spend a no-op, so it can never be granted twice.
 */
export function ensureAllowance(db: Db, ws: WorkspaceRow, catalog: Catalog, userId: string, feature: Feature, now: number) {
  const a = allowanceOf(catalog, planOf(db, ws.id, userId, now), feature);
  if (a.amount <= 0) return;
  const p = allowancePeriod(now, ws.timezone, a.every);
  const exists = allowanceGrant(db, ws.id, userId, feature, p.key);
  if (exists) {
    // An upgrade mid-period raises the allowance by the difference.
    if (exists.amount < a.amount) {
      const diff = a.amount - exists.amount;
      db.update(creditGrants).set({ amount: a.amount, remaining: sql`${creditGrants.remaining} + ${diff}` }).where(eq(creditGrants.id, exists.id)).run();
      ledger(db, { workspaceId: ws.id, userId, feature, type: "grant", amount: diff, grantId: exists.id, at: now });
    }
    return;
  }
  addGrant(db, { workspaceId: ws.id, userId, feature, kind: "monthly", category: "promotional", priority: 0, amount: a.amount, effectiveAt: p.start, expiresAt: p.end, period: p.key, source: a.every }, now);
}

/** Grants that can be spent now, in spend order: priority, soonest expiry (none last), promotional first, oldest. */
export function spendable(db: Db, workspaceId: number, userId: string, feature: string, now: number): Grant[] {
  return db
    .select()
    .from(creditGrants)
    .where(
      and(
        eq(creditGrants.workspaceId, workspaceId),
        eq(creditGrants.userId, userId),
        eq(creditGrants.feature, feature),
        gt(creditGrants.remaining, 0),
        isNull(creditGrants.voidedAt),
        lte(creditGrants.effectiveAt, now),
        or(isNull(creditGrants.expiresAt), gt(creditGrants.expiresAt, now)),
      ),
    )
    .orderBy(
      asc(creditGrants.priority),
      sql`${creditGrants.expiresAt} IS NULL`,
      asc(creditGrants.expiresAt),
      sql`${creditGrants.category} = 'paid'`,
      asc(creditGrants.createdAt),
      asc(creditGrants.id),
    )
    .all();
}

/** Whether the user ever had credit for the feature beyond the allowance (packs, referrals, compensation). */
export function hadOtherCredit(db: Db, workspaceId: number, userId: string, feature: string): boolean {
  return !!db
    .select({ id: creditGrants.id })
    .from(creditGrants)
    .where(and(eq(creditGrants.workspaceId, workspaceId), eq(creditGrants.userId, userId), eq(creditGrants.feature, feature), sql`${creditGrants.kind} != 'monthly'`))
    .limit(1)
    .get();
}
