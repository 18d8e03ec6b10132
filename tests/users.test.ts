import { describe, expect, it } from "vitest";
import { ev, expectEnvelope, rows, setup } from "./helpers.ts";

async function importAs(t: ReturnType<typeof setup>, key: string, type: string, text: string) {
  return t.call("POST", "/v1/users/import", { key, raw: text, headers: { "content-type": type } });
}

describe("users", () => {
  it("GET /v1/users/:id gives traits, the four tag layers, identities and latest events", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", {
      key,
      body: {
        events: [
          ev("1", { timestamp: "2026-11-24T01:00:00Z" }),
          ev("2", { name: "purchase", timestamp: "2026-11-20T01:00:00Z", properties: { amount: 12.5 } }),
          ev("3", { timestamp: "2026-09-01T01:00:00Z" }),
        ],
      },
    });
    await t.call("POST", "/v1/identify", { key, body: { userId: "u1", anonymousId: "dev", traits: { city_tier: 1 }, channels: { device_id: "d1" } } });
    const p = (await t.call("GET", "/v1/users/u1?events=2", { key })).body;
    expect(p.traits).toEqual({ city_tier: 1 });
    expect(p.tags.behaviour).toMatchObject({
      firstActiveDay: "2026-09-01",
      lastActiveDay: "2026-11-24",
      daysSinceLastActive: 0,
      activeDays7: 2,
      activeDays30: 2,
      activeDays90: 3,
      eventCount: 3,
      totalAmount: 12.5,
      eventCounts: { play_song: 2, purchase: 1 },
    });
    expect(p.identities.map((i: any) => [i.kind, i.value])).toEqual([
      ["anonymous_id", "dev"],
      ["device_id", "d1"],
    ]);
    expect(p.latestEvents.map((e: any) => e.id)).toEqual(["1", "2"]);
    expectEnvelope(await t.call("GET", "/v1/users/nobody", { key }), 404, "not_found");
  });

  it("imports users from CSV with typed traits, and counts created, updated and rejected rows", async () => {
    const t = setup();
    const key = t.key("acme");
    const csv = 'userId,city_tier,vip,nick,phone_hash,zip\nu1,1,true,"Lee, Jr.",h1,007\nu2,2,false,,h2,100\n,3,true,x,h3,1\nu4,1\n';
    const r = await importAs(t, key, "text/csv", csv);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ rows: 4, created: 2, updated: 0, rejected: 2 });
    expect(r.body.errors.map((e: any) => [e.line, e.code])).toEqual([
      [4, "invalid_user"],
      [5, "column_count"],
    ]);
    const u1 = (await t.call("GET", "/v1/users/u1", { key })).body;
    expect(u1.traits).toEqual({ city_tier: 1, vip: true, nick: "Lee, Jr.", zip: "007" });
    expect(u1.identities).toEqual([expect.objectContaining({ kind: "phone_hash", value: "h1" })]);
    const again = await importAs(t, key, "text/csv", "userId,city_tier\nu1,3\n");
    expect(again.body).toMatchObject({ created: 0, updated: 1 });
    expect((await t.call("GET", "/v1/users/u1", { key })).body.traits.city_tier).toBe(3);
  });

  it("imports users from NDJSON (identify bodies), rejecting bad lines by number", async () => {
    const t = setup();
    const key = t.key("acme");
    const nd = '{"userId":"a","traits":{"age_band":"18-24"}}\n\nnot json\n{"userId":"b","bogus":1}\n{"userId":"c"}\n';
    const r = await importAs(t, key, "application/x-ndjson", nd);
    expect(r.body).toMatchObject({ rows: 4, created: 2, rejected: 2 });
    expect(r.body.errors.map((e: any) => [e.line, e.code])).toEqual([
      [3, "malformed_json"],
      [4, "invalid_user"],
    ]);
    expectEnvelope(await importAs(t, key, "application/json", "{}"), 415, "unsupported_media_type");
    expectEnvelope(await importAs(t, key, "text/csv", "name,age\nx,1\n"), 400, "validation_failed");
    expectEnvelope(await importAs(t, key, "application/x-ndjson", "nope\n"), 400, "validation_failed");
  });

  it("DELETE /v1/users/:id removes events, rollups, identities and profile, and the catalog's counts", async () => {
    const t = setup();
    const key = t.key("acme");
    await t.call("POST", "/v1/events", {
      key,
      body: { events: [ev("1", { properties: { genre: "rock" } }), ev("2", { userId: "keep", properties: { genre: "rock" } })] },
    });
    await t.call("POST", "/v1/identify", { key, body: { userId: "u1", anonymousId: "dev", traits: { tier: "gold" } } });
    const r = await t.call("DELETE", "/v1/users/u1", { key });
    expect(r.body).toEqual({ userId: "u1", deleted: { events: 1, identities: 1, profile: 1, tastes: 0, personaChats: 0, personaMessages: 0, personaMemories: 0 } });
    for (const table of ["events", "user_daily", "identities", "profiles"])
      expect(rows(t.db, `SELECT count(*) AS n FROM ${table} WHERE user_id = 'u1'`)).toEqual([{ n: 0 }]);
    expect(rows(t.db, "SELECT count(*) AS n FROM events")).toEqual([{ n: 1 }]);
    const cat = (await t.call("GET", "/v1/catalog", { key })).body;
    expect(cat.events).toEqual([expect.objectContaining({ name: "play_song", count: 1 })]);
    expect(cat.events[0].properties[0].topValues).toEqual([{ value: "rock", count: 1 }]);
    expect(cat.traits).toEqual([]);
    expectEnvelope(await t.call("DELETE", "/v1/users/u1", { key }), 404);
  });
});

describe("GET /v1/catalog", () => {
  it("lists event names, properties by type with top values, and trait keys, kept at ingest", async () => {
    const t = setup();
    const key = t.key("acme");
    const events = [
      ev("1", { properties: { genre: "rock", completion: 0.5, n: 1 } }),
      ev("2", { properties: { genre: "rock", n: "1" } }),
      ev("3", { properties: { genre: "pop", flag: true } }),
      ev("4", { name: "purchase", properties: { amount: 9.9 } }),
    ];
    await t.call("POST", "/v1/events", { key, body: { events } });
    await t.call("POST", "/v1/events", { key, body: { events } }); // all duplicates: nothing moves
    await t.call("POST", "/v1/identify", { key, body: { userId: "u1", traits: { city_tier: 1 } } });
    await t.call("POST", "/v1/identify", { key, body: { userId: "u2", traits: { city_tier: 1 } } });
    await t.call("POST", "/v1/identify", { key, body: { userId: "u2", traits: { city_tier: 2 } } });
    const cat = (await t.call("GET", "/v1/catalog", { key })).body;
    expect(cat.events.map((e: any) => [e.name, e.count])).toEqual([
      ["play_song", 3],
      ["purchase", 1],
    ]);
    const props = Object.fromEntries(cat.events[0].properties.map((p: any) => [p.name, p]));
    expect(props.genre).toMatchObject({ count: 3, types: { text: 3 }, topValues: [{ value: "rock", count: 2 }, { value: "pop", count: 1 }] });
    expect(props.n).toMatchObject({ count: 2, types: { integer: 1, text: 1 } });
    expect(props.n.topValues).toEqual(expect.arrayContaining([{ value: 1, count: 1 }, { value: "1", count: 1 }]));
    expect(props.completion).toMatchObject({ count: 1, types: { real: 1 }, topValues: [] });
    expect(cat.traits).toEqual([
      { key: "city_tier", count: 2, types: { integer: 2 }, topValues: [{ value: 1, count: 1 }, { value: 2, count: 1 }] },
    ]);
    const one = (await t.call("GET", "/v1/catalog?event=purchase&top=1", { key })).body;
    expect(one.events.map((e: any) => e.name)).toEqual(["purchase"]);
  });
});
