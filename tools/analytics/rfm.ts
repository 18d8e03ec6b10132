import { z } from "zod";
import { stmt, type Db } from "../../db/sql.ts";
import type { ModelSettings, WorkspaceRow } from "../../db/schema/index.ts";
import { RFM_CLASSES } from "../segments/schema.ts";

export const RFM_METHODS = ["mean", "median", "business", "pareto", "kmeans"] as const;
export type RfmMethod = (typeof RFM_METHODS)[number];
export type RfmClass = keyof typeof RFM_CLASSES;
export type Customer = { userId: string; recencyDays: number; frequency: number; monetary: number };
export type RfmSettings = Required<Omit<NonNullable<ModelSettings["rfm"]>, "business">> & { business?: NonNullable<ModelSettings["rfm"]>["business"] };

export const rfmSettings = (ws: WorkspaceRow): RfmSettings => ({ method: "mean", windowDays: 365, event: "purchase", ...ws.settings.rfm });

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Two-cluster k-means in one dimension; the threshold is halfway between the two centres. */
export function kmeansThreshold(values: readonly number[]): number {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  for (let i = 0; i < 100 && lo !== hi; i++) {
    const mid = (lo + hi) / 2;
    const low = values.filter((v) => v <= mid);
    const high = values.filter((v) => v > mid);
    const nlo = low.reduce((s, v) => s + v, 0) / low.length;
    const nhi = high.length ? high.reduce((s, v) => s + v, 0) / high.length : hi;
    if (nlo === lo && nhi === hi) break;
    [lo, hi] = [nlo, nhi];
  }
  return (lo + hi) / 2;
}

/**
 * The high/low threshold of one dimension (recency: lower is better). 80/20 makes the best fifth
 * of customers high.
 */
export function threshold(values: readonly number[], method: RfmMethod, lowerIsBetter: boolean, business?: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  switch (method) {
    case "mean":
      return sorted.reduce((s, v) => s + v, 0) / sorted.length;
    case "median":
      return percentile(sorted, 50);
    case "pareto": {
      // The best fifth by count is high: the threshold is the first value past it.
      const k = Math.ceil(sorted.length * 0.2);
      return lowerIsBetter ? sorted[Math.min(k, sorted.length - 1)]! : sorted[Math.max(sorted.length - 1 - k, 0)]!;
    }
    case "kmeans":
      return kmeansThreshold(sorted);
    case "business":
      if (business === undefined) throw new Error("business thresholds are not set");
      return business;
  }
}

const CLASS_OF: Record<string, RfmClass> = {
  HHH: "important_value",
  HLH: "important_develop",
  LHH: "important_retain",
  LLH: "important_win_back",
  HHL: "general_value",
  HLL: "general_develop",
  LHL: "general_retain",
  LLL: "general_win_back",
};

export type RfmModel = {
  method: RfmMethod;
  thresholds: { recencyDays: number; frequency: number; monetary: number };
  /** Quintile cuts (20th, 40th, 60th, 80th percentiles) per dimension, for the 1–5 scores. */
  cuts: { r: number[]; f: number[]; m: number[] };
};

/** Thresholds and quintile cuts fitted on a population of customers. */
export function fitRfm(customers: readonly Customer[], method: RfmMethod, business?: RfmSettings["business"]): RfmModel | null {
  if (!customers.length) return null;
  const r = customers.map((c) => c.recencyDays);
  const f = customers.map((c) => c.frequency);
  const m = customers.map((c) => c.monetary);
  const cuts = (vs: number[]) => {
    const s = [...vs].sort((a, b) => a - b);
    return [20, 40, 60, 80].map((p) => percentile(s, p));
  };
  return {
    method,
    thresholds: {
      recencyDays: threshold(r, method, true, business?.recencyDays),
      frequency: threshold(f, method, false, business?.frequency),
      monetary: threshold(m, method, false, business?.monetary),
    },
    cuts: { r: cuts(r), f: cuts(f), m: cuts(m) },
  };
}

/**
 * One customer against a model: scores 1–5 by quintile (recency reversed) and the class by
 * high/low per dimension. High recency means fewer days (strictly below the threshold); high
 * frequency and money mean strictly above it.
 */
export function scoreCustomer(c: Customer, model: RfmModel) {
  const { thresholds: t, cuts } = model;
  const hi = [c.recencyDays < t.recencyDays, c.frequency > t.frequency, c.monetary > t.monetary];
  const cls = CLASS_OF[hi.map((h) => (h ? "H" : "L")).join("")]!;
  return {
    recencyDays: c.recencyDays,
    frequency: c.frequency,
    monetary: Math.round(c.monetary * 100) / 100,
    rScore: 5 - cuts.r.filter((q) => c.recencyDays > q).length,
    fScore: 1 + cuts.f.filter((q) => c.frequency > q).length,
    mScore: 1 + cuts.m.filter((q) => c.monetary > q).length,
    class: cls,
    label: RFM_CLASSES[cls],
  };
}

/** RFM for a set of customers: the model fitted on them and each one scored. */
export function classify(customers: readonly Customer[], method: RfmMethod, business?: RfmSettings["business"]) {
  const model = fitRfm(customers, method, business);
  return { model, thresholds: model?.thresholds ?? null, results: model ? customers.map((c) => ({ userId: c.userId, ...scoreCustomer(c, model) })) : [] };
}

/** Each customer's purchases in the window ending on `asOfDay`, from the daily rollup. */
export function customersAsOf(db: Db, ws: WorkspaceRow, asOfDay: number, settings: RfmSettings, only?: readonly string[]): Customer[] {
  const rows = stmt(
    db,
    `SELECT user_id, max(day) AS last, sum(count) AS f, sum(amount) AS m FROM user_daily INDEXED BY user_daily_name_day
     WHERE workspace_id = @ws AND name = @event AND day BETWEEN @d0 AND @d1
       AND (@only IS NULL OR user_id IN (SELECT value FROM json_each(@only))) GROUP BY user_id`,
  ).all({ ws: ws.id, event: settings.event, d0: asOfDay - settings.windowDays + 1, d1: asOfDay, only: only ? JSON.stringify(only) : null }) as {
    user_id: string;
    last: number;
    f: number;
    m: number;
  }[];
  return rows.map((r) => ({ userId: r.user_id, recencyDays: asOfDay - r.last, frequency: r.f, monetary: r.m }));
}

export const RfmQuery = z.strictObject({
  method: z.enum(RFM_METHODS).optional().meta({ description: "Threshold method; default the workspace's (mean). 阈值方法" }),
});

/** The distribution over the eight classes, with their labels, and the thresholds used. */
export function distribution(results: readonly { class: RfmClass }[]) {
  const counts = new Map<RfmClass, number>();
  for (const r of results) counts.set(r.class, (counts.get(r.class) ?? 0) + 1);
  return (Object.keys(RFM_CLASSES) as RfmClass[]).map((id) => ({ class: id, label: RFM_CLASSES[id], users: counts.get(id) ?? 0 }));
}
