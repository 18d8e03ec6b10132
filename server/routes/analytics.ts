import { createRoute, z } from "@hono/zod-openapi";
import { ClvQuery } from "../../tools/analytics/clv.ts";
import { FunnelInput, funnel } from "../../tools/analytics/funnel.ts";
import { PathsInput, paths } from "../../tools/analytics/paths.ts";
import { RetentionInput, retention } from "../../tools/analytics/retention.ts";
import { TrendInput, trend } from "../../tools/analytics/trend.ts";
import { RfmQuery } from "../../tools/analytics/rfm.ts";
import { clvReport, lifecycleNow, rfmReport } from "../../tools/analytics/tools.ts";
import { recomputeChanged, recomputeProfiles } from "../../tools/profiles/recompute.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Json = z.record(z.string(), z.unknown());

export function registerAnalytics(app: Router) {
  const route = routesFor("analytics", "operator");

  app.openapi(
    createRoute({
      ...route("get", "/v1/analytics/rfm", "RFM classes / RFM 分层", { description: "Purchases in the last 365 days (workspace settings): the eight classes with their labels, and the thresholds used." }),
      request: { query: RfmQuery },
      responses: { ...ok(Json, "Distribution and thresholds"), ...errorResponses },
    }),
    (c) => c.json(rfmReport(c.get("ctx"), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/analytics/lifecycle", "Lifecycle stages / 生命周期", { description: "Stages today and the moves between stages since a week ago." }),
      responses: { ...ok(Json, "Distribution and transitions"), ...errorResponses },
    }),
    (c) => c.json(lifecycleNow(c.get("ctx")), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/analytics/clv", "CLV models / 客户终身价值", { description: "BG/NBD (repeat purchases, P(alive)) and Gamma-Gamma (spend), fitted by maximum likelihood on demand and cached until the data changes." }),
      request: { query: ClvQuery },
      responses: { ...ok(Json, "Parameters, log-likelihood, customers, window"), ...errorResponses },
    }),
    (c) => c.json(clvReport(c.get("ctx"), c.req.valid("query")), 200),
  );
  const analyses = [
    ["funnel", "Funnel / 漏斗", "Ordered steps: per-step users, conversion and median time, optional breakdown by a trait.", FunnelInput, funnel],
    ["retention", "Retention / 留存", "Cohorts by first active day or week; retained on day N (exactly, or N or later when rolling).", RetentionInput, retention],
    ["trend", "Active users / 活跃趋势", "DAU, WAU, MAU and events per day.", TrendInput, trend],
    ["paths", "Next events / 路径", "The events users do next after an event.", PathsInput, paths],
  ] as const;
  for (const [name, summary, description, input, fn] of analyses)
    app.openapi(
      createRoute({ ...route("post", `/v1/analytics/${name}`, summary, { description }), request: jsonBody(input), responses: { ...ok(Json, summary), ...errorResponses } }),
      (c) => c.json((fn as (ctx: unknown, q: unknown) => Record<string, unknown>)(c.get("ctx"), c.req.valid("json")), 200),
    );
  app.openapi(
    createRoute({
      ...route(
        "post",
        "/v1/profiles/recompute",
        "Recompute profile layers / 重算画像",
        { description: "mode=full refits RFM thresholds and CLV on everyone and rewrites every profile (the daily job); mode=changed rescores only profiles with new events since, against the last full fit." }),
      request: { query: z.strictObject({ mode: z.enum(["full", "changed"]).default("full") }) },
      responses: { ...ok(Json, "What was computed"), ...errorResponses },
    }),
    (c) => c.json(c.req.valid("query").mode === "full" ? recomputeProfiles(c.get("ctx")) : recomputeChanged(c.get("ctx")), 200),
  );
}
