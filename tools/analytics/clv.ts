import { z } from "zod";
import { stmt, type Db } from "../../db/sql.ts";
import type { WorkspaceRow } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { dayNumber, dayToIso } from "../../lib/time.ts";
import { expectedPurchases, fitBgNbd, pAlive, type BgNbdParams } from "../models/bgnbd.ts";
import { expectedSpend, fitGammaGamma, type GammaGammaParams } from "../models/gammaGamma.ts";
import { summarise, type CustomerSummary } from "../models/summary.ts";

export const UNIT_DAYS = { day: 1, week: 7, month: 30 } as const;
const MIN_CUSTOMERS = 10;

export const ClvQuery = z.strictObject({
  calibrationEnd: z.iso.date().optional().meta({ description: "Last day of the calibration window; default today. 校准期末" }),
  unit: z.enum(["day", "week", "month"]).default("week"),
  holdoutEnd: z.iso.date().optional().meta({ description: "Compare predictions with the actual repeat purchases up to this day. 验证期末" }),
  event: z.string().min(1).max(200).default("purchase"),
});

const isoDay = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

/** One row per customer and purchase day, from the daily rollup (of some customers, or all). */
export function purchaseDays(db: Db, ws: WorkspaceRow, event: string, only?: readonly string[]) {
  return stmt(
    db,
    `SELECT user_id AS customer, day, amount FROM user_daily INDEXED BY user_daily_name_day WHERE workspace_id = @ws AND name = @event
       AND (@only IS NULL OR user_id IN (SELECT value FROM json_each(@only)))`,
  ).all({ ws: ws.id, event, only: only ? JSON.stringify(only) : null }) as { customer: string; day: number; amount: number }[];
}

/** What changes when the purchase data does: new or deleted purchases, merges (profiles' updated_at). */
function fingerprint(db: Db, ws: WorkspaceRow, event: string): string {
  const c = stmt(db, "SELECT count, last_seen_at FROM catalog_events WHERE workspace_id = ? AND name = ?").get(ws.id, event) as { count: number; last_seen_at: number } | undefined;
  const p = stmt(db, "SELECT max(updated_at) AS u, count(*) AS n FROM profiles WHERE workspace_id = ?").get(ws.id) as { u: number; n: number };
  return `${c?.count}|${c?.last_seen_at}|${p.u}|${p.n}`;
}

export type ClvFit = {
  params: BgNbdParams;
  logLikelihood: number;
  spend: (GammaGammaParams & { logLikelihood: number }) | null;
  customers: number;
  repeatCustomers: number;
  calibration: { start: string; end: string; unit: keyof typeof UNIT_DAYS };
  holdout: { end: string; predictedRepeatPurchases: number; actualRepeatPurchases: number } | null;
  summaries: CustomerSummary[];
};

const cache = new WeakMap<object, Map<string, ClvFit>>();

/** BG/NBD and Gamma-Gamma fitted on a workspace's purchases, cached until the data changes. */
export function fitClv(db: Db, ws: WorkspaceRow, q: z.infer<typeof ClvQuery>, today: number): ClvFit & { cached: boolean } {
  const end = q.calibrationEnd ? isoDay(q.calibrationEnd) : today;
  const holdoutEnd = q.holdoutEnd ? isoDay(q.holdoutEnd) : undefined;
  const key = `${ws.id}|${end}|${q.unit}|${holdoutEnd}|${q.event}|${fingerprint(db, ws, q.event)}`;
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  const hit = perDb.get(key);
  if (hit) return { ...hit, cached: true };
  const unit = UNIT_DAYS[q.unit];
  const purchases = purchaseDays(db, ws, q.event);
  const summaries = summarise(purchases, end, unit, holdoutEnd ?? end);
  if (summaries.length < MIN_CUSTOMERS)
    throw new ApiError(ErrorCode.BadRequest, bi(`购买用户不足 ${MIN_CUSTOMERS} 人`, `CLV needs at least ${MIN_CUSTOMERS} customers with a '${q.event}' by the calibration end; found ${summaries.length}`));
  const fit = fitBgNbd(summaries);
  const repeat = summaries.filter((c) => c.x > 0);
  const spend = repeat.length >= MIN_CUSTOMERS ? fitGammaGamma(repeat.map((c) => ({ x: c.x, m: c.m }))) : null;
  const start = Math.min(...purchases.map((p) => p.day));
  const result: ClvFit = {
    params: { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b },
    logLikelihood: fit.logLikelihood,
    spend,
    customers: summaries.length,
    repeatCustomers: repeat.length,
    calibration: { start: dayToIso(start), end: dayToIso(end), unit: q.unit },
    holdout:
      holdoutEnd === undefined
        ? null
        : {
            end: dayToIso(holdoutEnd),
            predictedRepeatPurchases: summaries.reduce((s, c) => s + expectedPurchases(fit, c, (holdoutEnd - end) / unit), 0),
            actualRepeatPurchases: summaries.reduce((s, c) => s + c.holdoutX, 0),
          },
    summaries,
  };
  if (perDb.size > 20) perDb.clear();
  perDb.set(key, result);
  return { ...result, cached: false };
}

export type ClvModel = Pick<ClvFit, "params" | "spend"> & { unit: keyof typeof UNIT_DAYS };

/** Per-customer predictions for the predictive layer. */
export function predictions(model: ClvModel, summaries: readonly CustomerSummary[]) {
  const unit = UNIT_DAYS[model.unit];
  const { params, spend } = model;
  return new Map(
    summaries.map((c) => {
      const year = expectedPurchases(params, c, 365 / unit);
      const value = spend && c.x > 0 ? expectedSpend(spend, c) : spend ? (spend.p * spend.gamma) / (spend.q - 1) : null;
      return [
        c.customer,
        {
          p_alive: round(pAlive(params, c)),
          expected_purchases_30d: round(expectedPurchases(params, c, 30 / unit)),
          expected_purchases_90d: round(expectedPurchases(params, c, 90 / unit)),
          clv: value === null ? null : round(year * value),
        },
      ];
    }),
  );
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

export const todayOf = (ws: WorkspaceRow, now: Date) => dayNumber(now.getTime(), ws.timezone);
