import { describe, expect, it } from "vitest";
import { ev, expectEnvelope, setup } from "./helpers.ts";

/** Workspace A's keys never see or touch workspace B's data: every resource route. */
describe("tenancy", () => {
  async function twoWorkspaces() {
    const t = setup();
    const a = t.key("a");
    const b = t.key("b");
    await t.call("POST", "/v1/events", { key: b, body: { events: [ev("b1", { userId: "bob", anonymousId: "dev-b", properties: { secret: "b-only" } })] } });
    await t.call("POST", "/v1/identify", { key: b, body: { userId: "bob", traits: { plan: "b-plan" } } });
    await t.call("POST", "/v1/events", { key: a, body: { events: [ev("a1", { userId: "alice" })] } });
    return { t, a, b };
  }

  it("GET /v1/users/:id is 404 for another workspace's user, by user id and by anonymous id", async () => {
    const { t, a, b } = await twoWorkspaces();
    expect((await t.call("GET", "/v1/users/bob", { key: b })).status).toBe(200);
    expectEnvelope(await t.call("GET", "/v1/users/bob", { key: a }), 404, "not_found");
    expectEnvelope(await t.call("GET", "/v1/users/dev-b", { key: a }), 404, "not_found");
  });

  it("DELETE /v1/users/:id is 404 for another workspace's user and deletes nothing", async () => {
    const { t, a, b } = await twoWorkspaces();
    expectEnvelope(await t.call("DELETE", "/v1/users/bob", { key: a }), 404, "not_found");
    expect((await t.call("GET", "/v1/users/bob", { key: b })).body.latestEvents).toHaveLength(1);
  });

  it("alias and identify cannot reach into another workspace", async () => {
    const { t, a, b } = await twoWorkspaces();
    await t.call("POST", "/v1/alias", { key: a, body: { previousId: "bob", userId: "alice" } });
    await t.call("POST", "/v1/identify", { key: a, body: { userId: "bob", traits: { plan: "a-plan" } } });
    const bob = (await t.call("GET", "/v1/users/bob", { key: b })).body;
    expect(bob.userId).toBe("bob");
    expect(bob.traits).toEqual({ plan: "b-plan" });
    expect(bob.latestEvents.map((e: any) => e.id)).toEqual(["b1"]);
  });

  it("GET /v1/events and GET /v1/catalog show only the key's workspace", async () => {
    const { t, a } = await twoWorkspaces();
    const tail = await t.call("GET", "/v1/events", { key: a });
    expect(tail.body.events.map((e: any) => e.id)).toEqual(["a1"]);
    expect((await t.call("GET", "/v1/events?userId=bob", { key: a })).body.events).toEqual([]);
    const cat = await t.call("GET", "/v1/catalog", { key: a });
    expect(JSON.stringify(cat.body)).not.toContain("b-only");
    expect(JSON.stringify(cat.body)).not.toContain("b-plan");
  });

  it("keys of another workspace are 404 to revoke, patch or list", async () => {
    const { t, a, b } = await twoWorkspaces();
    const bKeys = (await t.call("GET", "/v1/keys", { key: b })).body.keys;
    expect(bKeys).toHaveLength(1);
    expectEnvelope(await t.call("DELETE", `/v1/keys/${bKeys[0].id}`, { key: a }), 404, "not_found");
    expectEnvelope(await t.call("PATCH", `/v1/keys/${bKeys[0].id}`, { key: a, body: { rateLimit: 1 } }), 404, "not_found");
    const aKeys = (await t.call("GET", "/v1/keys", { key: a })).body.keys;
    expect(aKeys.map((k: any) => k.id)).not.toContain(bKeys[0].id);
    expect((await t.call("GET", "/v1/events", { key: b })).status).toBe(200);
  });

  it("the same event id in two workspaces is two events", async () => {
    const { t, a, b } = await twoWorkspaces();
    const r = await t.call("POST", "/v1/events", { key: a, body: { events: [ev("b1", { userId: "alice" })] } });
    expect(r.body.accepted).toBe(1);
    expect((await t.call("GET", "/v1/workspace", { key: a })).body.name).toBe("a");
    expect((await t.call("GET", "/v1/workspace", { key: b })).body.name).toBe("b");
  });
});
