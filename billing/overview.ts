import { z } from "zod";
import { stmt } from "../db/sql.ts";
import { dayToIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog } from "./catalog.ts";
import { DayRange, resolveDays } from "./usage.ts";

export const MAX_OVERVIEW_DAYS = 366;

export const OverviewInput = z.strictObject(DayRange).meta({ id: "BillingOverviewInput" });

const CreditRow = z.object({
  kind: z.string().meta({ description: "Grant kind: monthly | referral | pack | compensation. 额度类型" }),
  feature: z.string(),
  granted: z.number().meta({ description: "Credits granted in the window (a release's stand-in for an expired grant is not new credit and is not counted). 发放" }),
  spent: z.number().meta({ description: "Credits of this kind settled by uses decided in the window. 消耗" }),
  released: z.number().meta({ description: "Credits of this kind held and given back (failed or timed-out uses). 退回" }),
  voided: z.number().meta({ description: "Credits voided (refunds, voided referral helps). 作废" }),
  expired: z.number().meta({ description: "Credits left unspent when their grant expired in the window. 过期未用" }),
});

export const BillingOverview = z.object({
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  credits: z.array(CreditRow),
  creditTotals: CreditRow.omit({ kind: true, feature: true }),
  revenue: z.object({
    currency: z.string(),
    bySku: z.array(
      z.object({
        sku: z.string(),
        payments: z.number().int(),
        gross: z.number().int().meta({ description: "Fen received (payments and renewals applied). 收入（分）" }),
        refunds: z.number().int(),
        refunded: z.number().int().meta({ description: "Fen paid back. 退款（分）" }),
        net: z.number().int(),
      }),
    ),
    net: z.number().int().meta({ description: "Fen, all SKUs, refunds deducted. 净收入（分）" }),
  }),
  referrals: z.object({
    linksMade: z.number().int(),
    helps: z.number().int(),
    newUserHelps: z.number().int(),
    existingUserHelps: z.number().int(),
    voidedHelps: z.number().int(),
    invitersHelped: z.number().int(),
    creditsGranted: z.number().meta({ description: "Credits the window's helps granted (voided helps excluded). 助力发放额度" }),
    creditsFromNewUsers: z.number(),
    creditsFromExistingUsers: z.number(),
    creditsSpent: z.number().meta({ description: "Of the referral credit granted in the window, how much has been spent since. 其中已消耗" }),
  }),
});
export type BillingOverview = z.infer<typeof BillingOverview>;

type N = number | null;
const credits = (n: N) => (n ?? 0) / MILLI;

/**
 * What billing did over a window of local days: credit by grant kind and feature, revenue by SKU,
 * and the referral funnel. Spent and released credit is attributed to the grants the holds drew
 * from (their lines), so a pack's credit spent is told apart from the monthly allowance's.
 */
export function billingOverview(ctx: Ctx, input: z.infer<typeof OverviewInput>): BillingOverview {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const r = resolveDays(ctx, ws.timezone, input, MAX_OVERVIEW_DAYS);
  const w = [ws.id, r.start, r.end] as const;
  const rows = new Map<string, z.infer<typeof CreditRow>>();
  const row = (kind: string | null, feature: string) => {
    const k = `${kind ?? "unknown"}\u0000${feature}`;
    return rows.get(k) ?? rows.set(k, { kind: kind ?? "unknown", feature, granted: 0, spent: 0, released: 0, voided: 0, expired: 0 }).get(k)!;
  };
  const ledgerByKind = stmt(
    ctx.db,
    `SELECT g.kind AS kind, l.feature AS feature, l.type AS type, sum(l.amount) AS amount
       FROM credit_ledger l LEFT JOIN credit_grants g ON g.id = l.grant_id
      WHERE l.workspace_id = ? AND l.at >= ? AND l.at < ? AND l.type IN ('grant', 'void', 'expire')
      GROUP BY 1, 2, 3`,
  ).all(...w) as { kind: string | null; feature: string; type: "grant" | "void" | "expire"; amount: number }[];
  for (const x of ledgerByKind) row(x.kind, x.feature)[x.type === "grant" ? "granted" : x.type === "void" ? "voided" : "expired"] += x.amount ?? 0;
  // Expiry writes nothing (a grant just stops being spendable at expires_at), so what expired unspent
  // is read from the grants: left over at an expiry inside the window that has already passed.
  const expired = stmt(
    ctx.db,
    `SELECT kind, feature, sum(remaining) AS amount FROM credit_grants
      WHERE workspace_id = ? AND expires_at >= ? AND expires_at < ? AND expires_at <= ? AND voided_at IS NULL AND remaining > 0
      GROUP BY 1, 2`,
  ).all(...w, ctx.now().getTime()) as { kind: string; feature: string; amount: number }[];
  for (const x of expired) row(x.kind, x.feature).expired += x.amount;
  const decided = stmt(
    ctx.db,
    `SELECT g.kind AS kind, h.feature AS feature, h.status AS status, sum(json_extract(l.value, '$.amount')) AS amount
       FROM credit_holds h, json_each(h.lines) l LEFT JOIN credit_grants g ON g.id = json_extract(l.value, '$.grantId')
      WHERE h.workspace_id = ? AND h.decided_at >= ? AND h.decided_at < ? AND h.status IN ('settled', 'released')
      GROUP BY 1, 2, 3`,
  ).all(...w) as { kind: string | null; feature: string; status: "settled" | "released"; amount: number }[];
  for (const x of decided) row(x.kind, x.feature)[x.status === "settled" ? "spent" : "released"] += x.amount ?? 0;
  // Summed in milli-credits (integers) and turned into credits once, so totals carry no float drift.
  const milli = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.feature.localeCompare(b.feature));
  const FIELDS = ["granted", "spent", "released", "voided", "expired"] as const;
  const inCredits = <T extends Record<(typeof FIELDS)[number], number>>(x: T): T => ({ ...x, ...Object.fromEntries(FIELDS.map((f) => [f, x[f] / MILLI])) });
  const creditTotals = inCredits(Object.fromEntries(FIELDS.map((f) => [f, milli.reduce((s, x) => s + x[f], 0)])) as Record<(typeof FIELDS)[number], number>);

  // A refund's amount is what was paid back, whatever sign the provider gives it.
  const bySku = (
    stmt(
      ctx.db,
      `SELECT sku,
              sum(CASE WHEN type IN ('payment.succeeded', 'subscription.renewed') THEN 1 ELSE 0 END) AS payments,
              sum(CASE WHEN type IN ('payment.succeeded', 'subscription.renewed') THEN amount ELSE 0 END) AS gross,
              sum(CASE WHEN type = 'payment.refunded' THEN 1 ELSE 0 END) AS refunds,
              sum(CASE WHEN type = 'payment.refunded' THEN abs(amount) ELSE 0 END) AS refunded
         FROM payment_events
        WHERE workspace_id = ? AND received_at >= ? AND received_at < ? AND status = 'applied'
        GROUP BY sku ORDER BY sku`,
    ).all(...w) as { sku: string; payments: number; gross: number; refunds: number; refunded: number }[]
  ).map((x) => ({ ...x, net: x.gross - x.refunded }));

  const links = stmt(ctx.db, `SELECT count(*) AS n FROM referrals WHERE workspace_id = ? AND created_at >= ? AND created_at < ?`).get(...w) as { n: number };
  const helps = stmt(
    ctx.db,
    `SELECT count(*) AS helps,
            coalesce(sum(new_user), 0) AS newUsers,
            coalesce(sum(status = 'voided'), 0) AS voided,
            count(DISTINCT inviter_id) AS inviters,
            coalesce(sum(CASE WHEN status = 'granted' THEN amount END), 0) AS granted,
            coalesce(sum(CASE WHEN status = 'granted' AND new_user THEN amount END), 0) AS fromNew
       FROM referral_helps WHERE workspace_id = ? AND created_at >= ? AND created_at < ?`,
  ).get(...w) as { helps: number; newUsers: number; voided: number; inviters: number; granted: number; fromNew: number };
  // A referral grant made in the window can only be spent by a hold made after it.
  const spent = stmt(
    ctx.db,
    `SELECT coalesce(sum(json_extract(l.value, '$.amount')), 0) AS amount
       FROM credit_holds h, json_each(h.lines) l JOIN credit_grants g ON g.id = json_extract(l.value, '$.grantId')
      WHERE h.workspace_id = ? AND h.status = 'settled' AND h.created_at >= ?
        AND g.kind = 'referral' AND g.created_at >= ? AND g.created_at < ?`,
  ).get(ws.id, r.start, r.start, r.end) as { amount: number };

  return {
    timezone: ws.timezone,
    from: dayToIso(r.from),
    to: dayToIso(r.to),
    credits: milli.map(inCredits),
    creditTotals,
    revenue: { currency: getCatalog(ctx.db, ws.id).currency, bySku, net: bySku.reduce((s, x) => s + x.net, 0) },
    referrals: {
      linksMade: links.n,
      helps: helps.helps,
      newUserHelps: helps.newUsers,
      existingUserHelps: helps.helps - helps.newUsers,
      voidedHelps: helps.voided,
      invitersHelped: helps.inviters,
      creditsGranted: credits(helps.granted),
      creditsFromNewUsers: credits(helps.fromNew),
      creditsFromExistingUsers: credits(helps.granted - helps.fromNew),
      creditsSpent: credits(spent.amount),
    },
  };
}
