import { stmt, type Db } from "../db/sql.ts";
import { creditGrants, creditLedger, type WorkspaceRow } from "../db/schema/index.ts";
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
  const row = stmt(db, "SELECT plan, plan_until AS planUntil FROM billing_accounts WHERE workspace_id = ? AND user_id = ?").get(workspaceId, userId) as
    | { plan: string; planUntil: number | null }
    | undefined;
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
  return stmt(db, `SELECT ${GRANT_COLUMNS} FROM credit_grants WHERE workspace_id = ? AND user_id = ? AND feature = ? AND period = ?`).get(workspaceId, userId, feature, periodKey) as Grant | undefined;
}

/**
 * Metering's hot path reads and writes through prepared statements, not the query builder: building
 * the SQL again on every call was most of a reserve's CPU (bench/billing.ts). Columns are aliased
 * to the schema's field names, so rows are the same `Grant` type the builder returns.
 */
const GRANT_COLUMNS =
  "id, workspace_id AS workspaceId, user_id AS userId, feature, kind, category, priority, amount, remaining, effective_at AS effectiveAt, expires_at AS expiresAt, period, source, voided_at AS voidedAt, created_at AS createdAt";

type LedgerRow = Omit<typeof creditLedger.$inferInsert, "seq">;

/**
 * This period's allowance grant: by its period key, or — after the workspace's timezone changed
 * mid-period — the one still running under the old zone's key, so a zone change never grants twice.
 */
export function currentAllowance(db: Db, ws: Pick<WorkspaceRow, "id" | "timezone">, userId: string, feature: string, every: "monthly" | "daily", now: number): Grant | undefined {
  return (
    allowanceGrant(db, ws.id, userId, feature, allowancePeriod(now, ws.timezone, every).key) ??
    (stmt(
      db,
      `SELECT ${GRANT_COLUMNS} FROM credit_grants WHERE workspace_id = ? AND user_id = ? AND feature = ? AND kind = 'monthly' AND source = ? AND effective_at <= ? AND expires_at > ? ORDER BY created_at DESC LIMIT 1`,
    ).get(ws.id, userId, feature, every, now, now) as Grant | undefined)
  );
}

/** One ledger entry; the ledger is append-only. */
export function ledger(db: Db, row: LedgerRow) {
  stmt(db, "INSERT INTO credit_ledger (workspace_id, user_id, feature, type, amount, hold_id, grant_id, lines, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
    row.workspaceId,
    row.userId,
    row.feature,
    row.type,
    row.amount,
    row.holdId ?? null,
    row.grantId ?? null,
    row.lines ? JSON.stringify(row.lines) : null,
    row.at,
  );
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
  stmt(
    db,
    "INSERT INTO credit_grants (id, workspace_id, user_id, feature, kind, category, priority, amount, remaining, effective_at, expires_at, period, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(id, g.workspaceId, g.userId, g.feature, g.kind, g.category, g.priority ?? 10, g.amount, g.amount, g.effectiveAt, g.expiresAt, g.period ?? null, g.source ?? null, now);
  if (log) ledger(db, { workspaceId: g.workspaceId, userId: g.userId, feature: g.feature, type: "grant", amount: g.amount, grantId: id, at: now });
  return id;
}

/**
 * The allowance of the current period, granted on first use: the unique (account, feature,
 * period) key makes a second first-spend a no-op, so it can never be granted twice.
 */
export function ensureAllowance(db: Db, ws: Pick<WorkspaceRow, "id" | "timezone">, catalog: Catalog, userId: string, feature: Feature, now: number) {
  const a = allowanceOf(catalog, planOf(db, ws.id, userId, now), feature);
  if (a.amount <= 0) return;
  const p = allowancePeriod(now, ws.timezone, a.every);
  const exists = currentAllowance(db, ws, userId, feature, a.every, now);
  if (exists) {
    // An upgrade mid-period raises the allowance by the difference.
    if (exists.amount < a.amount) {
      const diff = a.amount - exists.amount;
      stmt(db, "UPDATE credit_grants SET amount = ?, remaining = remaining + ? WHERE id = ?").run(a.amount, diff, exists.id);
      ledger(db, { workspaceId: ws.id, userId, feature, type: "grant", amount: diff, grantId: exists.id, at: now });
    }
    return;
  }
  addGrant(db, { workspaceId: ws.id, userId, feature, kind: "monthly", category: "promotional", priority: 0, amount: a.amount, effectiveAt: p.start, expiresAt: p.end, period: p.key, source: a.every }, now);
}

/** Grants that can be spent now, in spend order: priority, soonest expiry (none last), promotional first, oldest. */
export function spendable(db: Db, workspaceId: number, userId: string, feature: string, now: number): Grant[] {
  return stmt(
    db,
    `SELECT ${GRANT_COLUMNS} FROM credit_grants
     WHERE workspace_id = ? AND user_id = ? AND feature = ? AND remaining > 0 AND voided_at IS NULL AND effective_at <= ? AND (expires_at IS NULL OR expires_at > ?)
     ORDER BY priority, expires_at IS NULL, expires_at, category = 'paid', created_at, id`,
  ).all(workspaceId, userId, feature, now, now) as Grant[];
}

/** Whether the user ever had credit for the feature beyond the allowance (packs, referrals, compensation). */
export function hadOtherCredit(db: Db, workspaceId: number, userId: string, feature: string): boolean {
  // A release's compensation only returns what the allowance lent: it is not credit of another kind.
  return !!stmt(
    db,
    "SELECT 1 AS x FROM credit_grants WHERE workspace_id = ? AND user_id = ? AND feature = ? AND kind != 'monthly' AND (source IS NULL OR source NOT LIKE 'release:%') LIMIT 1",
  ).get(workspaceId, userId, feature);
}

/**
 * A membership refunded mid-period: the allowances it raised fall back to the free plan's. What is
 * left above the free amount is voided (ledger `void`); what was already used stays used.
 */
export function lowerAllowancesToFree(db: Db, ws: Pick<WorkspaceRow, "id" | "timezone">, catalog: Catalog, userId: string, now: number) {
  for (const feature of Object.keys(catalog.features) as Feature[]) {
    const free = allowanceOf(catalog, "free", feature);
    const g = allowanceGrant(db, ws.id, userId, feature, allowancePeriod(now, ws.timezone, free.every).key);
    if (!g || g.amount <= free.amount) continue;
    const take = Math.min(g.amount - free.amount, g.remaining);
    stmt(db, "UPDATE credit_grants SET amount = ?, remaining = remaining - ? WHERE id = ?").run(free.amount, take, g.id);
    if (take > 0) ledger(db, { workspaceId: ws.id, userId, feature, type: "void", amount: take, grantId: g.id, at: now });
  }
}

