import { createRoute, z } from "@hono/zod-openapi";
import { AliasInput, IdentifyInput, alias, identify } from "../../tools/identity/identify.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

export function registerIdentity(app: Router) {
  const route = routesFor("identity", "ingest");
  app.openapi(
    createRoute({
      ...route("post", "/v1/identify", "Set traits and link ids / 识别用户", { description: "Creates the profile if needed. An id already claimed by another user is reported in `conflicts`, never merged. Scope: ingest." }),
      request: jsonBody(IdentifyInput),
      responses: {
        ...ok(z.object({ userId: z.string(), conflicts: z.array(z.object({ kind: z.string(), value: z.string() })) }), "Identified / 已识别"),
        ...errorResponses,
      },
    }),
    (c) => c.json(identify(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/alias", "Merge two users / 合并用户", { description: "Moves previousId's history (events, rollups, traits, ids) onto userId. Scope: ingest." }),
      request: jsonBody(AliasInput),
      responses: { ...ok(z.object({ userId: z.string(), merged: z.string().nullable() }), "Merged / 已合并"), ...errorResponses },
    }),
    (c) => c.json(alias(c.get("ctx"), c.req.valid("json")), 200),
  );
}
