import { beforeAll, describe, expect, it } from "vitest";
import { expectEnvelope, setup } from "./helpers.ts";

/**
 * A fixed dataset; asOf is NOW = 2026-11-24T12:00Z = 20:00 in Shanghai, so "today" is 11-24 and
 * `within: {days: 7}` is 11-18..11-24. Times are 04:00Z = 12:00 local unless noted.
 *   alice  traits {city_tier:1, vip:true, tags:[rock,pop], nick:"Ali"}; play_song rock ×3 on 11-20,
 *          pop ×1 on 11-24 18:00 local, jazz ×10 on 11-12; purchase 30 on 11-10 and 20 on 11-23
 *   bob    {city_tier:2, vip:false, nick:"Bob"}; play_song rock ×5 on 10-01;
 *          purchase 99 on 11-24 21:00 local, AFTER asOf
 *   carol  {city_tier:"1"} (a string); add_to_cart 11-22; push_received 11-23 (not activity)
 *   erin   no traits; play_song ×1 on 11-15, ×3 on 11-21
 *   dave   identified, no events; anon:dev1 app_open 11-24 09:00 local
 */
const t = setup();
const key = t.key("acme", ["ingest", "operator", "admin"]);
const at = (d: string, time = "04:00") => `${d}T${time}:00Z`;
const plays = (user: string, n: number, day: string, genre: string, prefix: string, time?: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, userId: user, name: "play_song", timestamp: at(day, time), properties: { genre } }));

beforeAll(async () => {
  const events = [
    ...plays("alice", 3, "2026-11-20", "rock", "a-r"),
    ...plays("alice", 1, "2026-11-24", "pop", "a-p", "10:00"),
    ...plays("alice", 10, "2026-11-12", "jazz", "a-j"),
    { id: "a-b1", userId: "alice", name: "purchase", timestamp: at("2026-11-10"), properties: { amount: 30 } },
    { id: "a-b2", userId: "alice", name: "purchase", timestamp: at("2026-11-23"), properties: { amount: 20 } },
    ...plays("bob", 5, "2026-10-01", "rock", "b-r"),
    { id: "b-b1", userId: "bob", name: "purchase", timestamp: at("2026-11-24", "13:00"), properties: { amount: 99 } },
    { id: "c-1", userId: "carol", name: "add_to_cart", timestamp: at("2026-11-22") },
    { id: "c-2", userId: "carol", name: "push_received", timestamp: at("2026-11-23") },
    ...plays("erin", 1, "2026-11-15", "folk", "e-1"),
    ...plays("erin", 3, "2026-11-21", "folk", "e-3"),
    { id: "d-1", anonymousId: "dev1", name: "app_open", timestamp: at("2026-11-24", "01:00") },
  ];
  const r = await t.call("POST", "/v1/events", { key, body: { events } });
  expect(r.body.accepted).toBe(events.length);
  for (const [userId, traits] of [
    ["alice", { city_tier: 1, vip: true, tags: ["rock", "pop"], nick: "Ali" }],
    ["bob", { city_tier: 2, vip: false, nick: "Bob" }],
    ["carol", { city_tier: "1" }],
    ["dave", {}],
  ] as const)
    await t.call("POST", "/v1/identify", { key, body: { userId, traits } });
  const set = (u: string, result: unknown, predictive: unknown) =>
    t.db.$client.prepare("UPDATE profiles SET result = ?, predictive = ? WHERE user_id = ?").run(JSON.stringify(result), JSON.stringify(predictive), u);
  set("alice", { rfm: { class: "important_value" }, lifecycle: { stage: "mature" } }, { churn: 0.1, clv: 100 });
  set("bob", { rfm: { class: "general_win_back" }, lifecycle: { stage: "dormant" } }, { churn: 0.8, clv: 100 });
  set("carol", { rfm: { class: "important_develop" }, lifecycle: { stage: "new" } }, { churn: 0.5, clv: 50 });
});

const ALL = ["alice", "anon:dev1", "bob", "carol", "dave", "erin"];
async function members(definition: unknown, asOf?: string): Promise<string[]> {
  const r = await t.call("POST", "/v1/segments/preview", { key, body: { definition, sample: 100, ...(asOf ? { asOf } : {}) } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  expect(r.body.count).toBe(r.body.sample.length);
  return r.body.sample;
}
const but = (...out: string[]) => ALL.filter((u) => !out.includes(u));

describe("segment language: traits (typed, no coercion; missing is false)", () => {
  it.each([
    [{ trait: "city_tier", op: "eq", value: 1 }, ["alice"]],
    [{ trait: "city_tier", op: "eq", value: "1" }, ["carol"]],
    [{ trait: "city_tier", op: "neq", value: 1 }, ["bob", "carol"]],
    [{ not: { trait: "city_tier", op: "eq", value: 1 } }, but("alice")],
    [{ trait: "city_tier", op: "exists" }, ["alice", "bob", "carol"]],
    [{ trait: "city_tier", op: "in", value: [1, "1"] }, ["alice", "carol"]],
    [{ trait: "city_tier", op: "gt", value: 1 }, ["bob"]],
    [{ trait: "city_tier", op: "gte", value: "1" }, ["carol"]],
    [{ trait: "tags", op: "contains", value: "rock" }, ["alice"]],
    [{ trait: "nick", op: "contains", value: "l" }, ["alice"]],
    [{ trait: "vip", op: "eq", value: true }, ["alice"]],
    [{ trait: "vip", op: "eq", value: false }, ["bob"]],
    [{ trait: "vip", op: "eq", value: 1 }, []],
    [{ trait: "nick", op: "lt", value: "B" }, ["alice"]],
  ])("%j", async (def, expected) => {
    expect(await members(def)).toEqual(expected);
  });
});

describe("segment language: behaviour", () => {
  it.each([
    [{ performed: "play_song" }, ["alice", "bob", "erin"]],
    [{ performed: "play_song", within: { days: 7 } }, ["alice", "erin"]],
    [{ performed: "play_song", within: { days: 7 }, times: { op: "gte", value: 4 } }, ["alice"]],
    [{ performed: "play_song", within: { days: 7 }, times: { op: "eq", value: 3 } }, ["erin"]],
    [{ performed: "play_song", within: { days: 7 }, times: { op: "lt", value: 1 } }, ["anon:dev1", "bob", "carol", "dave"]],
    [{ performed: "play_song", within: { days: 7 }, times: { op: "lt", value: 4 } }, but("alice")],
    [{ performed: "play_song", within: { days: 5 } }, ["alice", "erin"]], // 11-20..11-24: 11-20 is the first day, inclusive
    [{ performed: "play_song", within: { days: 4 } }, ["alice", "erin"]], // 11-21..11-24: alice's pop on 11-24, erin's 11-21
    [{ performed: "play_song", within: { days: 3 } }, ["alice"]],
    [{ performed: "play_song", within: { from: "2026-10-01", to: "2026-10-01" } }, ["bob"]],
    [{ performed: "play_song", within: { from: "2026-10-02", to: "2026-11-11" } }, []],
    [{ performed: "purchase" }, ["alice"]], // bob's purchase is after asOf
    [{ performed: "purchase", sum: { op: "gte", value: 50 } }, ["alice"]],
    [{ performed: "purchase", sum: { op: "gt", value: 50 } }, []],
    [{ performed: "purchase", times: { op: "gte", value: 0 }, sum: { op: "lt", value: 40 } }, but("alice")],
    [{ performed: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }] }, ["alice", "bob"]],
    [{ performed: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }], times: { op: "gte", value: 4 } }, ["bob"]],
    [{ performed: "play_song", within: { days: 7 }, where: [{ property: "genre", op: "in", value: ["pop", "jazz"] }] }, ["alice"]],
    [{ performed: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }], times: { op: "lt", value: 1 } }, ["anon:dev1", "carol", "dave", "erin"]],
    [{ notPerformed: "purchase", within: { days: 30 } }, but("alice")],
    [{ lastActive: { op: "lte", days: 2 } }, ["alice", "anon:dev1", "carol"]], // carol: add_to_cart 11-22; her push on 11-23 is no activity
    [{ lastActive: { op: "gt", days: 30 } }, ["bob"]],
    [{ lastActive: { op: "eq", days: 3 } }, ["erin"]],
    [{ change: { event: "play_song", days: 7, op: "drop", pct: 30 } }, ["alice"]], // 10 → 4
    [{ change: { event: "play_song", days: 7, op: "rise", pct: 100 } }, ["erin"]], // 1 → 3
    [{ change: { event: "active_days", days: 7, op: "rise", pct: 100 } }, ["alice", "anon:dev1", "carol"]], // alice 1 → 3 days; 0 → 1
  ])("%j", async (def, expected) => {
    expect(await members(def)).toEqual(expected);
  });

  it("ignores events after asOf everywhere, and counts them once asOf passes them", async () => {
    const later = "2026-11-25T00:00:00Z"; // 08:00 on 11-25 in Shanghai
    expect(await members({ performed: "purchase" }, later)).toEqual(["alice", "bob"]);
    expect(await members({ performed: "purchase", sum: { op: "gte", value: 99 } }, later)).toEqual(["bob"]);
    expect(await members({ lastActive: { op: "lte", days: 1 } }, later)).toEqual(["alice", "anon:dev1", "bob"]);
    expect(await members({ performed: "play_song", within: { days: 7 } }, "2026-11-24T09:59:59Z")).toEqual(["alice", "erin"]);
    // 11-24 17:59:59 local: alice's pop play (18:00) has not happened; her 11-20 plays still count.
    expect(await members({ performed: "play_song", within: { days: 1 } }, "2026-11-24T09:59:59Z")).toEqual([]);
    expect(await members({ performed: "play_song", within: { days: 1 } })).toEqual(["alice"]);
  });
});

describe("segment language: profile layers, buckets, combinators", () => {
  it.each([
    [{ rfm: ["important_value", "important_develop"] }, ["alice", "carol"]],
    [{ lifecycle: ["dormant"] }, ["bob"]],
    [{ score: "churn", op: "gt", value: 0.4 }, ["bob", "carol"]],
    [{ score: "p_alive", op: "gte", value: 0 }, []], // no profile has it: none match
    [{ topPercent: { score: "clv", pct: 10 } }, ["alice", "bob"]], // k = 1 of 3; the tie at 100 is in
    [{ topPercent: { score: "clv", pct: 100 } }, ["alice", "bob", "carol"]], // nulls never
    [{ randomBucket: { pct: 0, salt: "x" } }, []],
    [{ randomBucket: { pct: 100, salt: "x" } }, ALL],
    [{ and: [{ trait: "city_tier", op: "exists" }, { not: { performed: "purchase" } }] }, ["bob", "carol"]],
    [{ or: [{ lifecycle: ["new"] }, { performed: "app_open" }] }, ["anon:dev1", "carol"]],
    [{ not: { or: [{ trait: "nick", op: "exists" }, { performed: "play_song" }] } }, ["anon:dev1", "carol", "dave"]],
  ])("%j", async (def, expected) => {
    expect(await members(def)).toEqual(expected);
  });

  it("random buckets are stable, sized by pct, and differ by salt", async () => {
    const u = setup();
    const k = u.key("big");
    const events = Array.from({ length: 400 }, (_, i) => ({ id: `e${i}`, userId: `u${String(i).padStart(3, "0")}`, name: "x" }));
    await u.call("POST", "/v1/events", { key: k, body: { events } });
    const count = async (definition: unknown) => (await u.call("POST", "/v1/segments/preview", { key: k, body: { definition, sample: 400 } })).body;
    const a = await count({ randomBucket: { pct: 30, salt: "exp-1" } });
    expect(a.count).toBeGreaterThan(80);
    expect(a.count).toBeLessThan(160);
    expect((await count({ randomBucket: { pct: 30, salt: "exp-1" } })).sample).toEqual(a.sample);
    expect((await count({ randomBucket: { pct: 30, salt: "exp-2" } })).sample).not.toEqual(a.sample);
    const rest = await count({ not: { randomBucket: { pct: 30, salt: "exp-1" } } });
    expect(rest.count + a.count).toBe(400);
  });
});

describe("saved segments", () => {
  it("save, count, include in another, refuse cycles and in-use deletes, export", async () => {
    const s1 = (await t.call("POST", "/v1/segments", { key, body: { name: "一线城市 / tier 1", definition: { trait: "city_tier", op: "in", value: [1, "1"] } } })).body;
    expect(s1).toMatchObject({ count: 2, name: "一线城市 / tier 1" });
    const s2 = (await t.call("POST", "/v1/segments", { key, body: { name: "tier 1 buyers", definition: { and: [{ inSegment: s1.id }, { performed: "purchase" }] } } })).body;
    expect(s2.count).toBe(1);
    expect(await members({ inSegment: s2.id })).toEqual(["alice"]);
    const cycle = await t.call("PATCH", `/v1/segments/${s1.id}`, { key, body: { definition: { inSegment: s2.id } } });
    expectEnvelope(cycle, 400, "validation_failed");
    expect(cycle.body.error.message).toMatch(/cycle/);
    expect((await t.call("GET", `/v1/segments/${s1.id}`, { key })).body.definition).toEqual({ trait: "city_tier", op: "in", value: [1, "1"] });
    expectEnvelope(await t.call("DELETE", `/v1/segments/${s1.id}`, { key }), 409, "conflict");
    const nd = await t.app.request(`/v1/segments/${s1.id}/users`, { headers: { authorization: `Bearer ${key}` } });
    expect(nd.headers.get("content-type")).toMatch(/ndjson/);
    expect(await nd.text()).toBe('{"userId":"alice"}\n{"userId":"carol"}\n');
    const csv = await t.app.request(`/v1/segments/${s1.id}/users?format=csv`, { headers: { authorization: `Bearer ${key}` } });
    expect(await csv.text()).toBe("userId\nalice\ncarol\n");
    expect((await t.call("GET", "/v1/segments", { key })).body.segments.map((s: any) => s.id)).toEqual([s2.id, s1.id]);
    expect((await t.call("DELETE", `/v1/segments/${s2.id}`, { key })).body).toEqual({ id: s2.id, deleted: true });
    expect((await t.call("DELETE", `/v1/segments/${s1.id}`, { key })).status).toBe(200);
  });

  it("another workspace's segments are 404, and cannot be included", async () => {
    const other = t.key("elsewhere", ["operator"]);
    const s = (await t.call("POST", "/v1/segments", { key, body: { name: "mine", definition: { performed: "play_song" } } })).body;
    expectEnvelope(await t.call("GET", `/v1/segments/${s.id}`, { key: other }), 404);
    expectEnvelope(await t.call("GET", `/v1/segments/${s.id}/users`, { key: other }), 404);
    expectEnvelope(await t.call("POST", `/v1/segments/${s.id}/refresh`, { key: other }), 404);
    const r = await t.call("POST", "/v1/segments/preview", { key: other, body: { definition: { inSegment: s.id } } });
    expectEnvelope(r, 400, "validation_failed");
    expect((await t.call("POST", "/v1/segments/preview", { key: other, body: { definition: { performed: "play_song" } } })).body.count).toBe(0);
  });
});

describe("invalid definitions are a 400 naming the node path", () => {
  it.each([
    [{ and: [{ trait: "a", op: "eq", value: 1 }, { performed: "x", times: { op: "most", value: 1 } }] }, "definition.and[1].times.op"],
    [{ or: [{ bogus: 1 }] }, "definition.or[0]"],
    [{ performed: "x", extra: true }, "definition"],
    [{ not: { trait: "a", op: "gt", value: false } }, "definition.not.value"],
    [{ trait: "a", op: "eq" }, "definition.value"],
    [{ performed: "x", within: { from: "2026-11-02", to: "2026-11-01" } }, "definition.within"],
    [{ topPercent: { score: "clv", pct: 0 } }, "definition.topPercent.pct"],
    ["everyone", "definition"],
  ])("%j → %s", async (definition, path) => {
    const r = await t.call("POST", "/v1/segments/preview", { key, body: { definition } });
    expectEnvelope(r, 400, "validation_failed");
    expect(r.body.error.details.path).toBe(path);
  });
});

describe("not of a missing value is true", () => {
  it.each([
    [{ not: { score: "churn", op: "gt", value: 0.4 } }, ["alice", "anon:dev1", "dave", "erin"]],
    [{ not: { trait: "nick", op: "neq", value: "Bob" } }, ["anon:dev1", "bob", "carol", "dave", "erin"]],
    [{ not: { rfm: ["important_value"] } }, but("alice")],
  ])("%j", async (def, expected) => {
    expect(await members(def)).toEqual(expected);
  });
});
