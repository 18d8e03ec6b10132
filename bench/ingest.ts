import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { openDb } from "../db/node.ts";
import type { Db } from "../db/sql.ts";
import { silentLogger } from "../lib/log.ts";
import { mulberry32, pick, weighted } from "../lib/prng.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { GENRES, songOf } from "../scripts/demo/model.ts";
import { ingestEvents, insertRows, insertRowsGrouped } from "../tools/events/ingest.ts";
import { normalizeEvent, type EventRow } from "../tools/events/normalize.ts";
import { recomputeProfiles } from "../tools/profiles/recompute.ts";
import { ensureWorkspace, getWorkspace } from "../tools/workspaces/index.ts";
import { machine, writeResult } from "./machine.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

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

/** `n` batches of 500 seeded events (ids random), one every `stepMs` from `startMs`; also bench/runtimes.ts. */
export function makeBatches(n: number, startMs: number, stepMs = 3) {
  const rng = mulberry32(7);
  let t = startMs;
  return Array.from({ length: n }, () =>
    Array.from({ length: BATCH }, () => {
      t += stepMs;
      const name = weighted(rng, NAMES);
      const g = Math.floor(rng() * GENRES.length);
      const properties: Record<string, unknown> =
        name === "play_song" ? { ...songOf(rng, g), genre: GENRES[g], completion: Math.round(rng() * 100) / 100 } : name === "purchase" ? { amount: Math.round(rng() * 10000) / 100, items: 1 } : { source: pick(rng, ["push", "home", "search"]) };
      return { id: randomUUID(), userId: `u${String(1 + Math.floor(rng() * 100_000)).padStart(7, "0")}`, name, timestamp: new Date(t).toISOString(), properties };
    }),
  );
}

const dbFiles = (path: string) => [path, `${path}-wal`, `${path}-shm`];

/** One preloaded database, checkpointed into a single file, copied for each variant. */
async function preload(path: string, now: Date) {
  for (const f of dbFiles(path)) rmSync(f, { force: true });
  const db = openDb(path);
  const ws = ensureWorkspace(db, "bench", now);
  if (PRELOAD_USERS > 0) await loadDemo(db, ws.id, { users: PRELOAD_USERS, now, usersPerChunk: 500 });
  // As the server does after loading: the daily recompute, so ingest also keeps the segment
  // rollups of hot properties.
  recomputeProfiles({ db, workspaceId: ws.id, now: () => now, log: silentLogger, prompts: repoPrompts });
  db.$client.pragma("wal_checkpoint(TRUNCATE)");
  db.$client.close();
}

function copyOf(base: string, name: string) {
  const path = join(TMP, name);
  for (const f of dbFiles(path)) rmSync(f, { force: true });
  copyFileSync(base, path);
  return path;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** server/node.ts in its own process on `dbPath`, with the key it prints; also bench/runtimes.ts. */
export async function startServer(dbPath: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; key: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/node.ts"], {
    env: { ...process.env, PORT: String(port), DATABASE_PATH: dbPath, FLYWHEEL_DEMO: "off", FLYWHEEL_DEMO_WORKSPACE: "bench", LOG_LEVEL: "warn", ...env },
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

  const base = join(TMP, "ingest-base.db");
  await preload(base, now);
  const later = new Date(now.getTime() + 60_000);
  const rate = (t0: number) => Math.round(total / ((performance.now() - t0) / 1000));
  const variant = async (name: string, run: (db: Db) => Promise<void> | void) => {
    const path = copyOf(base, `ingest-${name}.db`);
    const db = openDb(path);
    const t0 = performance.now();
    await run(db);
    const r = rate(t0);
    db.$client.close();
    for (const f of dbFiles(path)) rmSync(f, { force: true });
    return r;
  };
  const ws = (db: Db) => getWorkspace(db, 1);
  const rows = batches.map((b) => b.map((e) => normalizeEvent(e, later.getTime(), "Asia/Shanghai") as EventRow));
  // Warm the statement cache and the JIT on a throwaway copy, so no variant pays for being first.
  await variant("warm", (db) => void insertRows(db, ws(db), rows[0]!, now.getTime()));

  // Database only: each batch's rows, already validated, through the same statements, a commit each…
  const dbOnly = await variant("db", (db) => {
    for (const r of rows) insertRows(db, ws(db), r, now.getTime());
  });
  // …and committed in groups as the HTTP server does for concurrent requests.
  const dbOnlyGrouped = await variant("db-grouped", async (db) => {
    for (let i = 0; i < rows.length; i += CONCURRENCY)
      await Promise.all(rows.slice(i, i + CONCURRENCY).map((r) => insertRowsGrouped(db, ws(db), r, now.getTime())));
  });
  // The tool function: validation and normalisation too, still without HTTP.
  const toolOnly = await variant("tool", (db) => {
    const ctx = { db, workspaceId: 1, now: () => later, log: silentLogger, prompts: repoPrompts };
    for (const b of batches) ingestEvents(ctx, b);
  });

  // Over HTTP: the server in its own process on a copy of the same preloaded data.
  const dbPathB = copyOf(base, "ingest-http.db");
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
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < bodies.length) await send(bodies[next++]!); }));
    const http = total / ((performance.now() - t0) / 1000);
    if (accepted !== total) throw new Error(`accepted ${accepted} of ${total}`);
    const result = {
      bench: "ingest",
      machine: machine(),
      setup: { batches: BATCHES, batchSize: BATCH, events: total, preloadedDemoUsers: PRELOAD_USERS, httpConcurrency: CONCURRENCY, storage: "SQLite file, WAL, synchronous=NORMAL" },
      eventsPerSecond: { http: Math.round(http), databaseOnly: dbOnly, databaseOnlyGrouped: dbOnlyGrouped, toolFunctionNoHttp: toolOnly },
      httpVsDatabaseOnly: Math.round((http / dbOnly) * 1000) / 1000,
      httpVsDatabaseOnlyGrouped: Math.round((http / dbOnlyGrouped) * 1000) / 1000,
      targets: { httpEventsPerSecond: 100_000, httpVsDatabaseOnly: 0.5 },
    };
    return result;
  } finally {
    server.child.kill("SIGTERM");
    for (const p of [base, dbPathB]) for (const f of dbFiles(p)) rmSync(f, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchIngest();
  console.log(JSON.stringify(r, null, 2));
  console.error("written:", writeResult(`ingest-preload${PRELOAD_USERS}`, r));
}
