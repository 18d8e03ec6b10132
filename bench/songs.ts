import { Hono } from "hono";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CATALOG } from "../billing/catalog.ts";
import { openDb } from "../db/node.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { median } from "../tools/analytics/common.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { composeLyrics, loadPronunciations } from "../tools/songs/lyrics/index.ts";
import { arrange, toMidi, wordTimings } from "../tools/songs/music/index.ts";
import { renderWav } from "../tools/songs/synth/index.ts";
import { renderCover } from "../tools/songs/cover.ts";
import { createApp } from "../server/app.ts";
import { drive, listen } from "./billing.ts";
import { machine, pct, r1, r2 } from "./machine.ts";

/**
 * The song generator (issue 11 target: a full 30 s song — lyrics, MIDI, WAV, cover — median
 * < 300 ms on one core), stage by stage, zh and en alternating; then the metered song route's
 * requests/s answering 402 next to a bare Hono route, rounds interleaved in one run.
 */
const RUNS = Number(process.env.BENCH_SONG_RUNS ?? 40);
const ROUNDS = 3;
const TMP = join(import.meta.dirname, "tmp");

async function pipeline() {
  await loadPronunciations("en");
  const stages = { lyrics: [] as number[], arrange: [] as number[], midi: [] as number[], wav: [] as number[], cover: [] as number[], total: [] as number[] };
  for (let i = -5; i < RUNS; i++) {
    const language = i % 2 ? "en" : "zh";
    const seed = 1000 + i;
    const t0 = performance.now();
    const lyrics = composeLyrics(repoPrompts, { language, durationSec: 30, seed, theme: language === "zh" ? "夏天" : "night", mood: "happy", style: "pop" });
    const t1 = performance.now();
    const a = arrange(lyrics, { style: "pop", mood: "happy", durationSec: 30, seed });
    wordTimings(a, lyrics);
    const t2 = performance.now();
    toMidi(a, { title: lyrics.title, lyrics });
    const t3 = performance.now();
    renderWav(a, { seed, title: lyrics.title });
    const t4 = performance.now();
    renderCover({ title: lyrics.title, mood: "happy", style: "pop", seed, language });
    const t5 = performance.now();
    if (i < 0) continue; // warm-up
    stages.lyrics.push(t1 - t0);
    stages.arrange.push(t2 - t1);
    stages.midi.push(t3 - t2);
    stages.wav.push(t4 - t3);
    stages.cover.push(t5 - t4);
    stages.total.push(t5 - t0);
  }
  return Object.fromEntries(Object.entries(stages).map(([k, xs]) => [k, { medianMs: r1(median(xs) ?? 0), p99Ms: r1(pct(xs, 99)) }]));
}

async function meteredVsBare() {
  const file = join(TMP, "songs-http.db");
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const db = openDb(file);
  const ws = ensureWorkspace(db, "bench-songs", new Date());
  db.insert(billingCatalogs).values({ workspaceId: ws.id, catalog: { ...DEFAULT_CATALOG, plans: { ...DEFAULT_CATALOG.plans, free: { ...DEFAULT_CATALOG.plans.free, monthly: { ...DEFAULT_CATALOG.plans.free.monthly, song: 0 } } } }, updatedAt: 0 }).run();
  const key = createKey({ db, workspaceId: ws.id, now: () => new Date(), log: silentLogger, prompts: repoPrompts }, { scopes: ["generate"], rateLimit: 1e6, burst: 1e7 }).key;
  const bare = new Hono();
  bare.post("/bare", async (c) => c.json({ ok: true, echo: await c.req.json() }));
  const b = await listen(bare.fetch);
  const m = await listen(createApp({ db, prompts: repoPrompts, log: silentLogger }).fetch);
  const body = JSON.stringify({ userId: "broke", theme: "夏天", durationSec: 30 });
  const rounds: { bare: number; metered402: number }[] = [];
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      const row = {
        bare: await drive(`${b.base}/bare`, () => ({ method: "POST", headers: { "content-type": "application/json" }, body }), 200),
        metered402: await drive(`${m.base}/v1/songs`, () => ({ method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }), 402),
      };
      if (r > 0) rounds.push(row);
    }
  } finally {
    for (const s of [b, m]) await new Promise((res) => s.server.close(res));
    db.$client.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
  return {
    rounds: rounds.map((x) => ({ bare: Math.round(x.bare), metered402: Math.round(x.metered402) })),
    medianRps: { bare: Math.round(median(rounds.map((x) => x.bare)) ?? 0), metered402: Math.round(median(rounds.map((x) => x.metered402)) ?? 0) },
    ratio: r2(median(rounds.map((x) => x.metered402 / x.bare)) ?? 0),
  };
}

export async function benchSongs() {
  const stages = await pipeline();
  const http = await meteredVsBare();
  return { machine: machine(), setup: { runs: RUNS, durationSec: 30, languages: "zh and en alternating", style: "pop", mood: "happy" }, song: { ...stages, targetMedianMs: 300, met: (stages.total as { medianMs: number }).medianMs < 300 }, http };
}

export function printSongsTable(r: Awaited<ReturnType<typeof benchSongs>>) {
  const s = r.song as unknown as Record<string, { medianMs: number; p99Ms: number }>;
  console.error(`30 s song, median/p99 ms: total ${s.total!.medianMs}/${s.total!.p99Ms} (lyrics ${s.lyrics!.medianMs}, arrange ${s.arrange!.medianMs}, midi ${s.midi!.medianMs}, wav ${s.wav!.medianMs}, cover ${s.cover!.medianMs})`);
  console.error(`http req/s: bare ${r.http.medianRps.bare}, metered song route answering 402 ${r.http.medianRps.metered402} (×${r.http.ratio})`);
}
