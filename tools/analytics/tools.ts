import { z } from "zod";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { dayToIso } from "../../lib/time.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { defineTool } from "../tool.ts";
import { ClvQuery, fitClv, todayOf } from "./clv.ts";
import { FunnelInput, funnel } from "./funnel.ts";
import { lifecycleReport } from "./lifecycle.ts";
import { PathsInput, paths } from "./paths.ts";
import { RetentionInput, retention } from "./retention.ts";
import { RfmQuery, classify, customersAsOf, distribution, rfmSettings } from "./rfm.ts";
import { TrendInput, trend } from "./trend.ts";

const Report = z.record(z.string(), z.unknown());

/** RFM classes as of today, by the workspace's method or the one asked for. */
export function rfmReport(ctx: Ctx, q: z.infer<typeof RfmQuery>) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const s = rfmSettings(ws);
  const method = q.method ?? s.method;
  if (method === "business" && !s.business)
    throw new ApiError(ErrorCode.BadRequest, bi("未设置业务阈值", "set settings.rfm.business (recencyDays, frequency, monetary) first"));
  const today = todayOf(ws, ctx.now());
  const r = classify(customersAsOf(ctx.db, ws, today, s), method, s.business);
  return { asOf: dayToIso(today), method, windowDays: s.windowDays, customers: r.results.length, thresholds: r.thresholds, distribution: distribution(r.results) };
}

export function lifecycleNow(ctx: Ctx) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const today = todayOf(ws, ctx.now());
  return { asOf: dayToIso(today), ...lifecycleReport(ctx.db, ws, today) };
}

export function clvReport(ctx: Ctx, q: z.infer<typeof ClvQuery>) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const started = performance.now();
  const { summaries: _omit, ...fit } = fitClv(ctx.db, ws, q, todayOf(ws, ctx.now()));
  return { ...fit, elapsedMs: Math.round(performance.now() - started) };
}

export const analyticsTools = [
  defineTool({ name: "analytics_funnel", description: "漏斗分析 / Ordered funnel: users per step, conversion, median time between steps, optional breakdown by a trait.", scope: "operator", sideEffect: "none", input: FunnelInput, output: Report, run: funnel }),
  defineTool({ name: "analytics_retention", description: "留存分析 / Retention of cohorts by first active day or week: D1/D7/D30 (exact or rolling), optional breakdown.", scope: "operator", sideEffect: "none", input: RetentionInput, output: Report, run: retention }),
  defineTool({ name: "analytics_trend", description: "活跃趋势 / DAU, WAU, MAU and events per day.", scope: "operator", sideEffect: "none", input: TrendInput, output: Report, run: trend }),
  defineTool({ name: "analytics_paths", description: "路径分析 / What users do next after an event.", scope: "operator", sideEffect: "none", input: PathsInput, output: Report, run: paths }),
  defineTool({ name: "analytics_rfm", description: "RFM 分层 / Customers in the eight RFM classes (重要价值 … 一般挽留) with the thresholds used.", scope: "operator", sideEffect: "none", input: RfmQuery, output: Report, run: rfmReport }),
  defineTool({ name: "analytics_lifecycle", description: "生命周期 / Users per lifecycle stage (导入期 … 流失期) and moves between stages over the last week.", scope: "operator", sideEffect: "none", input: z.strictObject({}), output: Report, run: lifecycleNow }),
  defineTool({ name: "analytics_clv", description: "客户终身价值模型 / BG/NBD and Gamma-Gamma fitted on purchases: parameters, customers, optional holdout comparison.", scope: "operator", sideEffect: "none", input: ClvQuery, output: Report, run: clvReport }),
];
