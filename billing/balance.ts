import { and, eq, sql } from "drizzle-orm";
import { creditHolds, creditLedger } from "../db/schema/index.ts";
import { localIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog, type Feature } from "./catalog.ts";
import { allowanceOf, allowancePeriod, currentAllowance, planOf, spendable } from "./grants.ts";
import { holdView } from "./holds.ts";

/** A user's balance per feature: this period's allowance (used, left, next reset), other grants, open holds. */
export function balance(ctx: Ctx, userId: string) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const now = ctx.now().getTime();
  const plan = planOf(ctx.db, ws.id, userId, now);
  const features = Object.keys(catalog.features).map((feature) => {
    const a = allowanceOf(catalog, plan, feature as Feature);
    const p = allowancePeriod(now, ws.timezone, a.every);
    const current = currentAllowance(ctx.db, ws, userId, feature, a.every, now);
    // An upgrade raises the period's grant on the next spend; the balance shows the raise already.
    const allowance = Math.max(current?.amount ?? 0, a.amount);
    const left = current ? current.remaining + (allowance - current.amount) : a.amount;
    const others = spendable(ctx.db, ws.id, userId, feature, now).filter((g) => g.kind !== "monthly");
    return {
      feature,
      allowance: { every: a.every, period: p.key.slice(2), granted: allowance / MILLI, used: (allowance - left) / MILLI, left: left / MILLI, nextResetAt: localIso(p.end, ws.timezone) },
      credits: others.map((g) => ({ id: g.id, kind: g.kind, category: g.category, remaining: g.remaining / MILLI, expiresAt: g.expiresAt === null ? null : localIso(g.expiresAt, ws.timezone) })),
      available: (left + others.reduce((s, g) => s + g.remaining, 0)) / MILLI,
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
