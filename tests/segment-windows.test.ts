import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32, pick } from "../lib/prng.ts";
import { compileSegment } from "../tools/segments/compile.ts";
import { planWindow } from "../tools/segments/windowPlan.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { NOW, rows, setup } from "./helpers.ts";

/**
 * Anchored window counts must never change an answer: every definition below is answered with the
 * windows and, as the truth, without them (the windows' state removed for the call), after a build,
 * late events, merges, a deletion and slides. The table itself must equal a fresh build each time.
 */
const DAY = 86_400_000;
const t = setup();
const key = t.key("w", ["ingest", "operator", "admin"], { rateLimit: 100_000, burst: 100_000 }); // hundreds of previews a second
const GENRES = ["rock", "pop", "jazz", "folk", "edm"];

const DEFS: unknown[] = [
  { performed: "play_song", within: { days: 7 } },
  { performed: "play_song", within: { days: 14 }, times: { op: "gte", value: 3 } },
  { performed: "play_song", within: { days: 30 }, times: { op: "gte", value: 3 } },
  { performed: "play_song", within: { days: 45 }, times: { op: "lt", value: 4 } },
  { performed: "play_song", within: { days: 90 }, times: { op: "gte", value: 10 } },
  { performed: "play_song", within: { days: 120 }, times: { op: "eq", value: 6 } },
  { performed: "play_song", times: { op: "gte", value: 25 } },
  { performed: "play_song", within: { from: "2026-10-01", to: "2026-10-20" }, times: { op: "gte", value: 2 } },
  { performed: "play_song", within: { days: 30 }, where: [{ property: "genre", op: "eq", value: "rock" }], times: { op: "gte", value: 2 } },
  { performed: "play_song", within: { days: 45 }, where: [{ property: "genre", op: "in", value: ["rock", "pop"] }], times: { op: "gte", value: 3 } },
  { performed: "play_song", within: { days: 90 }, where: [{ property: "genre", op: "eq", value: "jazz" }] },
  { performed: "play_song", within: { days: 30 }, where: [{ property: "genre", op: "neq", value: "rock" }] },
  { performed: "purchase", within: { days: 30 }, sum: { op: "gte", value: 20 } },
  { performed: "purchase", within: { days: 60 }, sum: { op: "lte", value: 30.5 } },
  { notPerformed: "purchase", within: { days: 28 } },
  { and: [{ performed: "add_to_cart", within: { days: 7 } }, { notPerformed: "purchase", within: { days: 7 } }] },
  { change: { event: "play_song", days: 14, op: "drop", pct: 30 } },
  { change: { event: "play_song", days: 7, op: "rise", pct: 50 } },
];

/** A seeded log: 60 users over 200 days, plays with a genre (and a high-cardinality song id), carts, purchases. */
function log(seed: number, users: number, days: number, prefix: string) {
  const rng = mulberry32(seed);
  const events = [];
  for (let u = 0; u < users; u++) {
    const active = 0.05 + rng() * 0.5;
    for (let d = 0; d < days; d++) {
      if (rng() > active) continue;
      const ts = (h: number) => new Date(NOW.getTime() - d * DAY - h * 3_600_000).toISOString();
      const plays = 1 + Math.floor(rng() * 4);
      for (let i = 0; i < plays; i++)
        events.push({ id: `${prefix}${u}-${d}-p${i}`, userId: `u${u}`, name: "play_song", timestamp: ts(rng() * 20), properties: { genre: pick(rng, GENRES), song: `s${Math.floor(rng() * 500)}` } });
      if (rng() < 0.2) events.push({ id: `${prefix}${u}-${d}-c`, userId: `u${u}`, name: "add_to_cart", timestamp: ts(3) });
      if (rng() < 0.1) events.push({ id: `${prefix}${u}-${d}-b`, userId: `u${u}`, name: "purchase", timestamp: ts(2), properties: { amount: Math.round(rng() * 3000) / 100 } });
    }
  }
  return events;
}

async function send(events: unknown[]) {
  for (let i = 0; i < events.length; i += 1000) {
    const r = await t.call("POST", "/v1/events", { key, body: { events: events.slice(i, i + 1000) } });
    expect(r.status).toBe(200);
  }
}

const ws = () => getWorkspace(t.db, t.ctx("w").workspaceId);
const ASOF = [0, 3.3, 40.6].map((d) => new Date(NOW.getTime() - d * DAY).toISOString());

async function preview(definition: unknown, asOf: string): Promise<string[]> {
  const r = await t.call("POST", "/v1/segments/preview", { key, body: { definition, asOf, sample: 1000 } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.sample;
}

/** Every definition at every asOf, with the windows and without: the same users. */
async function expectSameAnswers() {
  const saved = rows(t.db, "SELECT * FROM model_state WHERE name = 'windows'");
  expect(saved).toHaveLength(1);
  const withWindows = [];
  for (const d of DEFS) for (const a of ASOF) withWindows.push(await preview(d, a));
  t.db.$client.prepare("DELETE FROM model_state WHERE name = 'windows'").run();
  try {
    let i = 0;
    for (const d of DEFS) for (const a of ASOF) expect(withWindows[i++], `${JSON.stringify(d)} as of ${a}`).toEqual(await preview(d, a));
  } finally {
    const s = saved[0];
    t.db.$client.prepare("INSERT INTO model_state (workspace_id, name, state, computed_at) VALUES (?, ?, ?, ?)").run(s.workspace_id, s.name, s.state, s.computed_at);
  }
}

/** The same job the scheduler runs once a local day. */
const recompute = () => t.call("POST", "/v1/profiles/recompute?mode=full", { key });

/** The table as kept equals the table built from scratch at the same anchor. */
async function expectTableMatchesBuild() {
  const snapshot = () => rows(t.db, "SELECT name, prop, value, len, user_id, count, round(amount, 4) AS amount FROM user_windows ORDER BY 1, 2, 3, 4, 5");
  const kept = snapshot();
  const { anchor } = JSON.parse(rows(t.db, "SELECT state FROM model_state WHERE name = 'windows'")[0].state);
  // Forget the anchor so the same job builds from scratch at the same day.
  t.db.$client.prepare("UPDATE model_state SET state = json_set(state, '$.anchor', -1) WHERE name = 'windows'").run();
  const r = await recompute();
  expect(r.body.windows).toMatchObject({ mode: "built", anchor });
  expect(snapshot()).toEqual(kept);
  // The hot property's daily rollup, kept by ingest, equals a recount of the events.
  expect(rows(t.db, "SELECT name, prop, day, value, user_id, count, round(amount, 4) AS amount FROM user_daily_props ORDER BY 1, 2, 3, 4, 5")).toEqual(
    rows(
      t.db,
      `SELECT name, 'genre' AS prop, day, properties ->> '$.genre' AS value, user_id, count(*) AS count, round(total(amount), 4) AS amount
       FROM events WHERE name = 'play_song' AND json_type(properties, '$.genre') = 'text' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    ),
  );
  return kept.length;
}

beforeAll(() => send(log(7, 60, 200, "e")));

describe("anchored window counts", () => {
  it("plans exact covers: windows plus and minus whole days", () => {
    // 30 days ending today, anchor yesterday: the 30-day window moved by one day each end.
    expect(planWindow(100, [7, 14, 28, 30], 71, 100 + 1)).toEqual({
      windows: [{ len: 30, sign: 1 }],
      days: [{ from: 101, to: 101, sign: 1 }],
    });
    // The previous 14 days of a 14-day change: the 28-day window minus the 14-day one.
    expect(planWindow(100, [7, 14, 28, 30], 74, 87).windows).toEqual([{ len: 28, sign: 1 }, { len: 14, sign: -1 }]);
    // Far from the anchor no window helps.
    expect(planWindow(100, [7, 14, 28, 30], 10, 20)).toEqual({ windows: [], days: [{ from: 10, to: 20, sign: 1 }] });
    expect(planWindow(undefined, [7], 95, 101).windows).toEqual([]);
  });

  it("answers every definition as the plain rollups do, after build, late events, merges, a deletion and slides", async () => {
    const built = await recompute();
    expect(built.status).toBe(200);
    expect(built.body.windows.mode).toBe("built");
    expect(built.body.windows.hot).toEqual([{ event: "play_song", property: "genre" }]); // song has 500 values: not hot
    const sql = compileSegment(t.db, ws(), DEFS[2] as never, NOW.getTime()).where;
    expect(sql).toContain("user_windows");
    expect(compileSegment(t.db, ws(), DEFS[8] as never, NOW.getTime()).where).toContain("user_daily_props");
    await expectSameAnswers();

    // Late events (days before the anchor), a new user among them.
    await send([...log(11, 8, 50, "late"), { id: "n1", userId: "newbie", name: "play_song", timestamp: new Date(NOW.getTime() - 5 * DAY).toISOString(), properties: { genre: "rock" } }]);
    // An anonymous history with old plays, then linked; an alias; a deletion.
    await send(Array.from({ length: 6 }, (_, i) => ({ id: `anon${i}`, anonymousId: "dev9", name: "play_song", timestamp: new Date(NOW.getTime() - (2 + i) * DAY).toISOString(), properties: { genre: "rock" } })));
    expect((await t.call("POST", "/v1/identify", { key, body: { userId: "u3", anonymousId: "dev9" } })).status).toBe(200);
    expect((await t.call("POST", "/v1/alias", { key, body: { previousId: "u4", userId: "u5" } })).status).toBe(200);
    expect((await t.call("DELETE", "/v1/users/u6", { key })).status).toBe(200);
    await expectSameAnswers();
    expect(await expectTableMatchesBuild()).toBeGreaterThan(1000);

    // The days turn: slid by one day, then by three, then rebuilt after a long pause.
    let shift = 0;
    for (const [days, mode] of [
      [1, "slid"],
      [3, "slid"],
      [12, "built"],
    ] as const) {
      shift += days;
      t.setNow(new Date(NOW.getTime() + shift * DAY));
      const r = await recompute();
      expect(r.body.windows.mode, `after ${days} more days`).toBe(mode);
      await expectTableMatchesBuild();
      await expectSameAnswers();
    }
    t.setNow(NOW);
  });

  it("the ten-minute job builds windows that are missing, and leaves current ones alone", async () => {
    expect((await recompute()).status).toBe(200); // today's full run: profiles and windows current
    t.db.$client.prepare("DELETE FROM model_state WHERE name = 'windows'").run();
    const changed = () => t.call("POST", "/v1/profiles/recompute?mode=changed", { key });
    const first = await changed();
    expect(first.body).toMatchObject({ mode: "changed", windows: { mode: "built" } });
    expect((await changed()).body.windows).toBeNull();
    await expectSameAnswers();
  });
});

