import { createRoute, z } from "@hono/zod-openapi";
import { CatalogQuery, getCatalog } from "../../tools/catalog/read.ts";
import { errorResponses } from "../errors.ts";
import { ok, routesFor, type Router } from "../openapi.ts";

const Property = z.object({
  name: z.string(),
  count: z.number(),
  types: z.record(z.string(), z.number()),
  topValues: z.array(z.object({ value: z.unknown(), count: z.number() })),
});
const Catalog = z
  .object({
    events: z.array(
      z.object({ name: z.string(), count: z.number(), firstSeenAt: z.string(), lastSeenAt: z.string(), properties: z.array(Property) }),
    ),
    traits: z.array(Property.omit({ name: true }).extend({ key: z.string() })),
  })
  .meta({ id: "Catalog" });

export function registerCatalog(app: Router) {
  const route = routesFor("catalog", "operator");
  app.openapi(
    createRoute({
      ...route("get", "/v1/catalog", "Event names, properties and traits / 数据字典", { description: "Counts and most common values, kept current at ingest. Scope: operator." }),
      request: { query: CatalogQuery },
      responses: { ...ok(Catalog, "The catalog / 数据字典"), ...errorResponses },
    }),
    (c) => c.json(getCatalog(c.get("ctx"), c.req.valid("query")), 200),
  );
}
