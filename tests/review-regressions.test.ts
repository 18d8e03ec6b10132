import { describe, expect, it } from "vitest";
import { ev, expectEnvelope, expectRollupsMatchEvents, rows, setup } from "./helpers.ts";

const anon = (id: string, anonymousId: string, extra: Record<string, unknown> = {}) => {
  const e: Record<string, unknown> = { ...ev(id), anonymousId, ...extra };
  delete e.userId;
  return e;
};

/** Defects found in review; each test failed before its fix. */
describe("identity and ingest edge cases", () => {
  it("a batch that links ids in the same group commit as another batch of the user counts each event once", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a0", "A")] } });
    await Promise.all([
      t.call("POST", "/v1/events", { key, body: { events: [ev("e1", { userId: "U" })] } }),
      t.call("POST", "/v1/events", { key, body: { events: [ev("e2", { userId: "U", anonymousId: "A" })] } }),
    ]);
    expect(rows(t.db, "SELECT sum(count) AS n FROM user_daily WHERE user_id = 'U'")).toEqual([{ n: 3 }]);
    expect(rows(t.db, "SELECT event_count FROM profiles WHERE user_id = 'U'")).toEqual([{ event_count: 3 }]);
    expectRollupsMatchEvents(t.db);
  });

  it("an anonymous event and its linking event in one group commit end on one profile", async () => {
    const t = setup();
    const key = t.key("acme");
    await Promise.all([
      t.call("POST", "/v1/events", { key, body: { events: [anon("a0", "A")] } }),
      t.call("POST", "/v1/events", { key, body: { events: [ev("e1", { userId: "U", anonymousId: "A" })] } }),
    ]);
    expect(rows(t.db, "SELECT user_id, event_count FROM profiles")).toEqual([{ user_id: "U", event_count: 2 }]);
  });

  it("deeply nested properties are a per-event rejection, and do not fail another batch of the same commit", async () => {
    const t = setup();
    const a = t.key("acme");
    const b = t.key("other");
    let deep: unknown = 1;
    for (let i = 0; i < 1100; i++) deep = [deep];
    const [bad, good] = await Promise.all([
      t.call("POST", "/v1/events", { key: a, body: { events: [ev("d", { properties: { d: deep } })] } }),
      t.call("POST", "/v1/events", { key: b, body: { events: [ev("ok")] } }),
    ]);
    expectEnvelope(bad, 400, "validation_failed");
    expect(bad.body.error.details.errors[0]).toMatchObject({ index: 0, code: "invalid_event" });
    expect(good.status).toBe(200);
    expectEnvelope(await t.call("POST", "/v1/identify", { key: a, body: { userId: "u", traits: { d: deep } } }), 400);
  });

  it("alias of an anonymous profile id (anon:A) links A, so its next event lands on the user", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a0", "A")] } });
    expect((await t.call("GET", "/v1/users/A", { key })).body.userId).toBe("anon:A");
    await t.call("POST", "/v1/alias", { key, body: { previousId: "anon:A", userId: "u1" } });
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a1", "A")] } });
    expect(rows(t.db, "SELECT DISTINCT user_id FROM events")).toEqual([{ user_id: "u1" }]);
  });

  it("user ids may not start with anon: (reserved), on every way in", async () => {
    const t = setup();
    const key = t.key("acme");
    const r = await t.call("POST", "/v1/events", { key, body: { events: [ev("x", { userId: "anon:A" }), ev("y")] } });
    expect(r.body.errors).toEqual([expect.objectContaining({ index: 0, code: "invalid_event" })]);
    expectEnvelope(await t.call("POST", "/v1/identify", { key, body: { userId: "anon:A" } }), 400);
    expectEnvelope(await t.call("POST", "/v1/alias", { key, body: { previousId: "u", userId: "anon:A" } }), 400);
    const seg = await t.call("POST", "/v1/batch", { key, body: { batch: [{ type: "identify", userId: "anon:A", traits: { a: 1 } }] } });
    expectEnvelope(seg, 400);
    expect(rows(t.db, "SELECT count(*) AS n FROM profiles WHERE anonymous = 1")).toEqual([{ n: 0 }]);
  });

  it("merging two claimants of one channel id folds their conflict records", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/identify", { key, body: { userId: "u1", channels: { device_id: "D" } } });
    for (let i = 0; i < 5; i++) await t.call("POST", "/v1/identify", { key, body: { userId: "u2", channels: { device_id: "D" } } });
    await t.call("POST", "/v1/identify", { key, body: { userId: "u3", channels: { device_id: "D" } } });
    await t.call("POST", "/v1/alias", { key, body: { previousId: "u2", userId: "u3" } });
    const c = rows(t.db, "SELECT owner_user_id, claimant_user_id, count FROM identity_conflicts");
    expect(c).toEqual([{ owner_user_id: "u1", claimant_user_id: "u3", count: 6 }]);
  });

  it("alias of an id to itself stores nothing", async () => {
    const t = setup();
    const key = t.key("acme");
    expect((await t.call("POST", "/v1/alias", { key, body: { previousId: "u", userId: "u" } })).body).toEqual({ userId: "u", merged: null });
    expect(rows(t.db, "SELECT count(*) AS n FROM identities")).toEqual([{ n: 0 }]);
  });

  it("importing a user merged away by alias counts as an update of the survivor", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/identify", { key, body: { userId: "old" } });
    await t.call("POST", "/v1/alias", { key, body: { previousId: "old", userId: "new" } });
    const r = await t.call("POST", "/v1/users/import", { key, raw: "userId,tier\nold,gold\n", headers: { "content-type": "text/csv" } });
    expect(r.body).toMatchObject({ created: 0, updated: 1 });
    expect((await t.call("GET", "/v1/users/new", { key })).body.traits).toEqual({ tier: "gold" });
  });
});
