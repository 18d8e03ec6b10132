import { createRoute } from "@hono/zod-openapi";
import { generateCopy } from "../../tools/copy/generate.ts";
import { CopyInput, CopyResult } from "../../tools/copy/schema.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

export function registerCopy(app: Router) {
  const route = routesFor("copy", "operator");
  app.openapi(
    createRoute({
      ...route("post", "/v1/copy/generate", "Generate channel copy / 生成渠道文案"),
      description:
        "Template-based copy for one channel and theme, in 1–5 variants with different hooks. Every variant carries the checks of its channel's rules (lengths in Unicode code points; `{{name}}` merge tags at their worst case) and `ok`. With `segmentId` or `definition` the audience's most common preferred genre fills personalization. Scope: operator.",
      request: jsonBody(CopyInput),
      responses: { ...ok(CopyResult, "Variants with their checks / 文案与检查结果"), ...errorResponses },
    }),
    (c) => c.json(generateCopy(c.get("ctx"), c.req.valid("json")), 200),
  );
}
