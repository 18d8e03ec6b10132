import { describe, expect, it } from "vitest";
import { ev, expectEnvelope, expectRollupsMatchEvents, rows, setup } from "./helpers.ts";

describe("POST /v1/events", () => {
  it("stores events and answers accepted / duplicates / rejected", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/events", { key, body: { events: [ev("e1"), ev("e2", { name: "like" })] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 2, duplicates: 0, rejected: 0, errors: [] });
    expect(rows(t.db, "SELECT message_id, user_id, name FROM events ORDER BY seq")).toEqual([
      { message_id: "e1", user_id: "u1", name: "play_song" },
      { message_id: "e2", user_id: "u1", name: "like" },
    ]);
  });

  it("first write wins: a resent id is a duplicate even with another payload, and moves no rollup", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    await t.call("POST", "/v1/events", { key, body: { events: [ev("e1", { properties: { amount: 10 } })] } });
    const before = rows(t.db, "SELECT * FROM user_daily");
    const r = await t.call("POST", "/v1/events", {
      key,
      body: { events: [ev("e1", { name: "purchase", userId: "someone-else", properties: { amount: 99 } })] },
    });
    expect(r.body).toEqual({ accepted: 0, duplicates: 1, rejected: 0, errors: [] });
    expect(rows(t.db, "SELECT * FROM user_daily")).toEqual(before);
    expect(rows(t.db, "SELECT name, amount, user_id FROM events")).toEqual([{ name: "play_song", amount: 10, user_id: "u1" }]);
    expect(rows(t.db, "SELECT event_count FROM profiles WHERE user_id = 'u1'")).toEqual([{ event_count: 1 }]);
    expect(rows(t.db, "SELECT count(*) AS n FROM profiles WHERE user_id = 'someone-else'")).toEqual([{ n: 0 }]);
    expect(rows(t.db, "SELECT count FROM catalog_events")).toEqual([{ count: 1 }]);
  });

  it("counts a repeat within one batch as a duplicate; the first occurrence is stored", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/events", {
      key,
      body: { events: [ev("e1", { name: "first" }), ev("e1", { name: "second" }), ev("e2")] },
    });
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 });
    expect(rows(t.db, "SELECT name FROM events WHERE message_id = 'e1'")).toEqual([{ name: "first" }]);
    expect(rows(t.db, "SELECT sum(count) AS n FROM user_daily")).toEqual([{ n: 2 }]);
  });

  it("rejects bad events by index and keeps the good ones", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/events", {
      key,
      body: {
        events: [
          ev("ok1"),
          { id: "noone", name: "x" },
          ev("badts", { timestamp: "yesterday" }),
          ev("future", { timestamp: "2026-11-26T12:00:01Z" }),
          ev("old", { timestamp: "1969-12-31T23:59:59Z" }),
          ev("amount", { properties: { amount: "12" } }),
          ev("extra", { color: "red" }),
          "not an object",
          ev("ok2", { timestamp: "2026-11-25T11:59:00Z" }),
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected).toBe(7);
    expect(r.body.errors.map((e: any) => [e.index, e.code])).toEqual([
      [1, "missing_identity"],
      [2, "invalid_timestamp"],
      [3, "timestamp_out_of_range"],
      [4, "timestamp_out_of_range"],
      [5, "invalid_amount"],
      [6, "invalid_event"],
      [7, "invalid_event"],
    ]);
    expect(r.body.errors[5].message).toMatch(/color/);
  });

  it("answers 400 in the envelope when every event is rejected, with the per-index errors", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/events", { key, body: { events: [{ id: "a", name: "x" }, { nope: 1 }] } });
    expectEnvelope(r, 400, "validation_failed");
    expect(r.body.error.details).toMatchObject({ accepted: 0, rejected: 2 });
    expect(r.body.error.details.errors).toHaveLength(2);
    expect(rows(t.db, "SELECT count(*) AS n FROM events")).toEqual([{ n: 0 }]);
  });

  it("a batch of only duplicates is a 200, not an error", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    await t.call("POST", "/v1/events", { key, body: { events: [ev("e1")] } });
    const r = await t.call("POST", "/v1/events", { key, body: { events: [ev("e1")] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("accepts timestamps from 1970 up to one day ahead", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/events", {
      key,
      body: {
        events: [
          ev("a", { timestamp: "1970-01-01T00:00:00Z" }),
          ev("b", { timestamp: "2026-11-25T12:00:00+00:00" }),
          ev("c", { timestamp: "2026-11-24 18:30:00.123+0800" }),
        ],
      },
    });
    expect(r.body).toMatchObject({ accepted: 3, rejected: 0 });
    expect(rows(t.db, "SELECT occurred_at FROM events WHERE message_id = 'c'")).toEqual([{ occurred_at: Date.parse("2026-11-24T10:30:00.123Z") }]);
  });

  it("413 for more than 1,000 events or more than 1 MB", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const many = Array.from({ length: 1001 }, (_, i) => ev(`e${i}`));
    expectEnvelope(await t.call("POST", "/v1/events", { key, body: { events: many } }), 413, "payload_too_large");
    const big = [ev("big", { properties: { blob: "x".repeat(1024 * 1024) } })];
    expectEnvelope(await t.call("POST", "/v1/events", { key, body: { events: big } }), 413, "payload_too_large");
    expect(rows(t.db, "SELECT count(*) AS n FROM events")).toEqual([{ n: 0 }]);
  });

  it("malformed JSON, a wrong content type and a wrong shape are 4xx envelopes", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    expectEnvelope(await t.call("POST", "/v1/events", { key, raw: '{"events":[' }), 400, "malformed_json");
    expectEnvelope(await t.call("POST", "/v1/events", { key, raw: "{}", headers: { "content-type": "text/plain" } }), 415);
    expectEnvelope(await t.call("POST", "/v1/events", { key, body: { events: [] } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/events", { key, body: [ev("a")] }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/events", { key, body: { events: [ev("a")], extra: 1 } }), 400, "validation_failed");
  });

  it("computes days in the workspace's timezone", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest", "admin"]);
    // 2026-11-23T17:00Z is already 01:00 on the 24th in Shanghai.
    await t.call("POST", "/v1/events", { key, body: { events: [ev("sh", { timestamp: "2026-11-23T17:00:00Z" })] } });
    await t.call("PATCH", "/v1/workspace", { key, body: { timezone: "America/New_York" } });
    await t.call("POST", "/v1/events", { key, body: { events: [ev("ny", { timestamp: "2026-11-24T03:00:00Z" })] } });
    const days = rows(t.db, "SELECT message_id, day FROM events ORDER BY seq");
    const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    expect(days.map((r) => [r.message_id, iso(r.day)])).toEqual([
      ["sh", "2026-11-24"],
      ["ny", "2026-11-23"],
    ]);
  });

  it("message receipts are not activity: they never move last-active", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest", "operator"]);
    await t.call("POST", "/v1/events", { key, body: { events: [ev("a", { timestamp: "2026-11-01T10:00:00Z" })] } });
    await t.call("POST", "/v1/events", {
      key,
      body: { events: [ev("p", { name: "push_received", timestamp: "2026-11-24T10:00:00Z" }), ev("s", { name: "sms_delivered" })] },
    });
    const p = (await t.call("GET", "/v1/users/u1", { key })).body;
    expect(p.tags.behaviour.lastActiveDay).toBe("2026-11-01");
    expect(p.tags.behaviour.daysSinceLastActive).toBe(23);
    expect(p.tags.behaviour.activeDays7).toBe(0);
    expect(p.tags.behaviour.eventCount).toBe(3);
    expect(p.tags.behaviour.lastSeenAt).toBe("2026-11-24T10:00:00.000Z");
  });

  it("keeps rollups equal to a recount from raw events after mixed batches", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    for (let b = 0; b < 5; b++) {
      const events = Array.from({ length: 40 }, (_, i) =>
        ev(`e${(b * 25 + i) % 150}`, { userId: `u${i % 7}`, name: i % 3 ? "play_song" : "purchase", properties: { amount: i } }),
      );
      await t.call("POST", "/v1/events", { key, body: { events } });
    }
    expectRollupsMatchEvents(t.db);
    expect(rows(t.db, "SELECT count(*) AS n FROM profiles")).toEqual([{ n: 7 }]);
  });
});

describe("group commit", () => {
  it("concurrent requests share a commit, yet each gets exact counts and first write wins across them", async () => {
    const t = setup();
    const a = t.key("acme", ["ingest"]);
    const b = t.key("other", ["ingest"]);
    const batch = (from: number, user: string) => Array.from({ length: 30 }, (_, i) => ev(`e${from + i}`, { userId: user, name: i % 2 ? "like" : "play_song" }));
    const answers = await Promise.all([
      t.call("POST", "/v1/events", { key: a, body: { events: batch(0, "x") } }),
      t.call("POST", "/v1/events", { key: a, body: { events: batch(20, "y") } }), // 10 ids overlap the first
      t.call("POST", "/v1/events", { key: b, body: { events: batch(0, "z") } }), // same ids, other workspace
      t.call("POST", "/v1/events", { key: a, body: { events: [ev("bad", { timestamp: "nope" })] } }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 400]);
    expect(answers.slice(0, 3).map((r) => [r.body.accepted, r.body.duplicates])).toEqual([
      [30, 0],
      [20, 10],
      [30, 0],
    ]);
    expect(rows(t.db, "SELECT user_id FROM events WHERE message_id = 'e25' ORDER BY workspace_id")).toEqual([{ user_id: "x" }, { user_id: "z" }]);
    expectRollupsMatchEvents(t.db);
  });
});

describe("GET /v1/events", () => {
  it("tails the latest events, newest first, with filters and paging", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest", "operator"]);
    await t.call("POST", "/v1/events", { key, body: { events: Array.from({ length: 5 }, (_, i) => ev(`e${i}`, { name: i % 2 ? "like" : "play_song" })) } });
    const all = await t.call("GET", "/v1/events?limit=2", { key });
    expect(all.body.events.map((e: any) => e.id)).toEqual(["e4", "e3"]);
    const next = await t.call("GET", `/v1/events?limit=2&before=${all.body.nextBefore}`, { key });
    expect(next.body.events.map((e: any) => e.id)).toEqual(["e2", "e1"]);
    const likes = await t.call("GET", "/v1/events?name=like", { key });
    expect(likes.body.events.map((e: any) => e.id)).toEqual(["e3", "e1"]);
    expect(likes.body.nextBefore).toBeNull();
    expectEnvelope(await t.call("GET", "/v1/events?limit=0", { key }), 400, "validation_failed");
  });
});
