import { mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { mulberry32 } from "../lib/prng.ts";
import { median } from "../tools/analytics/common.ts";
import { ADMIN_TOKEN, http, startWorker, type Runtime } from "../tests/runtimes.ts";
import { makeBatches, startServer } from "./ingest.ts";
import { machine, pct, r1, r2, r3, writeResult } from "./machine.ts";

/**
 * Node next to Workers, in one run, over HTTP: the Node server (server/node.ts in its own process,
 * SQLite file) and the Worker under `wrangler dev --local` (local workerd, its own process: the
 * Worker, the Directory object for keys, one SQLite Durable Object for the workspace; not production
 * Cloudflare). Each gets a fresh workspace (POST /admin/workspaces) and the same generated events,
 * then the same segment previews over the same data; the counts must agree.
 */
const BATCH = 500;
const BATCHES = Number(process.env.BENCH_RT_BATCHES ?? 200);
const WARM_BATCHES = 4;
const CONCURRENCY = Number(process.env.BENCH_RT_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_RT_ROUNDS ?? 4);
const RUNS = Number(process.env.BENCH_RT_RUNS ?? 30);
const USERS = 100_000; // makeBatches' user ids: u0000001 … u0100000
const SPAN_DAYS = 14; // events end a minute ago and go back this far
const TMP = join(import.meta.dirname, "tmp");
const DAY = 86_400_000;

const rock30 = { performed: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }], within: { days: 30 } };
const DEFS = [
  { name: "rock plays in 30 days (where)", definition: rock30 },
  { name: "≥ 2 plays in 30 days and city_tier ≤ 2", definition: { and: [{ performed: "play_song", within: { days: 30 }, times: { op: "gte", value: 2 } }, { trait: "city_tier", op: "lte", value: 2 }] } },
];


/** server/node.ts in a child process (bench/ingest.ts's startServer), as a tests/runtimes.ts Runtime. */
async function startNodeProcess(dbPath: string): Promise<Runtime> {
  const s = await startServer(dbPath, { ADMIN_TOKEN });
  return {
    name: "node",
    base: s.url,
    adminToken: ADMIN_TOKEN,
    stop: async () => {
      const exited = new Promise((r) => s.child.once("exit", r));
      s.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
    },
  };
}

async function workspaceKey(rt: Runtime): Promise<string> {
  const r = await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "bench-runtimes", timezone: "Asia/Shanghai" } });
  if (r.status !== 200) throw new Error(`${rt.name}: POST /admin/workspaces ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.key.key as string;
}

/** One runtime's side of the ingest: POST /v1/events with CONCURRENCY clients, timed per call of `run`. */
function ingester(rt: Runtime, key: string) {
  let accepted = 0;
  let seconds = 0;
  let batches = 0;
  const latencies: number[] = [];
  const send = async (body: string) => {
    const s = performance.now();
    const res = await fetch(`${rt.base}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
    const r = (await res.json()) as { accepted: number };
    const ms = performance.now() - s;
    if (res.status !== 200) throw new Error(`${rt.name}: HTTP ${res.status}: ${JSON.stringify(r)}`);
    accepted += r.accepted;
    latencies.push(ms);
  };
  return {
    /** Sends `list`; `count` false for the warm-up, whose events are stored but not counted. */
    async run(list: string[], count = true) {
      const before = { accepted, latencies: latencies.length };
      const t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < list.length) await send(list[next++]!); }));
      if (!count) return void ((accepted = before.accepted), (latencies.length = before.latencies));
      seconds += (performance.now() - t0) / 1000;
      batches += list.length;
    },
    result() {
      const total = batches * BATCH;
      if (accepted !== total) throw new Error(`${rt.name}: accepted ${accepted} of ${total}`);
      return { events: total, seconds: r2(seconds), eventsPerSecond: Math.round(total / seconds), medianBatchMs: r1(median(latencies)!), p99BatchMs: r1(pct(latencies, 99)) };
    },
  };
}

/** Seeded traits for every user id the events use, through POST /v1/users/import (CSV), in chunks. */
function traitCsvChunks(chunk = 25_000) {
  const rng = mulberry32(11);
  const bands = ["18-24", "25-34", "35-44", "45+"];
  const rows = Array.from({ length: USERS }, (_, i) => `u${String(i + 1).padStart(7, "0")},${1 + Math.floor(rng() * 4)},${bands[Math.floor(rng() * bands.length)]}`);
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) out.push(["userId,city_tier,age_band", ...rows.slice(i, i + chunk)].join("\n") + "\n");
  return out;
}

async function importTraits(rt: Runtime, key: string, chunks: string[]) {
  const t0 = performance.now();
  let rows = 0;
  for (const raw of chunks) {
    const res = await fetch(`${rt.base}/v1/users/import`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" }, body: raw });
    const r = (await res.json()) as { rows: number; rejected: number };
    if (res.status !== 200 || r.rejected) throw new Error(`${rt.name}: users/import ${res.status} ${JSON.stringify(r).slice(0, 500)}`);
    rows += r.rows;
  }
  return { rows, seconds: r2((performance.now() - t0) / 1000) };
}

export async function benchRuntimes() {
  mkdirSync(TMP, { recursive: true });
  const loadBefore = os.loadavg().map(r2);
  const now = Date.now();
  const n = BATCHES + WARM_BATCHES;
  const stepMs = Math.floor((SPAN_DAYS * DAY) / (n * BATCH));
  const bodies = makeBatches(n, now - 60_000 - n * BATCH * stepMs, stepMs).map((events) => JSON.stringify({ events }));
  console.error(`runtimes: ${BATCHES} batches of ${BATCH} (+${WARM_BATCHES} warm-up) over ${SPAN_DAYS} days, ${CONCURRENCY} clients; starting Node and wrangler dev --local…`);

  const nodeDb = join(TMP, "runtimes-node.db");
  for (const f of [nodeDb, `${nodeDb}-wal`, `${nodeDb}-shm`]) rmSync(f, { force: true });
  const started: Runtime[] = [];
  try {
    const t0 = performance.now();
    const node = await startNodeProcess(nodeDb);
    started.push(node);
    const worker = await startWorker();
    started.push(worker);
    const startupSeconds = r1((performance.now() - t0) / 1000);
    const rts = [node, worker] as const;
    const keys = [await workspaceKey(node), await workspaceKey(worker)] as const;

    // 1. Ingest, one runtime at a time so they never share the CPU, in ROUNDS alternating slices so a
    // change in the machine's load (it may be shared) falls on both.
    const sides = [ingester(node, keys[0]), ingester(worker, keys[1])] as const;
    for (const side of sides) await side.run(bodies.slice(0, WARM_BATCHES), false);
    const per = Math.ceil(BATCHES / ROUNDS);
    for (let i = WARM_BATCHES; i < bodies.length; i += per) for (const side of sides) await side.run(bodies.slice(i, i + per));
    const ingestNode = sides[0].result();
    const ingestWorker = sides[1].result();
    console.error("ingest:", JSON.stringify({ node: ingestNode, worker: ingestWorker }));

    // Traits for the second definition (not part of the ingest figures).
    const chunks = traitCsvChunks();
    const traits = [await importTraits(node, keys[0], chunks), await importTraits(worker, keys[1], chunks)];
    console.error("traits imported:", JSON.stringify(traits));

    // 2. Previews, as of one instant after all the data, alternating runtimes each repetition.
    const asOf = new Date().toISOString();
    const previews = [];
    for (const def of DEFS) {
      const wall: [number[], number[]] = [[], []];
      const engine: [number[], number[]] = [[], []];
      const answers: [unknown, unknown] = [undefined, undefined];
      for (let i = 0; i < RUNS + 2; i++) {
        for (const j of [0, 1] as const) {
          const s = performance.now();
          const r = await http(rts[j], "POST", "/v1/segments/preview", { key: keys[j], body: { definition: def.definition, sample: 10, asOf } });
          const ms = performance.now() - s;
          if (r.status !== 200) throw new Error(`${rts[j].name}: preview ${r.status} ${JSON.stringify(r.body)}`);
          answers[j] = { count: r.body.count, sample: r.body.sample };
          if (i >= 2) (wall[j].push(ms), engine[j].push(r.body.elapsedMs)); // two warm-up runs each
        }
      }
      if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1]))
        throw new Error(`${def.name}: node and worker disagree: ${JSON.stringify(answers[0])} vs ${JSON.stringify(answers[1])}`);
      const side = (j: 0 | 1) => ({ medianMs: r2(median(wall[j])!), p99Ms: r2(pct(wall[j], 99)), maxMs: r2(Math.max(...wall[j])), engineMedianMs: r2(median(engine[j])!) });
      const row = { definition: def.name, json: def.definition, count: (answers[0] as { count: number }).count, countsAgree: true, node: side(0), worker: side(1), workerVsNodeMedian: r3(median(wall[1])! / median(wall[0])!) };
      console.error(JSON.stringify(row));
      previews.push(row);
    }

    return {
      bench: "runtimes",
      machine: machine(),
      date: new Date().toISOString(),
      loadAverage: { before: loadBefore, after: os.loadavg().map(r2) },
      method:
        "Both runtimes over real HTTP on 127.0.0.1, from this process (the load generator). Node: server/node.ts in its own child process " +
        "(bench/ingest.ts startServer), SQLite file in WAL mode, synchronous=NORMAL. Worker: tests/runtimes.ts startWorker, `wrangler dev --local` " +
        "(local workerd in its own process, state in a temp folder, file-backed; each /v1 request is authenticated by an RPC to the Directory " +
        "Durable Object and forwarded to the workspace's SQLite Durable Object) — local workerd, not production Cloudflare. Each runtime gets a " +
        "fresh workspace from POST /admin/workspaces (Asia/Shanghai) and the same request bodies. Ingest runs on one runtime at a time, " +
        `in ${ROUNDS} rounds alternating Node and Worker (the same slice of batches each), ${CONCURRENCY} clients in flight; ` +
        `events/s is all counted events over the summed round times; ${WARM_BATCHES} warm-up batches each, not counted; batch latency is the client's round-trip. ` +
        "Traits (city_tier, age_band for every user id) are then imported by CSV (POST /v1/users/import, 4 requests of 25,000 rows), timed apart in traitImport, not in the ingest figures. Previews alternate runtimes each " +
        "repetition with one fixed asOf after all the data, 2 warm-up runs then the counted ones; count and sample must be equal on both. " +
        "With N runs, p99 is nearest-rank (the slowest at N=30). engineMedianMs is the server's own elapsedMs (whole milliseconds under workerd); medianMs/p99Ms are client round-trips. No daily recompute has run on either " +
        "(no user_windows, no hot-property rollup), so previews read the plain daily rollups and raw events.",
      setup: { batches: BATCHES, warmupBatches: WARM_BATCHES, batchSize: BATCH, events: BATCHES * BATCH, users: USERS, spanDays: SPAN_DAYS, concurrency: CONCURRENCY, ingestRounds: ROUNDS, previewRuns: RUNS, asOf, startupSeconds, wrangler: "wrangler dev --local" },
      ingest: { node: ingestNode, worker: ingestWorker, workerVsNodeEventsPerSecond: r3(ingestWorker.eventsPerSecond / ingestNode.eventsPerSecond) },
      traitImport: { node: traits[0], worker: traits[1] },
      previews,
    };
  } finally {
    await Promise.all(started.map((rt) => rt.stop()));
  }
}

export function printRuntimesTable(r: Awaited<ReturnType<typeof benchRuntimes>>) {
  const cut = (s: string, w = 42) => (s.length > w ? s.slice(0, w - 1) + "…" : s.padEnd(w));
  const num = (x: number | string, w = 10) => String(x).padStart(w);
  console.error(`\n${cut("ingest (POST /v1/events, 500/batch)")}${num("node")}${num("worker")}${num("w/n")}`);
  const i = r.ingest;
  console.error(`${cut("events/s")}${num(i.node.eventsPerSecond)}${num(i.worker.eventsPerSecond)}${num(i.workerVsNodeEventsPerSecond)}`);
  console.error(`${cut("batch median ms")}${num(i.node.medianBatchMs)}${num(i.worker.medianBatchMs)}${num(r3(i.worker.medianBatchMs / i.node.medianBatchMs))}`);
  console.error(`${cut("batch p99 ms")}${num(i.node.p99BatchMs)}${num(i.worker.p99BatchMs)}${num(r3(i.worker.p99BatchMs / i.node.p99BatchMs))}`);
  console.error(`\n${cut("preview (median / p99 ms, round-trip)")}${num("count", 8)}${num("node", 16)}${num("worker", 16)}${num("w/n", 8)}`);
  for (const p of r.previews)
    console.error(`${cut(p.definition)}${num(p.count, 8)}${num(`${p.node.medianMs} / ${p.node.p99Ms}`, 16)}${num(`${p.worker.medianMs} / ${p.worker.p99Ms}`, 16)}${num(p.workerVsNodeMedian, 8)}`);
  console.error(`(${r.setup.events} events, ${r.setup.concurrency} clients; ${r.setup.previewRuns} preview runs; Worker = wrangler dev --local, not production; load ${r.loadAverage.before.join(" ")} → ${r.loadAverage.after.join(" ")})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRuntimes();
  console.log(JSON.stringify(r, null, 2));
  printRuntimesTable(r);
  console.error("written:", writeResult("runtimes", r));
}
