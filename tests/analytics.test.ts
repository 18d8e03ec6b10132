import { beforeAll, describe, expect, it } from "vitest";
import { ev, expectEnvelope, setup } from "./helpers.ts";

/**
 * A tiny log, NOW = 2026-11-24 20:00 Shanghai. Times are UTC; +8 h gives the local day.
 *   u1: view 11-01 10:00Z, add_to_cart 11-01 10:05Z, purchase 11-01 11:05Z; active 11-02, 11-08
 *   u2: view 11-01, add_to_cart 11-03 (2 days later); active 11-02 (push_received only on 11-08)
 *   u3: view 11-02, purchase 11-02 (skips the cart: no conversion past step 1)
 *   u4: view 11-05; add_to_cart 11-20 (15 days later: outside a 7-day window)
 * Traits: u1, u2 city_tier 1; u3 city_tier 2; u4 none.
 */
const t = setup();
const key = t.key("shop");
const e = (id: string, userId: string, name: string, ts: string, properties: Record<string, unknown> = {}) => ({ id, userId, name, timestamp: ts, properties });

beforeAll(async () => {
  const events = [
    e("1", "u1", "view", "2026-11-01T10:00:00Z", { page: "home" }),
    e("2", "u1", "add_to_cart", "2026-11-01T10:05:00Z"),
    e("3", "u1", "purchase", "2026-11-01T11:05:00Z", { amount: 10 }),
    e("4", "u1", "view", "2026-11-02T10:00:00Z"),
    e("5", "u1", "view", "2026-11-08T10:00:00Z"),
    e("6", "u2", "view", "2026-11-01T12:00:00Z", { page: "search" }),
    e("7", "u2", "add_to_cart", "2026-11-03T12:00:00Z"),
    e("8", "u2", "view", "2026-11-02T12:00:00Z"),
    e("9", "u2", "push_received", "2026-11-08T12:00:00Z"),
    e("10", "u3", "view", "2026-11-02T01:00:00Z", { page: "home" }),
    e("11", "u3", "purchase", "2026-11-02T01:30:00Z", { amount: 5 }),
    e("12", "u4", "view", "2026-11-05T01:00:00Z"),
    e("13", "u4", "add_to_cart", "2026-11-20T01:00:00Z"),
  ];
  expect((await t.call("POST", "/v1/events", { key, body: { events } })).body.accepted).toBe(13);
  for (const [u, tier] of [["u1", 1], ["u2", 1], ["u3", 2]] as const) await t.call("POST", "/v1/identify", { key, body: { userId: u, traits: { city_tier: tier } } });
});

const post = async (name: string, body: unknown) => {
  const r = await t.call("POST", `/v1/analytics/${name}`, { key, body });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body;
};

describe("funnel", () => {
  it("counts ordered steps within the conversion window, with median times", async () => {
    const f = await post("funnel", { steps: [{ event: "view" }, { event: "add_to_cart" }, { event: "purchase" }], range: { from: "2026-11-01", to: "2026-11-30" } });
    expect(f.steps.map((s: any) => s.users)).toEqual([4, 2, 1]); // u4's cart is 15 days on; u3 never carts
    expect(f.steps[1]).toMatchObject({ conversionFromPrevious: 0.5, medianSecondsFromPrevious: (300 + 172800) / 2 });
    expect(f.steps[2]).toMatchObject({ conversionFromPrevious: 0.5, conversionFromFirst: 0.25, medianSecondsFromPrevious: 3600 });
    const wide = await post("funnel", { steps: [{ event: "view" }, { event: "add_to_cart" }], range: { from: "2026-11-01", to: "2026-11-30" }, conversionWindowDays: 30 });
    expect(wide.steps[1].users).toBe(3);
  });

  it("filters steps on properties and breaks down by a trait", async () => {
    const f = await post("funnel", {
      steps: [{ event: "view", where: [{ property: "page", op: "eq", value: "home" }] }, { event: "purchase" }],
      range: { from: "2026-11-01", to: "2026-11-30" },
      breakdown: "city_tier",
    });
    expect(f.steps.map((s: any) => s.users)).toEqual([2, 2]);
    expect(f.breakdown).toEqual([
      { value: "1", steps: [expect.objectContaining({ users: 1 }), expect.objectContaining({ users: 1 })] },
      { value: "2", steps: [expect.objectContaining({ users: 1 }), expect.objectContaining({ users: 1 })] },
    ]);
  });
});

describe("retention", () => {
  it("day cohorts, retained on exactly day N; receipts are not activity", async () => {
    const r = await post("retention", { range: { from: "2026-11-01", to: "2026-11-05" }, days: [1, 7] });
    const c = Object.fromEntries(r.cohorts.map((x: any) => [x.cohort, x]));
    expect(c["2026-11-01"].users).toBe(2);
    expect(c["2026-11-01"].retention.d1).toEqual({ retained: 2, observed: 2, rate: 1 });
    expect(c["2026-11-01"].retention.d7).toEqual({ retained: 1, observed: 2, rate: 0.5 }); // u2's day 7 was a push receipt
    expect(c["2026-11-02"]).toMatchObject({ users: 1, retention: { d1: { retained: 0 } } });
    expect(c["2026-11-05"].retention.d7).toEqual({ retained: 0, observed: 1, rate: 0 });
  });

  it("rolling retention, week cohorts, and a breakdown", async () => {
    const r = await post("retention", { range: { from: "2026-11-01", to: "2026-11-05" }, days: [7], rolling: true, granularity: "week" });
    // Weeks start on Monday: 11-01 is a Sunday (week of 10-26); 11-02..11-05 fall in the week of 11-02.
    expect(r.cohorts.map((x: any) => [x.cohort, x.users, x.retention.d7.retained])).toEqual([
      ["2026-10-26", 2, 1],
      ["2026-11-02", 2, 1], // u4 came back on day 15
    ]);
    const b = await post("retention", { range: { from: "2026-11-01", to: "2026-11-01" }, days: [1], breakdown: "city_tier" });
    expect(b.cohorts).toEqual([{ cohort: "2026-11-01", value: "1", users: 2, retention: { d1: { retained: 2, observed: 2, rate: 1 } } }]);
  });
});

describe("trend and paths", () => {
  it("DAU, WAU, MAU and events per day", async () => {
    const r = await post("trend", { range: { from: "2026-11-01", to: "2026-11-08" } });
    const d = Object.fromEntries(r.days.map((x: any) => [x.day, x]));
    expect(d["2026-11-01"]).toEqual({ day: "2026-11-01", dau: 2, wau: 2, mau: 2, events: 4 }); // u3's 01:00Z is 11-02 locally
    expect(d["2026-11-02"]).toMatchObject({ dau: 3, wau: 3, mau: 3 });
    // 11-02..11-08 holds all four users; on 11-08 only u1 is active, and u2's receipt is an event, not activity.
    expect(d["2026-11-08"]).toMatchObject({ dau: 1, wau: 4, mau: 4, events: 2 });
    expect((await post("trend", { range: { from: "2026-11-01", to: "2026-11-01" }, event: "purchase" })).days[0].events).toBe(1);
  });

  it("next events after an event", async () => {
    const r = await post("paths", { event: "view", range: { from: "2026-11-01", to: "2026-11-30" } });
    expect(r.occurrences).toBe(7);
    // view → add_to_cart: u1, u2 (after its second view), u4; view → view: u1 (11-02 → 11-08), u2; view → purchase: u3.
    expect(r.next).toEqual([
      { event: "add_to_cart", count: 3, share: 0.4286 },
      { event: "view", count: 2, share: 0.2857 },
      { event: "purchase", count: 1, share: 0.1429 },
    ]);
    expect(r.ended).toBe(1);
  });

  it("rejects bad input with a 400 envelope", async () => {
    expectEnvelope(await t.call("POST", "/v1/analytics/funnel", { key, body: { steps: [{ event: "x" }] } }), 400);
    expectEnvelope(await t.call("POST", "/v1/analytics/retention", { key, body: { range: { from: "2026-11-05", to: "2026-11-01" } } }), 400);
    expectEnvelope(await t.call("POST", "/v1/analytics/paths", { key, body: {} }), 400);
  });
});

/**
 * One event is one step: a later step needs a later event row (by time, then by the stored order
 * for events at the same instant). Own database; NOW = 2026-11-24 20:00 Shanghai, events in
 * November. Each ingest call is its own batch, so events sent later are stored later.
 */
describe("repeated steps take distinct, later events", () => {
  const r = setup();
  const k = r.key("music");
  const send = async (...events: Record<string, unknown>[]) => {
    const res = await r.call("POST", "/v1/events", { key: k, body: { events } });
    expect(res.body.accepted).toBe(events.length);
  };
  const run = async (name: string, body: unknown) => {
    const res = await r.call("POST", `/v1/analytics/${name}`, { key: k, body });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return res.body;
  };
  const NOV = { from: "2026-11-01", to: "2026-11-30" };
  const users = (f: any) => f.steps.map((s: any) => s.users);
  const play = (id: string, userId: string, timestamp: string, genre = "pop") => ev(id, { userId, timestamp, properties: { genre } });
  const buy = (id: string, userId: string, timestamp: string) => ev(id, { userId, name: "purchase", timestamp, properties: { amount: 9 } });

  beforeAll(async () => {
    await send(
      // Plays: x once; y twice, 10 minutes apart; z three times, 1 h and then 2 h apart.
      play("p1", "x", "2026-11-10T02:00:00Z"),
      play("p2", "y", "2026-11-10T02:00:00Z"),
      play("p3", "y", "2026-11-10T02:10:00Z"),
      play("p4", "z", "2026-11-10T02:00:00Z"),
      play("p5", "z", "2026-11-10T03:00:00Z"),
      play("p6", "z", "2026-11-10T05:00:00Z"),
      // Purchases: b1 and b2 once; b3, b4, b5 twice (1, 2 and 3 hours apart); b6 twice 10 days apart.
      buy("b1", "b1", "2026-11-05T02:00:00Z"),
      buy("b2", "b2", "2026-11-06T02:00:00Z"),
      buy("b3a", "b3", "2026-11-05T02:00:00Z"),
      buy("b3b", "b3", "2026-11-05T03:00:00Z"),
      buy("b4a", "b4", "2026-11-05T02:00:00Z"),
      buy("b4b", "b4", "2026-11-05T04:00:00Z"),
      buy("b5a", "b5", "2026-11-05T02:00:00Z"),
      buy("b5b", "b5", "2026-11-05T05:00:00Z"),
      buy("b6a", "b6", "2026-11-02T02:00:00Z"),
      buy("b6b", "b6", "2026-11-12T02:00:00Z"),
      // Genres: r1 plays one rock song; r2 a rock song, then a pop one.
      play("g1", "r1", "2026-11-11T02:00:00Z", "rock"),
      play("g2", "r2", "2026-11-11T02:00:00Z", "rock"),
      play("g3", "r2", "2026-11-11T02:30:00Z", "pop"),
    );
    // Ties in time: t2 plays twice at one instant, t1 once; w adds to cart, then (stored later, same
    // instant) views; v views, then (stored later, same instant) adds to cart.
    await send(play("t1", "t1", "2026-11-15T02:00:00Z"), play("t2a", "t2", "2026-11-15T02:00:00Z"));
    await send(play("t2b", "t2", "2026-11-15T02:00:00Z"));
    await send(ev("w1", { userId: "w", name: "add_to_cart", timestamp: "2026-11-16T02:00:00Z" }), ev("v1", { userId: "v", name: "view", timestamp: "2026-11-16T02:00:00Z" }));
    await send(ev("w2", { userId: "w", name: "view", timestamp: "2026-11-16T02:00:00Z" }), ev("v2", { userId: "v", name: "add_to_cart", timestamp: "2026-11-16T02:00:00Z" }));
    // Paths: n plays on the range's last day (11-20) and likes the next day, after the range.
    await send(play("n1", "n", "2026-11-20T10:00:00Z"), ev("n2", { userId: "n", name: "like", timestamp: "2026-11-21T02:00:00Z" }));
  });

  it("a two-step funnel of one event needs two of them, with the time between them", async () => {
    const f = await run("funnel", { steps: [{ event: "play_song" }, { event: "play_song" }], range: { from: "2026-11-10", to: "2026-11-10" } });
    expect(users(f)).toEqual([3, 2]); // x played once
    expect(f.steps[1]).toMatchObject({ conversionFromPrevious: 0.6667, medianSecondsFromPrevious: (600 + 3600) / 2 });
  });

  it("a three-step funnel of one event needs three", async () => {
    const f = await run("funnel", { steps: [{ event: "play_song" }, { event: "play_song" }, { event: "play_song" }], range: { from: "2026-11-10", to: "2026-11-10" } });
    expect(users(f)).toEqual([3, 2, 1]); // only z played three times
    expect(f.steps[2]).toMatchObject({ conversionFromFirst: 0.3333, medianSecondsFromPrevious: 7200 });
  });

  it("events at the same instant are two steps only as two rows, in stored order", async () => {
    const same = await run("funnel", { steps: [{ event: "play_song" }, { event: "play_song" }], range: { from: "2026-11-15", to: "2026-11-15" } });
    expect(users(same)).toEqual([2, 1]); // t2's two plays, not t1's one
    expect(same.steps[1].medianSecondsFromPrevious).toBe(0);
    const order = await run("funnel", { steps: [{ event: "view" }, { event: "add_to_cart" }], range: { from: "2026-11-16", to: "2026-11-16" } });
    expect(users(order)).toEqual([2, 1]); // v's cart was stored after its view; w's before
  });

  it("repurchase (复购率): exactly the share of buyers who bought again, with the median gap", async () => {
    const f = await run("funnel", { steps: [{ event: "purchase" }, { event: "purchase" }], range: NOV, conversionWindowDays: 30 });
    expect(users(f)).toEqual([6, 4]); // b1 and b2 bought once
    expect(f.steps[1].conversionFromFirst).toBe(0.6667);
    expect(f.steps[1].medianSecondsFromPrevious).toBe((7200 + 10800) / 2); // 1 h, 2 h, 3 h, 10 days
  });

  it("the conversion window applies to the second event, not to the first one again", async () => {
    const f = await run("funnel", { steps: [{ event: "purchase" }, { event: "purchase" }], range: NOV, conversionWindowDays: 7 });
    expect(users(f)).toEqual([6, 3]); // b6 bought again 10 days later
    expect(f.steps[1].medianSecondsFromPrevious).toBe(7200);
  });

  it("overlapping filters on one event: one rock play is not also the play after it", async () => {
    const f = await run("funnel", {
      steps: [{ event: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }] }, { event: "play_song" }],
      range: { from: "2026-11-11", to: "2026-11-11" },
    });
    expect(users(f)).toEqual([2, 1]); // r2 played on after its rock song; r1 did not
    expect(f.steps[1].medianSecondsFromPrevious).toBe(1800);
  });

  it("paths: X → X is a later X, and an event whose next one falls after the range has not ended", async () => {
    const p = await run("paths", { event: "play_song", range: { from: "2026-11-10", to: "2026-11-20" } });
    // 6 plays on 11-10, 3 on 11-11, 3 on 11-15, n's on 11-20.
    expect(p.occurrences).toBe(13);
    // play → play: y 1, z 2, r2 1, t2 1 (same instant, stored later); n's next is a like on 11-21.
    expect(p.next).toEqual([{ event: "play_song", count: 5, share: 0.3846 }, { event: "like", count: 1, share: 0.0769 }]);
    expect(p.ended).toBe(7); // x, y, z, r1, r2, t1, t2: each one's last play
  });
});
