import { describe, expect, it } from "vitest";
import { setup } from "./helpers.ts";

/**
 * Every route in the OpenAPI document, fed garbage: malformed JSON, a body of the wrong type,
 * wrong query values and odd path ids. Each answer must be a 4xx envelope, never a 5xx.
 */
describe("malformed input on every route", () => {
  it("answers 4xx envelopes, never 5xx", async () => {
    const t = setup();
    // A rate limit above the probe count: a 429 would hide whether the route itself answers well.
    const key = t.key("acme", ["ingest", "operator", "generate", "admin"], { rateLimit: 100_000, burst: 100_000 });
    const doc = (await t.call("GET", "/openapi.json")).body;
    const ops: [string, string][] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) for (const method of Object.keys(item)) ops.push([method.toUpperCase(), path]);
    expect(ops.length).toBeGreaterThanOrEqual(12);
    const bodies = ['{"', "[]", "null", '"x"', "1e999", '{"events":{}}', '{"batch":"x"}', '{"userId":5}', "\u0000"];
    const failures: string[] = [];
    for (const [method, template] of ops) {
      for (const id of ["x", "%00", "a".repeat(300)]) {
        const path = template.replace(/\{[^}]+\}/g, id);
        const probes = method === "GET" || method === "DELETE" ? [undefined] : bodies;
        for (const raw of probes) {
          for (const query of ["", "?limit=abc&top=-1&events=999&before=x&zzz=1"]) {
            const r = await t.call(method, path + query, raw === undefined ? { key } : { key, raw });
            // The OpenAI-compatible routes answer OpenAI's error shape (request_id), the rest our envelope.
            const ok = r.status < 300 || (r.status >= 400 && r.status < 500 && typeof r.body?.error?.code === "string" && (r.body.error.requestId || r.body.error.request_id));
            if (r.status === 429) failures.push(`${method} ${path}${query}: rate limited, so not probed`);
            if (!ok) failures.push(`${method} ${path}${query} ${JSON.stringify(raw)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("unknown routes are a 404 envelope", async () => {
    const t = setup();
    const r = await t.call("GET", "/v1/nothing-here", { key: t.key("acme") });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
  });
});
