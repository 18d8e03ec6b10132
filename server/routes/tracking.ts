import { z } from "@hono/zod-openapi";
import { IngestResult, MAX_BODY_BYTES } from "../../tools/events/schema.ts";
import { SegmentBatch, applySegmentBatch } from "../../tools/tracking/batch.ts";
import { readJson } from "../body.ts";
import { errorResponses } from "../errors.ts";
import { requireScope } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, type Router } from "../openapi.ts";
import { ingestResponse, tooMany } from "./events.ts";

export function registerTracking(app: Router) {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/batch",
    tags: ["events"],
    summary: "Segment-compatible batch / Segment 兼容接口",
    description:
      "Segment's HTTP tracking API: track, identify, alias, page, screen. The write key (an ingest key) goes as the Basic auth user name or as a Bearer token.",
    security: [{ basicAuth: [] }, { bearerAuth: [] }],
    request: jsonBody(SegmentBatch),
    responses: { ...ok(IngestResult, "Applied / 已处理"), ...errorResponses },
  });
  app.post("/v1/batch", requireScope("ingest"), limitBody(MAX_BODY_BYTES), async (c) => {
    const { batch } = await readJson(c, z.looseObject({ batch: z.array(z.unknown()).min(1) }));
    tooMany(batch.length);
    return ingestResponse(c, applySegmentBatch(c.get("ctx"), batch));
  });
}
