import { describe, expect, it } from "vitest";
import { setup } from "./helpers.ts";

describe("service endpoints", () => {
  it("/healthz answers without a key", async () => {
    const r = await setup().call("GET", "/healthz");
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
  });

  it("/openapi.json is an OpenAPI 3.1 document of every route, with the error envelope", async () => {
    const doc = (await setup().call("GET", "/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    for (const p of ["/v1/events", "/v1/batch", "/v1/identify", "/v1/alias", "/v1/users/{id}", "/v1/users/import", "/v1/catalog", "/v1/keys", "/v1/keys/{id}", "/v1/workspace"])
      expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.components.schemas.Error).toBeTruthy();
    expect(doc.paths["/v1/events"].post.responses["413"]).toBeTruthy();
    expect(JSON.stringify(doc.paths["/v1/events"].post.requestBody)).toContain("#/components/schemas/IngestBody");
    expect(doc.components.schemas.EventInput.properties.timestamp.description).toMatch(/ISO 8601/);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
  });

  it("/docs serves the interactive page and its assets locally (no CDN)", async () => {
    const t = setup();
    const page = await t.app.request("/docs");
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("/openapi.json");
    expect(html).not.toMatch(/https?:\/\//);
    const js = await t.app.request("/docs/assets/swagger-ui-bundle.js");
    expect(js.status).toBe(200);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await t.app.request("/docs/assets/../../package.json")).status).toBe(404);
    // Names of Object.prototype are not assets either (they used to be looked up and answer 500).
    for (const name of ["constructor", "__proto__", "toString"]) expect((await t.app.request(`/docs/assets/${name}`)).status).toBe(404);
  });

  it("echoes a sane x-request-id and makes one otherwise", async () => {
    const t = setup();
    const own = await t.app.request("/healthz", { headers: { "x-request-id": "trace-123" } });
    expect(own.headers.get("x-request-id")).toBe("trace-123");
    const made = await t.app.request("/healthz", { headers: { "x-request-id": "bad id with spaces" } });
    expect(made.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
