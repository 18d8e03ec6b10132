import { and, asc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import { atomic, type Db } from "../db/sql.ts";
import { billingAccounts, creditGrants, creditHolds, creditLedger, type WorkspaceRow } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { dayNumber, dayStartMs, dayToIso, tzOffsetMs } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog, type Catalog, type Feature } from "./catalog.ts";

const DAY = 86_400_000;
const COMPENSATION_MS = 7 * DAY;
type Line = { grantId: string; amount: number };
type Grant = typeof creditGrants.$inferSelect;

/** `2027-01-01T00:00:00+08:00`: an instant as the workspace's wall clock shows it. */
export function localIso(ms: number, timeZone: string): string {
  const off = tzOffsetMs(timeZone, ms);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off) / 60_000;
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${new Date(ms + off).toISOString().slice(0, 19)}${sign}${hhmm}`;
}

/** The allowance period containing `now` in the workspace's zone: its key, start and (exclusive) end. */
export function allowancePeriod(now: number, timeZone: string, every: "monthly" | "daily") {
  const day = dayNumber(now, timeZone);
  if (every === "daily") return { key: `d:${dayToIso(day)}`, start: dayStartMs(day, timeZone), end: dayStartMs(day + 1, timeZone) };
  const d = new Date(day * DAY);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY;
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY;
  return { key: `m:${dayToIso(first).slice(0, 7)}`, start: dayStartMs(first, timeZone), end: dayStartMs(next, timeZone) };
}

export function planOf(db: Db, workspaceId: number, userId: string): "free" | "member" {
  const row = db.select().from(billingAccounts).where(and(eq(billingAccounts.workspaceId, workspaceId), eq(billingAccounts.userId, userId))).get();
  return row?.plan === "member" ? "member" : "free";
}

/** The plan's allowance for a feature, in milli-credits, and how often it renews. */
function allowanceOf(catalog: Catalog, plan: "free" | "member", feature: Feature) {
  const p = catalog.plans[plan];
  const daily = p?.daily?.[feature];
  if (daily !== undefined) return { every: "daily" as const, amount: daily * MILLI };
  return { every: "monthly" as const, amount: (p?.monthly?.[feature] ?? 0) * MILLI };
}

function ledger(db: Db, row: Omit<typeof creditLedger.$inferInsert, "seq">) {
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
function ensureAllowance(db: Db, ws: WorkspaceRow, catalog: Catalog, userId: string, feature: Feature, now: number) {
  const a = allowanceOf(catalog, planOf(db, ws.id, userId), feature);
  if (a.amount <= 0) return;
  const p = allowancePeriod(now, ws.timezone, a.every);
  const exists = db
    .select({ id: creditGrants.id, amount: creditGrants.amount })
    .from(creditGrants)
    .where(and(eq(creditGrants.workspaceId, ws.id), eq(creditGrants.userId, userId), eq(creditGrants.feature, feature), eq(creditGrants.period, p.key)))
    .get();
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
function spendable(db: Db, workspaceId: number, userId: string, feature: string, now: number): Grant[] {
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

export type HoldView = { id: string; userId: string; feature: string; credits: number; status: string; createdAt: string; timeoutAt: string };
const holdView = (h: typeof creditHolds.$inferSelect): HoldView => ({
  id: h.id,
  userId: h.userId,
  feature: h.feature,
  credits: h.amount / MILLI,
  status: h.status,
  createdAt: new Date(h.createdAt).toISOString(),
  timeoutAt: new Date(h.timeoutAt).toISOString(),
});

/** Every way out of a 402, with the next reset in the workspace's local time. */
function outOfCredits(ws: WorkspaceRow, catalog: Catalog, feature: Feature, required: number, available: number, source: "monthly_allowance" | "credits", now: number) {
  const a = allowanceOf(catalog, "free", feature);
  const reset = allowancePeriod(now, ws.timezone, a.every).end;
  const options = [
    ...catalog.packs.filter((p) => p.feature === feature).map((p) => ({ type: "pack" as const, sku: p.sku, credits: p.credits, price: p.price })),
    { type: "subscribe" as const, plan: catalog.subscription.plan, sku: catalog.subscription.sku, price: catalog.subscription.price, firstMonthPrice: catalog.subscription.firstMonthPrice },
  ];
  return new ApiError(
    ErrorCode.PaymentRequired,
    bi("额度已用完：可购买加速包、开通会员，或等待下期额度", `out of ${feature} credits: buy a pack, subscribe, or wait for the next allowance`),
    { limitSource: source, feature, required: required / MILLI, available: available / MILLI, currency: catalog.currency, nextResetAt: localIso(reset, ws.timezone), options },
  );
}

/**
 * Holds the full cost of one use of `feature` for `userId`, or refuses with a 402; never partly.
 * The hold id is the idempotency key: a replay answers the first outcome, a replay with other
 * parameters is a 409. Check and change are one atomic unit.
 */
export function reserve(ctx: Ctx, input: { holdId: string; userId: string; feature: Feature; keyId?: string }) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const now = ctx.now().getTime();
  const amount = Math.round(catalog.features[input.feature]!.cost * MILLI);
  const fingerprint = JSON.stringify([input.userId, input.feature, amount]);
  return atomic(ctx.db, () => {
    const prior = ctx.db.select().from(creditHolds).where(and(eq(creditHolds.workspaceId, ws.id), eq(creditHolds.id, input.holdId))).get();
    if (prior) {
      if (prior.fingerprint !== fingerprint) throw new ApiError(ErrorCode.Conflict, bi("该请求编号已用于其他请求", `hold ${input.holdId} was made for other parameters`));
      return { hold: holdView(prior), replay: true };
    }
    ensureAllowance(ctx.db, ws, catalog, input.userId, input.feature, now);
    const grants = spendable(ctx.db, ws.id, input.userId, input.feature, now);
    const available = grants.reduce((s, g) => s + g.remaining, 0);
    if (available < amount) {
      // The allowance is the limit unless the user has ever had other credit (packs, referrals) for it.
      const other = ctx.db
        .select({ id: creditGrants.id })
        .from(creditGrants)
        .where(and(eq(creditGrants.workspaceId, ws.id), eq(creditGrants.userId, input.userId), eq(creditGrants.feature, input.feature), sql`${creditGrants.kind} != 'monthly'`))
        .limit(1)
        .get();
      throw outOfCredits(ws, catalog, input.feature, amount, available, other ? "credits" : "monthly_allowance", now);
    }
    const lines: Line[] = [];
    let left = amount;
    for (const g of grants) {
      if (left <= 0) break;
      const take = Math.min(left, g.remaining);
      ctx.db.update(creditGrants).set({ remaining: sql`${creditGrants.remaining} - ${take}` }).where(eq(creditGrants.id, g.id)).run();
      lines.push({ grantId: g.id, amount: take });
      left -= take;
    }
    const row = {
      workspaceId: ws.id,
      id: input.holdId,
      userId: input.userId,
      feature: input.feature,
      amount,
      fingerprint,
      status: "held" as const,
      lines,
      keyId: input.keyId ?? null,
      createdAt: now,
      timeoutAt: now + catalog.holdTimeoutSeconds * 1000,
      decidedAt: null,
    };
    ctx.db.insert(creditHolds).values(row).run();
    ledger(ctx.db, { workspaceId: ws.id, userId: input.userId, feature: input.feature, type: "hold", amount, holdId: input.holdId, lines, at: now });
    return { hold: holdView(row), replay: false };
  });
}

/** held → settled, exactly once (compare-and-set); returns the hold as it stands. */
export function settle(ctx: Ctx, holdId: string): HoldView {
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const h = ownHold(ctx, holdId);
    if (h.status === "held") {
      ctx.db.update(creditHolds).set({ status: "settled", decidedAt: now }).where(and(eq(creditHolds.workspaceId, ctx.workspaceId), eq(creditHolds.id, holdId), eq(creditHolds.status, "held"))).run();
      ledger(ctx.db, { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature, type: "settle", amount: h.amount, holdId, at: now });
    }
    return holdView(ownHold(ctx, holdId));
  });
}

/**
 * held → released, exactly once: the credit goes back to the grants it came from, or, for a grant
 * that has expired (or been voided) meanwhile, as a short-lived compensation grant.
 */
export function release(ctx: Ctx, holdId: string): HoldView {
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const h = ownHold(ctx, holdId);
    if (h.status !== "held") return holdView(h);
    ctx.db.update(creditHolds).set({ status: "released", decidedAt: now }).where(and(eq(creditHolds.workspaceId, ctx.workspaceId), eq(creditHolds.id, holdId), eq(creditHolds.status, "held"))).run();
    const back: Line[] = [];
    for (const line of h.lines) {
      const g = ctx.db.select().from(creditGrants).where(eq(creditGrants.id, line.grantId)).get();
      if (g && !g.voidedAt && (g.expiresAt === null || g.expiresAt > now)) {
        ctx.db.update(creditGrants).set({ remaining: sql`${creditGrants.remaining} + ${line.amount}` }).where(eq(creditGrants.id, g.id)).run();
        back.push(line);
      } else {
        const id = addGrant(ctx.db, { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature as Feature, kind: "compensation", category: "promotional", amount: line.amount, effectiveAt: now, expiresAt: now + COMPENSATION_MS, source: `release:${holdId}` }, now, false);
        back.push({ grantId: id, amount: line.amount });
      }
    }
    ledger(ctx.db, { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature, type: "release", amount: h.amount, holdId, lines: back, at: now });
    return holdView(ownHold(ctx, holdId));
  });
}

/** Releases every hold past its timeout (a generation that never reported back). */
export function sweepHolds(ctx: Ctx): number {
  const now = ctx.now().getTime();
  const stale = ctx.db
    .select({ id: creditHolds.id })
    .from(creditHolds)
    .where(and(eq(creditHolds.workspaceId, ctx.workspaceId), eq(creditHolds.status, "held"), lte(creditHolds.timeoutAt, now)))
    .all();
  for (const s of stale) release(ctx, s.id);
  return stale.length;
}

function ownHold(ctx: Ctx, holdId: string) {
  const h = ctx.db.select().from(creditHolds).where(and(eq(creditHolds.workspaceId, ctx.workspaceId), eq(creditHolds.id, holdId))).get();
  if (!h) throw new ApiError(ErrorCode.NotFound, bi("预留不存在", `no hold ${holdId}`));
  return h;
}

/** A user's balance per feature: this period's allowance (used, left, next reset), other grants, open holds. */
export function balance(ctx: Ctx, userId: string) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const now = ctx.now().getTime();
  const plan = planOf(ctx.db, ws.id, userId);
  const features = Object.keys(catalog.features).map((feature) => {
    const a = allowanceOf(catalog, plan, feature as Feature);
    const p = allowancePeriod(now, ws.timezone, a.every);
    const current = ctx.db
      .select()
      .from(creditGrants)
      .where(and(eq(creditGrants.workspaceId, ws.id), eq(creditGrants.userId, userId), eq(creditGrants.feature, feature), eq(creditGrants.period, p.key)))
      .get();
    const allowance = current?.amount ?? a.amount;
    const left = current ? current.remaining : a.amount;
    const credits = spendable(ctx.db, ws.id, userId, feature, now)
      .filter((g) => g.kind !== "monthly")
      .map((g) => ({ id: g.id, kind: g.kind, category: g.category, remaining: g.remaining / MILLI, expiresAt: g.expiresAt === null ? null : localIso(g.expiresAt, ws.timezone) }));
    return {
      feature,
      allowance: { every: a.every, period: p.key.slice(2), granted: allowance / MILLI, used: (allowance - left) / MILLI, left: left / MILLI, nextResetAt: localIso(p.end, ws.timezone) },
      credits,
      available: (left + credits.reduce((s, g) => s + g.remaining * MILLI, 0)) / MILLI,
    };
  });
  const holds = ctx.db.select().from(creditHolds).where(and(eq(creditHolds.workspaceId, ws.id), eq(creditHolds.userId, userId), eq(creditHolds.status, "held"))).all().map(holdView);
  return { userId, plan, features, holds };
}

/** The user's ledger, newest first. */
export function ledgerOf(ctx: Ctx, userId: string, limit = 100) {
  return ctx.db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.workspaceId, ctx.workspaceId), eq(creditLedger.userId, userId)))
    .orderBy(sql`${creditLedger.seq} DESC`)
    .limit(limit)
    .all()
    .map((e) => ({ seq: e.seq, type: e.type, feature: e.feature, credits: e.amount / MILLI, holdId: e.holdId, grantId: e.grantId, lines: e.lines, at: new Date(e.at).toISOString() }));
}
