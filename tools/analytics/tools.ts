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

/** One input for every analysis, told apart by `kind`: the agent picks the analysis and its settings in one call. */
export const AnalyticsInput = z
  .discriminatedUnion("kind", [
    FunnelInput.extend({ kind: z.literal("funnel") }),
    RetentionInput.extend({ kind: z.literal("retention") }),
    TrendInput.extend({ kind: z.literal("trend") }),
    PathsInput.extend({ kind: z.literal("paths") }),
    RfmQuery.extend({ kind: z.literal("rfm") }),
    z.strictObject({ kind: z.literal("lifecycle") }),
    ClvQuery.extend({ kind: z.literal("clv") }),
  ])
  .meta({ id: "AnalyticsInput" });

export function runAnalytics(ctx: Ctx, input: z.infer<typeof AnalyticsInput>) {
  const { kind, ...q } = input;
  const report: Record<string, unknown> =
    kind === "funnel" ? funnel(ctx, q as z.input<typeof FunnelInput>)
    : kind === "retention" ? retention(ctx, q as z.input<typeof RetentionInput>)
    : kind === "trend" ? trend(ctx, q as z.input<typeof TrendInput>)
    : kind === "paths" ? paths(ctx, q as z.input<typeof PathsInput>)
    : kind === "rfm" ? rfmReport(ctx, q as z.infer<typeof RfmQuery>)
    : kind === "lifecycle" ? lifecycleNow(ctx)
    : clvReport(ctx, q as z.infer<typeof ClvQuery>);
  return { kind, ...report };
}

export const analyticsTools = [
  defineTool({
    name: "analytics",
    description:
      "分析：漏斗、留存、活跃趋势、路径、RFM 分层、生命周期、CLV / Run one analysis, chosen by `kind`: funnel (ordered steps, conversion window), retention (D1/D7/D30 cohorts), trend (DAU/WAU/MAU), paths (what users do next), rfm (eight classes), lifecycle (users per stage), clv (BG/NBD + Gamma-Gamma). Date ranges are {days: N} (the last N days up to today) or {from, to}.",
    scope: "operator",
    sideEffect: "none",
    input: AnalyticsInput,
    output: Report,
    run: runAnalytics,
  }),
];
