import { describe, expect, it } from "vitest";
import { ev, expectEnvelope, rows, setup } from "./helpers.ts";

const anon = (id: string, extra: Record<string, unknown> = {}) => {
  const e: Record<string, unknown> = { ...ev(id, extra) };
  delete e.userId;
  return { anonymousId: "dev-1", ...e, ...extra };
};

describe("identity resolution", () => {
  it("an anonymous visitor's history moves onto the user when an event links the two ids", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a1", { timestamp: "2026-11-20T10:00:00Z" }), anon("a2")] } });
    expect(rows(t.db, "SELECT user_id, event_count FROM profiles")).toEqual([{ user_id: "anon:dev-1", event_count: 2 }]);
    await t.call("POST", "/v1/events", { key, body: { events: [ev("u1", { userId: "alice", anonymousId: "dev-1" })] } });
    expect(rows(t.db, "SELECT DISTINCT user_id FROM events")).toEqual([{ user_id: "alice" }]);
    expect(rows(t.db, "SELECT user_id, event_count, first_active_day FROM profiles")).toEqual([
      { user_id: "alice", event_count: 3, first_active_day: rows(t.db, "SELECT min(day) AS d FROM events")[0].d },
    ]);
    expect(rows(t.db, "SELECT DISTINCT user_id FROM user_daily")).toEqual([{ user_id: "alice" }]);
    // Later anonymous events of the linked device land on the user, and the id finds the profile.
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a3")] } });
    expect(rows(t.db, "SELECT user_id FROM events WHERE message_id = 'a3'")).toEqual([{ user_id: "alice" }]);
    const p = await t.call("GET", "/v1/users/dev-1", { key });
    expect(p.body.userId).toBe("alice");
    expect(p.body.identities).toEqual([expect.objectContaining({ kind: "anonymous_id", value: "dev-1" })]);
  });

  it("a duplicate event does not link ids (first write wins)", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", { key, body: { events: [ev("x", { userId: "alice" })] } });
    await t.call("POST", "/v1/events", { key, body: { events: [ev("x", { userId: "alice", anonymousId: "dev-9" })] } });
    expect(rows(t.db, "SELECT count(*) AS n FROM identities")).toEqual([{ n: 0 }]);
  });

  it("identify sets traits (null removes one), links ids and creates the profile", async () => {
    const t = setup();
    const key = t.key("acme");
    let r = await t.call("POST", "/v1/identify", { key, body: { userId: "bob", traits: { city_tier: 1, vip: true, nick: "B" } } });
    expect(r.body).toEqual({ userId: "bob", conflicts: [] });
    r = await t.call("POST", "/v1/identify", { key, body: { userId: "bob", traits: { nick: null, age_band: "25-34" } } });
    const p = await t.call("GET", "/v1/users/bob", { key });
    expect(p.body.traits).toEqual({ city_tier: 1, vip: true, age_band: "25-34" });
    expect(p.body.tags.basic).toEqual(p.body.traits);
    expect(p.body.tags.result).toBeNull();
    expect(p.body.tags.predictive).toBeNull();
  });

  it("two users sharing a channel id are not merged: both profiles show the conflict", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/identify", { key, body: { userId: "u-a", channels: { wechat_openid: "wx-1", phone_hash: "h1" } } });
    const r = await t.call("POST", "/v1/identify", { key, body: { userId: "u-b", channels: { wechat_openid: "wx-1" } } });
    expect(r.body.conflicts).toEqual([{ kind: "wechat_openid", value: "wx-1" }]);
    const a = (await t.call("GET", "/v1/users/u-a", { key })).body;
    const b = (await t.call("GET", "/v1/users/u-b", { key })).body;
    expect(a.userId).toBe("u-a");
    expect(b.userId).toBe("u-b");
    expect(a.conflicts).toEqual([expect.objectContaining({ kind: "wechat_openid", value: "wx-1", role: "owner", claimantUserId: "u-b" })]);
    expect(b.conflicts).toEqual([expect.objectContaining({ kind: "wechat_openid", value: "wx-1", role: "claimant", ownerUserId: "u-a" })]);
    expect(a.identities.map((i: any) => i.kind).sort()).toEqual(["phone_hash", "wechat_openid"]);
    expect(b.identities).toEqual([]);
  });

  it("alias merges history, rollups and traits; later events under the old id land on the new one", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", {
      key,
      body: {
        events: [
          ev("o1", { userId: "old", name: "purchase", timestamp: "2026-11-10T10:00:00Z", properties: { amount: 30 } }),
          ev("o2", { userId: "old", timestamp: "2026-11-11T10:00:00Z" }),
          ev("n1", { userId: "new", timestamp: "2026-11-11T11:00:00Z" }),
        ],
      },
    });
    await t.call("POST", "/v1/identify", { key, body: { userId: "old", traits: { city_tier: 2, gender: "f" } } });
    await t.call("POST", "/v1/identify", { key, body: { userId: "new", traits: { city_tier: 1 } } });
    const r = await t.call("POST", "/v1/alias", { key, body: { previousId: "old", userId: "new" } });
    expect(r.body).toEqual({ userId: "new", merged: "old" });
    expect(rows(t.db, "SELECT user_id, count(*) AS n FROM events GROUP BY 1")).toEqual([{ user_id: "new", n: 3 }]);
    expect(rows(t.db, "SELECT name, count, amount FROM user_daily WHERE user_id = 'new' ORDER BY day, name")).toEqual([
      { name: "purchase", count: 1, amount: 30 },
      { name: "play_song", count: 2, amount: 0 },
    ]);
    expect(rows(t.db, "SELECT count(*) AS n FROM user_daily WHERE user_id = 'old'")).toEqual([{ n: 0 }]);
    const p = (await t.call("GET", "/v1/users/old", { key })).body;
    expect(p.userId).toBe("new");
    expect(p.traits).toEqual({ city_tier: 1, gender: "f" });
    expect(p.tags.behaviour.eventCount).toBe(3);
    expect(p.tags.behaviour.firstActiveDay).toBe("2026-11-10");
    await t.call("POST", "/v1/events", { key, body: { events: [ev("o3", { userId: "old" })] } });
    expect(rows(t.db, "SELECT user_id FROM events WHERE message_id = 'o3'")).toEqual([{ user_id: "new" }]);
    // The trait catalog counts profiles: one profile holds city_tier now.
    const cat = (await t.call("GET", "/v1/catalog", { key })).body;
    expect(cat.traits.find((x: any) => x.key === "city_tier")).toMatchObject({ count: 1, topValues: [{ value: 1, count: 1 }] });
    // Aliasing again, or the other way round, changes nothing.
    expect((await t.call("POST", "/v1/alias", { key, body: { previousId: "old", userId: "new" } })).body.merged).toBeNull();
    expect((await t.call("POST", "/v1/alias", { key, body: { previousId: "new", userId: "old" } })).body.merged).toBeNull();
    expect(rows(t.db, "SELECT user_id FROM profiles")).toEqual([{ user_id: "new" }]);
  });

  it("alias of an id never seen redirects its future events", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/alias", { key, body: { previousId: "legacy-7", userId: "carol" } });
    await t.call("POST", "/v1/events", { key, body: { events: [ev("l1", { userId: "legacy-7" })] } });
    expect(rows(t.db, "SELECT user_id FROM events")).toEqual([{ user_id: "carol" }]);
  });

  it("alias with an anonymous id merges the visitor", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", { key, body: { events: [anon("a1")] } });
    const r = await t.call("POST", "/v1/alias", { key, body: { previousId: "dev-1", userId: "dave" } });
    expect(r.body.userId).toBe("dave");
    expect(rows(t.db, "SELECT user_id FROM profiles")).toEqual([{ user_id: "dave" }]);
    expect(rows(t.db, "SELECT user_id FROM events")).toEqual([{ user_id: "dave" }]);
  });

  it("rejects bad identify and alias bodies with a 400 envelope naming the field", async () => {
    const t = setup();
    const key = t.key("acme");
    const r = await t.call("POST", "/v1/identify", { key, body: { userId: "", traits: {} } });
    expectEnvelope(r, 400, "validation_failed");
    expect(r.body.error.details[0].path).toBe("userId");
    expectEnvelope(await t.call("POST", "/v1/identify", { key, body: { userId: "a", channels: { fax: "1" } } }), 400);
    expectEnvelope(await t.call("POST", "/v1/alias", { key, body: { previousId: "a" } }), 400);
    expectEnvelope(await t.call("POST", "/v1/alias", { key, raw: "nope" }), 400, "malformed_json");
  });
});
