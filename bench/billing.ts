import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DEFAULT_CATALOG, type Catalog } from "../billing/catalog.ts";
import { release, reserve, settle } from "../billing/holds.ts";
import { openDb } from "../db/node.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { median } from "../tools/analytics/common.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { createApp } from "../server/app.ts";
import { machine, pct, r1, r2, r3 } from "./machine.ts";

/**
 * Metering's own cost (DESIGN §8): the check-and-consume step (reserve: lazy allowance, spendable
 * grants in spend order, the hold and its ledger entry, one atomic unit on a WAL SQLite file) timed
 * in process, p50/p99 (target p99 < 1 ms); then, over real HTTP in the same run, the metered route's
 * requests/s next to a bare Hono route, rounds interleaved so machine noise hits both alike (target:
 * metered ≥ 50% of bare). The metered route is measured answering 402 (the metering alone: auth,
 * validation, the refused reserve) and answering 200 (metering plus the copy generator it wraps),
 * next to the same generator's unmetered route, so the generator's own cost is not taken for metering's.
 */
const OPS = Number(process.env.BENCH_BILLING_OPS ?? 20_000);
const USERS = 2_000;
const ROUND_MS = Number(process.env.BENCH_BILLING_ROUND_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_BILLING_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_BILLING_CONCURRENCY ?? 16);
const TMP = join(import.meta.dirname, "tmp");
const COPY = { channel: "push", theme: "promotion" };

function openWorkspace(file: string, catalog: Catalog) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const db = openDb(file);
  const ws = ensureWorkspace(db, "bench-billing", new Date());
  db.insert(billingCatalogs).values({ workspaceId: ws.id, catalog, updatedAt: Date.now() }).run();
  const ctx: Ctx = { db, workspaceId: ws.id, now: () => new Date(), log: silentLogger, prompts: repoPrompts };
  return { db, ctx, file };
}

const withCopy = (monthly: number): Catalog => ({
  ...DEFAULT_CATALOG,
  plans: { ...DEFAULT_CATALOG.plans, free: { ...DEFAULT_CATALOG.plans.free, monthly: { ...DEFAULT_CATALOG.plans.free.monthly, copy: monthly } } },
});

/** reserve, settle and release timed one call at a time; every third hold is released (a failed generation). */
function inProcess() {
  const w = openWorkspace(join(TMP, "billing-inprocess.db"), withCopy(100_000));
  const reserveMs: number[] = [];
  const settleMs: number[] = [];
  const releaseMs: number[] = [];
  const refusedMs: number[] = [];
  const warm = 500;
  for (let i = 0; i < OPS + warm; i++) {
    const userId = `u${i % USERS}`;
    let t = performance.now();
    reserve(w.ctx, { holdId: `h${i}`, userId, feature: "copy" });
    const r = performance.now() - t;
    t = performance.now();
    if (i % 3 === 2) release(w.ctx, `h${i}`);
    else settle(w.ctx, `h${i}`);
    const d = performance.now() - t;
    if (i < warm) continue;
    reserveMs.push(r);
    (i % 3 === 2 ? releaseMs : settleMs).push(d);
  }
  // The refused path: a user whose allowance is spent (the 402 is decided inside the same unit).
  const spent = openWorkspace(join(TMP, "billing-refused.db"), withCopy(1));
  reserve(spent.ctx, { holdId: "first", userId: "broke", feature: "copy" });
  for (let i = 0; i < OPS / 4 + warm; i++) {
    const t = performance.now();
    try {
      reserve(spent.ctx, { holdId: `r${i}`, userId: "broke", feature: "copy" });
    } catch {
      /* the 402 */
    }
    if (i >= warm) refusedMs.push(performance.now() - t);
  }
  const stats = (xs: number[]) => ({ n: xs.length, p50Ms: r3(pct(xs, 50)), p99Ms: r3(pct(xs, 99)), maxMs: r3(Math.max(...xs)) });
  for (const x of [w, spent]) {
    x.db.$client.close();
    for (const f of [x.file, `${x.file}-wal`, `${x.file}-shm`]) rmSync(f, { force: true });
  }
  return { reserve: stats(reserveMs), settle: stats(settleMs), release: stats(releaseMs), refused402: stats(refusedMs) };
}

export async function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<{ server: ServerType; base: string }> {
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** One series of requests: answers per second with the expected status, and every other status counted, with the first one's body. */
export type Tally = { rps: number; ok: number; non200: Record<string, number>; firstError?: string };

/** `concurrency` clients posting for `roundMs`; an answer with another status is counted, not skipped. */
export async function tally(url: string, init: (i: number) => RequestInit, expected: number, o = { roundMs: ROUND_MS, concurrency: CONCURRENCY }): Promise<Tally> {
  let ok = 0;
  let i = 0;
  const non200: Record<string, number> = {};
  let firstError: string | undefined;
  const until = performance.now() + o.roundMs;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < until) {
        const res = await fetch(url, init(i++));
        const body = await res.arrayBuffer();
        if (res.status === expected) ok++;
        else {
          non200[res.status] = (non200[res.status] ?? 0) + 1;
          firstError ??= new TextDecoder().decode(body.slice(0, 300));
        }
      }
    }),
  );
  return { rps: ok / ((performance.now() - t0) / 1000), ok, non200, ...(firstError ? { firstError } : {}) };
}

/** CONCURRENCY clients posting for ROUND_MS; requests/s of the answers, every one of which must have the expected status. */
export async function drive(url: string, init: (i: number) => RequestInit, expect: number): Promise<number> {
  const t = await tally(url, init, expect);
  const other = Object.keys(t.non200);
  if (other.length) throw new Error(`${url}: HTTP ${other.join(", ")}, expected ${expect}: ${t.firstError ?? ""}`);
  return t.rps;
}

async function overHttp() {
  const bare = new Hono();
  // The bare route reads and answers JSON too, so the comparison is of what metering adds.
  bare.post("/bare", async (c) => c.json({ ok: true, echo: await c.req.json() }));
  const w = openWorkspace(join(TMP, "billing-http.db"), withCopy(1_000_000_000));
  const key = createKey(w.ctx, { scopes: ["generate", "operator"], rateLimit: 1_000_000, burst: 10_000_000 }).key;
  const app = createApp({ db: w.db, prompts: repoPrompts, log: silentLogger });
  const b = await listen(bare.fetch);
  const m = await listen(app.fetch);
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  // 402s: a user whose one allowance is used; 200s: many users with plenty.
  const broke = openWorkspace(join(TMP, "billing-http-402.db"), withCopy(0));
  const brokeKey = createKey(broke.ctx, { scopes: ["generate"], rateLimit: 1_000_000, burst: 10_000_000 }).key;
  const m402 = await listen(createApp({ db: broke.db, prompts: repoPrompts, log: silentLogger }).fetch);
  const body = (userId: string) => JSON.stringify({ userId, copy: COPY });
  const rounds: { bare: number; metered402: number; metered200: number; unmeteredCopy: number }[] = [];
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      const row = {
        bare: await drive(`${b.base}/bare`, () => ({ method: "POST", headers: { "content-type": "application/json" }, body: body("u1") }), 200),
        metered402: await drive(`${m402.base}/v1/generations/copy`, () => ({ method: "POST", headers: { ...headers, authorization: `Bearer ${brokeKey}` }, body: body("broke") }), 402),
        metered200: await drive(`${m.base}/v1/generations/copy`, (i) => ({ method: "POST", headers, body: body(`u${i % USERS}`) }), 200),
        // The same generator without metering: what the 200s cost apart from the credit.
        unmeteredCopy: await drive(`${m.base}/v1/copy/generate`, () => ({ method: "POST", headers, body: JSON.stringify(COPY) }), 200),
      };
      if (r > 0) rounds.push(row); // round 0 warms the JIT and the statement caches
      console.error(`billing http round ${r}: bare ${Math.round(row.bare)}/s, metered 402 ${Math.round(row.metered402)}/s, metered 200 ${Math.round(row.metered200)}/s, unmetered copy ${Math.round(row.unmeteredCopy)}/s`);
    }
  } finally {
    for (const s of [b, m, m402]) await new Promise((r) => s.server.close(r));
    for (const x of [w, broke]) {
      x.db.$client.close();
      for (const f of [x.file, `${x.file}-wal`, `${x.file}-shm`]) rmSync(f, { force: true });
    }
  }
  const med = (k: keyof (typeof rounds)[number]) => Math.round(median(rounds.map((x) => x[k])) ?? 0);
  const ratio = (k: "metered402" | "metered200" | "unmeteredCopy") => r2(median(rounds.map((x) => x[k] / x.bare)) ?? 0);
  return {
    rounds: rounds.map((x) => ({ bare: Math.round(x.bare), metered402: Math.round(x.metered402), metered200: Math.round(x.metered200), unmeteredCopy: Math.round(x.unmeteredCopy) })),
    medianRps: { bare: med("bare"), metered402: med("metered402"), metered200: med("metered200"), unmeteredCopy: med("unmeteredCopy") },
    ratioToBare: { metered402: ratio("metered402"), metered200: ratio("metered200"), unmeteredCopy: ratio("unmeteredCopy") },
    meteredToUnmeteredCopy: r2(median(rounds.map((x) => x.metered200 / x.unmeteredCopy)) ?? 0),
  };
}

export async function benchBilling() {
  const started = performance.now();
  const inproc = inProcess();
  const http = await overHttp();
  return {
    machine: machine(),
    setup: { opsInProcess: OPS, users: USERS, storage: "SQLite file, WAL", http: { concurrency: CONCURRENCY, roundMs: ROUND_MS, rounds: ROUNDS, client: "fetch in the same process" } },
    checkAndConsume: { ...inproc, targetP99Ms: 1, met: inproc.reserve.p99Ms < 1 && inproc.refused402.p99Ms < 1 },
    http: { ...http, target: "metered ≥ 0.5 × bare", met: http.ratioToBare.metered402 >= 0.5 },
    seconds: r1((performance.now() - started) / 1000),
  };
}

export function printBillingTable(r: Awaited<ReturnType<typeof benchBilling>>) {
  const c = r.checkAndConsume;
  console.error(`check-and-consume p50/p99 ms: reserve ${c.reserve.p50Ms}/${c.reserve.p99Ms}, refused ${c.refused402.p50Ms}/${c.refused402.p99Ms}, settle ${c.settle.p50Ms}/${c.settle.p99Ms}, release ${c.release.p50Ms}/${c.release.p99Ms}`);
  console.error(
    `http req/s (median): bare ${r.http.medianRps.bare}, metered 402 ${r.http.medianRps.metered402} (×${r.http.ratioToBare.metered402}), metered 200 ${r.http.medianRps.metered200} (×${r.http.ratioToBare.metered200}), the same copy unmetered ${r.http.medianRps.unmeteredCopy} (metered/unmetered ×${r.http.meteredToUnmeteredCopy})`,
  );
}
