import { describe, expect, it } from "vitest";
import { createKey, findActiveKey } from "../tools/keys/index.ts";
import { createApp } from "../server/app.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { callResult, ev, expectEnvelope, jsonInit, rows, setup } from "./helpers.ts";

describe("keys and auth", () => {
  it("401 without a key, with an unknown key, and with a revoked key", async () => {
    const t = setup();
    expectEnvelope(await t.call("GET", "/v1/events"), 401, "unauthorized");
    expectEnvelope(await t.call("GET", "/v1/events", { key: "fw_nope" }), 401, "unauthorized");
    expectEnvelope(await t.call("GET", "/v1/events", { headers: { authorization: "Token abc" } }), 401);
    const admin = t.key("acme", ["admin"]);
    const made = await t.call("POST", "/v1/keys", { key: admin, body: { name: "ci", scopes: ["operator"] } });
    expect(made.status).toBe(200);
    expect(made.body.key).toMatch(/^fw_/);
    expect(made.body.prefix).toBe(made.body.key.slice(0, 9));
    expect((await t.call("GET", "/v1/events", { key: made.body.key })).status).toBe(200);
    const revoked = await t.call("DELETE", `/v1/keys/${made.body.id}`, { key: admin });
    expect(revoked.body.revokedAt).toBeTruthy();
    expectEnvelope(await t.call("GET", "/v1/events", { key: made.body.key }), 401, "unauthorized");
  });

  it("stores only the sha256 of a key, never the key", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const stored = rows(t.db, "SELECT * FROM api_keys");
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(stored[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("403 when the key lacks the scope; admin implies every scope", async () => {
    const t = setup();
    const ingest = t.key("acme", ["ingest"]);
    const operator = t.key("acme", ["operator"]);
    expectEnvelope(await t.call("GET", "/v1/events", { key: ingest }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/events", { key: operator, body: { events: [ev("a")] } }), 403, "forbidden");
    expectEnvelope(await t.call("GET", "/v1/keys", { key: operator }), 403, "forbidden");
    expectEnvelope(await t.call("DELETE", "/v1/users/u1", { key: operator }), 403, "forbidden");
    const admin = t.key("acme", ["admin"]);
    expect((await t.call("POST", "/v1/events", { key: admin, body: { events: [ev("a")] } })).status).toBe(200);
    expect((await t.call("GET", "/v1/events", { key: admin })).status).toBe(200);
  });

  it("a key created while the app runs works at once", async () => {
    const t = setup();
    expectEnvelope(await t.call("GET", "/v1/catalog", { key: "fw_later" }), 401);
    const key = createKey(t.ctx("acme"), { scopes: ["operator"] }).key;
    expect((await t.call("GET", "/v1/catalog", { key })).status).toBe(200);
  });

  it("429 with Retry-After over the key's rate limit; the limit is settable per key", async () => {
    const t = setup();
    const admin = t.key("acme", ["admin"]);
    const slow = t.key("acme", ["operator"], { rateLimit: 1, burst: 2 });
    expect((await t.call("GET", "/v1/catalog", { key: slow })).status).toBe(200);
    expect((await t.call("GET", "/v1/catalog", { key: slow })).status).toBe(200);
    const limited = await t.call("GET", "/v1/catalog", { key: slow });
    expectEnvelope(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Time passing refills the bucket.
    t.setNow(new Date(Date.parse("2026-11-24T12:00:02Z")));
    expect((await t.call("GET", "/v1/catalog", { key: slow })).status).toBe(200);
    // Other keys are not affected, and an admin can raise the limit.
    expect((await t.call("GET", "/v1/catalog", { key: admin })).status).toBe(200);
    const list = await t.call("GET", "/v1/keys", { key: admin });
    const slowId = list.body.keys.find((k: any) => k.rateLimit === 1).id;
    const patched = await t.call("PATCH", `/v1/keys/${slowId}`, { key: admin, body: { rateLimit: 5000, burst: 10000 } });
    expect(patched.body).toMatchObject({ rateLimit: 5000, burst: 10000 });
  });

  it("a clock stepping back neither refills nor drains a key's bucket", async () => {
    const t = setup();
    const key = t.key("acme", ["operator"], { rateLimit: 10, burst: 2 });
    expect((await t.call("GET", "/v1/catalog", { key })).status).toBe(200);
    t.setNow(new Date(Date.parse("2026-11-23T12:00:00Z"))); // a day back
    expect((await t.call("GET", "/v1/catalog", { key })).status).toBe(200);
    expectEnvelope(await t.call("GET", "/v1/catalog", { key }), 429, "rate_limited");
    t.setNow(new Date(Date.parse("2026-11-23T12:00:01Z")));
    expect((await t.call("GET", "/v1/catalog", { key })).status).toBe(200);
  });

  it("accepts the key as a Basic auth user name (Segment's write key)", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const basic = "Basic " + Buffer.from(`${key}:`).toString("base64");
    const r = await t.call("POST", "/v1/batch", {
      headers: { authorization: basic },
      body: { batch: [{ type: "track", event: "x", userId: "u", messageId: "m1" }] },
    });
    expect(r.status).toBe(200);
    expect(findActiveKey(t.db, key)?.lastUsedAt).toBeTruthy();
  });

  it("validates key input", async () => {
    const t = setup();
    const admin = t.key("acme", ["admin"]);
    expectEnvelope(await t.call("POST", "/v1/keys", { key: admin, body: { scopes: ["root"] } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/keys", { key: admin, body: { scopes: [] } }), 400);
    expectEnvelope(await t.call("PATCH", "/v1/keys/key_missing", { key: admin, body: { rateLimit: 5 } }), 404);
    expectEnvelope(await t.call("PATCH", "/v1/workspace", { key: admin, body: { timezone: "Mars/Olympus" } }), 400);
  });

  it("a Workers directory app answers only the key routes, a workspace app all but them; a bad key is a 401 in both", async () => {
    const t = setup();
    const key = t.key("acme", ["admin"]);
    const grant = (secret: string) => (secret === key ? { keyId: "k", workspaceId: t.ctx("acme").workspaceId, scopes: ["admin" as const], rateLimit: 100, burst: 100 } : undefined);
    const directory = createApp({ db: t.db, prompts: repoPrompts, role: "directory" });
    const workspace = createApp({ db: t.db, prompts: repoPrompts, role: "workspace", resolveKey: grant });
    const call = async (app: ReturnType<typeof createApp>, path: string, k?: string) => callResult(await app.request(path, jsonInit("GET", k ? { key: k } : {})));
    expect((await call(directory, "/v1/keys", key)).status).toBe(200);
    expectEnvelope(await call(directory, "/v1/segments", key), 404, "not_found");
    expectEnvelope(await call(directory, "/v1/segments"), 401, "unauthorized");
    expect((await call(workspace, "/v1/segments", key)).status).toBe(200);
    expectEnvelope(await call(workspace, "/v1/keys", key), 404, "not_found");
    expectEnvelope(await call(workspace, "/v1/keys/key_x", key), 404, "not_found");
    expectEnvelope(await call(workspace, "/v1/segments", "fw_other"), 401, "unauthorized");
    // Each still describes the whole API.
    for (const app of [directory, workspace]) expect(Object.keys((await call(app, "/openapi.json")).body.paths)).toEqual(expect.arrayContaining(["/v1/keys", "/v1/segments"]));
  });
});
