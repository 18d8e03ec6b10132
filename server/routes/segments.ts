import { createRoute, z } from "@hono/zod-openapi";
import {
  PreviewInput,
  PreviewResult,
  SegmentInput,
  SegmentPatch,
  SegmentView,
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  refreshSegment,
  segmentUsers,
  updateSegment,
} from "../../tools/segments/index.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Params = z.object({ id: z.string().min(1).max(64) });
const ExportQuery = z.strictObject({ format: z.enum(["ndjson", "csv"]).default("ndjson") });

export function registerSegments(app: Router) {
  const route = routesFor("segments", "operator");

  app.openapi(
    createRoute({
      ...route("post", "/v1/segments/preview", "Count and sample a definition / 预览分群"),
      description: "Evaluates a segment definition (DESIGN §4) as of `asOf`. An invalid definition is a 400 naming the node path. Scope: operator.",
      request: jsonBody(PreviewInput),
      responses: { ...ok(PreviewResult, "Count and sample / 人数与样本"), ...errorResponses },
    }),
    (c) => c.json(previewSegment(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({ ...route("post", "/v1/segments", "Save a segment / 保存分群"), request: jsonBody(SegmentInput), responses: { ...ok(SegmentView, "Saved, with its count"), ...errorResponses } }),
    (c) => c.json(createSegment(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/segments", "Saved segments / 分群列表"), responses: { ...ok(z.object({ segments: z.array(SegmentView) }), "Segments"), ...errorResponses } }),
    (c) => c.json({ segments: listSegments(c.get("ctx")) }, 200),
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/segments/{id}", "A saved segment / 分群详情"), request: { params: Params }, responses: { ...ok(SegmentView, "Segment"), ...errorResponses } }),
    (c) => c.json(getSegment(c.get("ctx"), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      ...route("patch", "/v1/segments/{id}", "Change a segment / 修改分群"),
      request: { params: Params, ...jsonBody(SegmentPatch) },
      responses: { ...ok(SegmentView, "Segment, recounted"), ...errorResponses },
    }),
    (c) => c.json(updateSegment(c.get("ctx"), c.req.valid("param").id, c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...route("delete", "/v1/segments/{id}", "Delete a segment / 删除分群"),
      description: "409 while another segment includes it.",
      request: { params: Params },
      responses: { ...ok(z.object({ id: z.string(), deleted: z.boolean() }), "Deleted"), ...errorResponses },
    }),
    (c) => c.json(deleteSegment(c.get("ctx"), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({ ...route("post", "/v1/segments/{id}/refresh", "Recount a segment / 刷新人数"), request: { params: Params }, responses: { ...ok(SegmentView, "Segment"), ...errorResponses } }),
    (c) => c.json(refreshSegment(c.get("ctx"), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/segments/{id}/users", "Export members / 导出用户"),
      description: "Streams the members in id order as NDJSON (`{\"userId\":…}` per line) or CSV (`userId` column).",
      request: { params: Params, query: ExportQuery },
      responses: {
        200: { description: "Members", content: { "application/x-ndjson": { schema: z.string() }, "text/csv": { schema: z.string() } } },
        ...errorResponses,
      },
    }),
    (c) => {
      const { format } = c.req.valid("query");
      const pages = segmentUsers(c.get("ctx"), c.req.valid("param").id);
      const first = pages.next(); // a missing segment is a 404 before any byte is sent
      const enc = new TextEncoder();
      const line = (id: string) => (format === "csv" ? (/[",\n\r]/.test(id) ? `"${id.replace(/"/g, '""')}"` : id) : JSON.stringify({ userId: id })) + "\n";
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          if (format === "csv") ctl.enqueue(enc.encode("userId\n"));
          if (!first.done) ctl.enqueue(enc.encode(first.value.map(line).join("")));
          if (first.done) ctl.close();
        },
        pull(ctl) {
          const next = pages.next();
          if (next.done) ctl.close();
          else ctl.enqueue(enc.encode(next.value.map(line).join("")));
        },
      });
      return c.body(body, 200, { "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson" }) as never;
    },
  );
}
