import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { openDb, type Db } from "../db/client.ts";
import { silentLogger } from "../lib/log.ts";
import { mulberry32, pick, weighted } from "../lib/prng.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { GENRES, songOf } from "../scripts/demo/model.ts";
import { ingestEvents, insertRows } from "../tools/events/ingest.ts";
import { normalizeEvent, type EventRow } from "../tools/events/normalize.ts";
import { ensureWorkspace, getWorkspace } from "../tools/workspaces/index.ts";
import { machine, writeResult } from "./machine.ts";

/**
 * Event ingest, DESIGN §8: events/s over HTTP in batches of 500 (server in its own process, the
 * client here), next to the database-only insert of the same batches into the same schema, in the
 * same run. Each side starts from its own copy of the same preloaded demo database, so the indexes
 * are of a realistic size. Live-like traffic: random UUID ids, 100k users, timestamps near now.
 */
const BATCH = 500;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 300);
const PRELOAD_USERS = Number(process.env.BENCH_PRELOAD_USERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const TMP = join(import.meta.dirname, "tmp");

const NAMES = [["play_song", 60], ["app_open", 8], ["like", 8], ["share", 2], ["search", 4], ["push_received", 8], ["add_to_cart", 2], ["purchase", 1], ["follow", 2]] as const;

function makeBatches(n: number, startMs: number) {
  const rng = mulberry32(7);
  let t = startMs;
  return Array.from({ length: n }, () =>
    Array.from({ length: BATCH }, () => {
      t += 3;
      const name = weighted(rng, NAMES);
      const g = Math.floor(rng() * GENRES.length);
      const properties: Record<string, unknown> =
        name === "play_song" ? { ...songOf(rng, g), genre: GENRES[g], completion: Math.round(rng() * 100) / 100 } : name === "purchase" ? { amount: Math.round(rng() * 10000) / 100, items: 1 } : { source: pick(rng, ["push", "home", "search"]) };
      return { id: randomUUID(), userId: `u${String(1 + Math.floor(rng() * 100_000)).padStart(7, "0")}`, name, timestamp: new Date(t).toISOString(), properties };
    }),
  );
}

async function freshDb(path: string, now: Date): Promise<Db> {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const db = openDb(path);
  const ws = ensureWorkspace(db, "bench", now);
  if (PRELOAD_USERS > 0) await loadDemo(db, ws.id, { users: PRELOAD_USERS, now, usersPerChunk: 500 });
  db.$client.pragma("wal_checkpoint(TRUNCATE)");
  return db;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function startServer(dbPath: string): Promise<{ child: ChildProcess; url: string; key: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/node.ts"], {
    env: { ...process.env, PORT: String(port), DATABASE_PATH: dbPath, FLYWHEEL_DEMO: "off", FLYWHEEL_DEMO_WORKSPACE: "bench", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const key = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^(fw_\w+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, key };
}

export async function benchIngest() {
  mkdirSync(TMP, { recursive: true });
  const now = new Date();
  const batches = makeBatches(BATCHES, now.getTime() - BATCHES * BATCH * 3 - 60_000);
  const bodies = batches.map((events) => JSON.stringify({ events }));
  const total = BATCHES * BATCH;
  console.error(`ingest: ${BATCHES} batches of ${BATCH}; preloading ${PRELOAD_USERS} demo users into two databases…`);

  // Database only: the rows of each batch, already validated, through the same insert statement set.
  const dbPathA = join(TMP, "ingest-db.db");
  const dbA = await freshDb(dbPathA, now);
  const wsA = getWorkspace(dbA, 1);
  const rows = batches.map((b) => b.map((e) => normalizeEvent(e, now.getTime() + 60_000, wsA.timezone) as EventRow));
  let t0 = performance.now();
  for (const r of rows) insertRows(dbA, wsA, r, now.getTime());
  const dbOnly = total / ((performance.now() - t0) / 1000);
  // The tool function: validation and normalisation too, still without HTTP (fresh ids).
  const again = batches.map((b) => b.map((e) => ({ ...e, id: e.id + "-2" })));
  const ctx = { db: dbA, workspaceId: wsA.id, now: () => new Date(now.getTime() + 60_000), log: silentLogger };
  t0 = performance.now();
  for (const b of again) ingestEvents(ctx, b);
  const toolOnly = total / ((performance.now() - t0) / 1000);
  dbA.$client.close();

  // Over HTTP: the server in its own process on a copy of the same preloaded data.
  const dbPathB = join(TMP, "ingest-http.db");
  (await freshDb(dbPathB, now)).$client.close();
  const server = await startServer(dbPathB);
  let accepted = 0;
  try {
    const send = async (body: string) => {
      const res = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" }, body });
      const r = (await res.json()) as { accepted: number };
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(r)}`);
      accepted += r.accepted;
    };
    await send(JSON.stringify({ events: [{ id: "warm", userId: "w", name: "warm" }] }));
    accepted = 0;
    t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < bodies.length) await send(bodies[next++]!); }));
    const http = total / ((performance.now() - t0) / 1000);
    if (accepted !== total) throw new Error(`accepted ${accepted} of ${total}`);
    const result = {
      bench: "ingest",
      machine: machine(),
      setup: { batches: BATCHES, batchSize: BATCH, events: total, preloadedDemoUsers: PRELOAD_USERS, httpConcurrency: CONCURRENCY, storage: "SQLite file, WAL, synchronous=NORMAL" },
      eventsPerSecond: { http: Math.round(http), databaseOnly: Math.round(dbOnly), toolFunctionNoHttp: Math.round(toolOnly) },
      httpVsDatabaseOnly: Math.round((http / dbOnly) * 1000) / 1000,
      targets: { httpEventsPerSecond: 100_000, httpVsDatabaseOnly: 0.5 },
    };
    return result;
  } finally {
    server.child.kill("SIGTERM");
    for (const p of [dbPathA, dbPathB]) for (const f of [p, `${p}-wal`, `${p}-shm`]) rmSync(f, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchIngest();
  console.log(JSON.stringify(r, null, 2));
  console.error("written:", writeResult("ingest", r));
}
