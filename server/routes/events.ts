import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { ingestEventsGrouped } from "../../tools/events/ingest.ts";
import { IngestBody, IngestResult, MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST } from "../../tools/events/schema.ts";
import { EventView, TailQuery, tailEvents } from "../../tools/events/tail.ts";
import { readJson } from "../body.ts";
import type { AppEnv } from "../env.ts";
import { errorResponses } from "../errors.ts";
import { requireScope } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { bearerSecurity, jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const IngestShell = z.strictObject({ events: z.array(z.unknown()).min(1) });

/** 200 when anything was stored or already there; 400 (with every error) when all were rejected. */
export function ingestResponse(c: Context<AppEnv>, result: IngestResult) {
  if (result.accepted + result.duplicates === 0)
    throw new ApiError(ErrorCode.ValidationFailed, bi("所有事件均被拒绝", "every event was rejected"), result);
  return c.json(result, 200);
}

export function tooMany(n: number) {
  if (n > MAX_EVENTS_PER_REQUEST)
    throw new ApiError(ErrorCode.PayloadTooLarge, bi(`每次最多 ${MAX_EVENTS_PER_REQUEST} 个事件`, `at most ${MAX_EVENTS_PER_REQUEST} events per request`));
}

export function registerEvents(app: Router) {
  const route = routesFor("events", "operator");
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/events",
    tags: ["events"],
    summary: "Track events / 上报事件",
    description:
      "Up to 1,000 events and 1 MB. Each event is validated on its own; `errors` lists the rejected ones by index. A resent id is a duplicate (first write wins). Scope: ingest.",
    security: bearerSecurity,
    request: jsonBody(IngestBody),
    responses: { ...ok(IngestResult, "What was stored / 结果"), ...errorResponses },
  });
  app.post("/v1/events", requireScope("ingest"), limitBody(MAX_BODY_BYTES), async (c) => {
    const { events } = await readJson(c, IngestShell);
    tooMany(events.length);
    return ingestResponse(c, await ingestEventsGrouped(c.get("ctx"), events));
  });

  app.openapi(
    createRoute({
      ...route("get", "/v1/events", "Latest events (live debugger) / 最新事件"),
      request: { query: TailQuery },
      responses: {
        ...ok(z.object({ events: z.array(EventView), nextBefore: z.number().int().nullable() }), "Newest first / 最新在前"),
        ...errorResponses,
      },
    }),
    (c) => c.json(tailEvents(c.get("ctx"), c.req.valid("query")), 200),
  );
}
