import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDb, type NodeDb as Db } from "../db/node.ts";
import { silentLogger } from "../lib/log.ts";
import { dayNumber } from "../lib/time.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { previewSegment } from "../tools/segments/index.ts";
import { advanceWindows, windowState } from "../tools/segments/windows.ts";
import { atomic } from "../db/sql.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { median } from "../tools/analytics/common.ts";
import { machine, writeResult } from "./machine.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

/**
 * Segment counts, DESIGN §8: each benchmark definition through the segment engine (SQLite:
 * profiles, daily rollups, raw events for `where`), next to the same question in hand-written SQL
 * on DuckDB over an in-memory copy of the same events (load time excluded), in one run. The two
 * counts must agree: a mismatch is reported as a failure.
 */
const USERS = Number(process.env.BENCH_SEGMENT_USERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TMP = join(import.meta.dirname, "tmp");

type Def = { name: string; definition: unknown; duck: (d: number, asOf: number) => string };
const played = (from: number, to: number, asOf: number, extra = "") =>
  `SELECT user_id FROM events WHERE name = 'play_song' AND day BETWEEN ${from} AND ${to} AND ts <= ${asOf} ${extra}`;
const DEFS: Def[] = [
  {
    name: "≥ 3 plays in 30 days",
    definition: { performed: "play_song", within: { days: 30 }, times: { op: "gte", value: 3 } },
    duck: (d, a) => `SELECT count(*) FROM (${played(d - 29, d, a)} GROUP BY user_id HAVING count(*) >= 3)`,
  },
  {
    name: "a purchase in 7 days",
    definition: { performed: "purchase", within: { days: 7 } },
    duck: (d, a) => `SELECT count(DISTINCT user_id) FROM events WHERE name = 'purchase' AND day BETWEEN ${d - 6} AND ${d} AND ts <= ${a}`,
  },
  {
    name: "cart without purchase in 7 days",
    definition: { and: [{ performed: "add_to_cart", within: { days: 7 } }, { notPerformed: "purchase", within: { days: 7 } }] },
    duck: (d, a) =>
      `SELECT count(*) FROM (SELECT user_id FROM events WHERE name = 'add_to_cart' AND day BETWEEN ${d - 6} AND ${d} AND ts <= ${a}
        EXCEPT SELECT user_id FROM events WHERE name = 'purchase' AND day BETWEEN ${d - 6} AND ${d} AND ts <= ${a})`,
  },
  {
    name: "plays dropped 30% over 14 days",
    definition: { change: { event: "play_song", days: 14, op: "drop", pct: 30 } },
    duck: (d, a) =>
      `SELECT count(*) FROM (SELECT user_id, count(*) FILTER (WHERE day >= ${d - 13}) AS cur, count(*) FILTER (WHERE day < ${d - 13}) AS prev
        FROM events WHERE name = 'play_song' AND day BETWEEN ${d - 27} AND ${d} AND ts <= ${a} GROUP BY user_id) WHERE prev > 0 AND cur <= prev * 0.7`,
  },
  {
    name: "≥ 10 plays in 90 days",
    definition: { performed: "play_song", within: { days: 90 }, times: { op: "gte", value: 10 } },
    duck: (d, a) => `SELECT count(*) FROM (${played(d - 89, d, a)} GROUP BY user_id HAVING count(*) >= 10)`,
  },
  {
    name: "≥ 2 rock plays in 30 days (where)",
    definition: { performed: "play_song", within: { days: 30 }, where: [{ property: "genre", op: "eq", value: "rock" }], times: { op: "gte", value: 2 } },
    duck: (d, a) => `SELECT count(*) FROM (${played(d - 29, d, a, "AND genre = 'rock'")} GROUP BY user_id HAVING count(*) >= 2)`,
  },
  {
    name: "trait and behaviour mix",
    definition: {
      and: [
        { trait: "city_tier", op: "lte", value: 2 },
        { trait: "age_band", op: "in", value: ["18-24", "25-34"] },
        { performed: "play_song", within: { days: 30 }, times: { op: "gte", value: 5 } },
        { not: { performed: "purchase", within: { days: 30 } } },
      ],
    },
    duck: (d, a) =>
      `SELECT count(*) FROM profiles WHERE city_tier <= 2 AND age_band IN ('18-24', '25-34')
        AND user_id IN (${played(d - 29, d, a)} GROUP BY user_id HAVING count(*) >= 5)
        AND user_id NOT IN (SELECT user_id FROM events WHERE name = 'purchase' AND day BETWEEN ${d - 29} AND ${d} AND ts <= ${a})`,
  },
];

async function demoDb(): Promise<Db> {
  mkdirSync(TMP, { recursive: true });
  const path = join(TMP, `segments-${USERS}.db`);
  const fresh = !existsSync(path);
  const db = openDb(path);
  const ws = ensureWorkspace(db, "bench", new Date());
  if (fresh) {
    console.error(`segments: building ${USERS} demo users (kept in ${path} for later runs)…`);
    await loadDemo(db, ws.id, { users: USERS, usersPerChunk: 500 });
  }
  return db;
}

/** The same events (and the traits the mix uses) in DuckDB, typed columns; genre as a column. */
async function duckCopy(db: Db): Promise<DuckDBConnection> {
  const duck = await (await DuckDBInstance.create(":memory:")).connect();
  await duck.run("CREATE TABLE events (user_id VARCHAR, name VARCHAR, day INTEGER, ts BIGINT, amount DOUBLE, genre VARCHAR)");
  await duck.run("CREATE TABLE profiles (user_id VARCHAR, city_tier INTEGER, age_band VARCHAR)");
  const ev = await duck.createAppender("events");
  for (const r of db.$client
    .prepare("SELECT user_id, name, day, occurred_at, amount, properties ->> '$.genre' AS genre FROM events WHERE workspace_id = 1")
    .iterate() as Iterable<{ user_id: string; name: string; day: number; occurred_at: number; amount: number | null; genre: string | null }>) {
    ev.appendVarchar(r.user_id);
    ev.appendVarchar(r.name);
    ev.appendInteger(r.day);
    ev.appendBigInt(BigInt(r.occurred_at));
    if (r.amount === null) ev.appendNull();
    else ev.appendDouble(r.amount);
    if (r.genre === null) ev.appendNull();
    else ev.appendVarchar(r.genre);
    ev.endRow();
  }
  ev.closeSync();
  const pr = await duck.createAppender("profiles");
  for (const r of db.$client.prepare("SELECT user_id, traits ->> '$.city_tier' AS t, traits ->> '$.age_band' AS a FROM profiles WHERE workspace_id = 1").iterate() as Iterable<{
    user_id: string;
    t: number | null;
    a: string | null;
  }>) {
    pr.appendVarchar(r.user_id);
    if (r.t === null) pr.appendNull();
    else pr.appendInteger(r.t);
    if (r.a === null) pr.appendNull();
    else pr.appendVarchar(r.a);
    pr.endRow();
  }
  pr.closeSync();
  return duck;
}

export async function benchSegments() {
  const db = await demoDb();
  const { n: events } = db.$client.prepare("SELECT count(*) AS n FROM events").get() as { n: number };
  const { m } = db.$client.prepare("SELECT max(occurred_at) AS m FROM events").get() as { m: number };
  const asOf = m + 1; // the data's end, so a kept database measures the same windows on any day
  const ws = ensureWorkspace(db, "bench", new Date());
  const asOfDay = dayNumber(asOf, ws.timezone);
  const ctx = { db, workspaceId: ws.id, now: () => new Date(asOf), log: silentLogger, prompts: repoPrompts };
  // The daily recompute on asOf's day moves the window counts to end the day before. A kept
  // database that has none yet is built a day earlier and slid, so both costs are measured.
  const windowsSetup: Record<string, unknown>[] = [];
  const advance = (today: number) => {
    const r = atomic(db, () => advanceWindows(db, ws, today, asOf));
    windowsSetup.push({ mode: r.mode, anchor: r.anchor, ms: r.elapsedMs, hot: r.hot });
    console.error("windows:", JSON.stringify(windowsSetup.at(-1)));
  };
  if (!windowState(db, ws.id)) advance(asOfDay - 1);
  advance(asOfDay);
  const { n: windowRows } = db.$client.prepare("SELECT count(*) AS n FROM user_windows WHERE workspace_id = ?").get(ws.id) as { n: number };
  const t0 = performance.now();
  const duck = await duckCopy(db);
  const duckLoadSeconds = (performance.now() - t0) / 1000;
  const results = [];
  for (const def of DEFS) {
    const ours: number[] = [];
    const theirs: number[] = [];
    let count = 0;
    let duckCount = 0;
    for (let i = 0; i <= RUNS; i++) {
      let s = performance.now();
      count = previewSegment(ctx, { definition: def.definition, sample: 0, asOf: new Date(asOf).toISOString() }).count;
      const a = performance.now() - s;
      s = performance.now();
      duckCount = Number((await duck.runAndReadAll(def.duck(asOfDay, asOf))).getRows()[0]![0]);
      const b = performance.now() - s;
      if (i > 0) (ours.push(a), theirs.push(b)); // the first run warms caches on both sides
    }
    const row = {
      definition: def.name,
      count,
      duckdbCount: duckCount,
      countsAgree: count === duckCount,
      medianMs: Math.round(median(ours)! * 10) / 10,
      duckdbMedianMs: Math.round(median(theirs)! * 10) / 10,
      underTarget: median(ours)! < 200,
      noSlowerThanDuckdb: median(ours)! <= median(theirs)!,
    };
    console.error(JSON.stringify(row));
    results.push(row);
  }
  duck.closeSync();
  db.$client.close();
  return {
    bench: "segments",
    machine: machine(),
    setup: { users: USERS, events, runs: RUNS, asOf: new Date(asOf).toISOString(), duckdb: "@duckdb/node-api 1.5.5-r.5, in memory", duckdbLoadSeconds: Math.round(duckLoadSeconds * 10) / 10, windowsSetup, windowRows },
    results,
    targets: { medianMs: 200, noSlowerThanDuckdb: true },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchSegments();
  console.log(JSON.stringify(r, null, 2));
  console.error("written:", writeResult(`segments-${USERS}`, r));
}
