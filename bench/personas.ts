import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { DEFAULT_CATALOG, type Catalog } from "../billing/catalog.ts";
import { openDb } from "../db/node.ts";
import { stmt } from "../db/sql.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { memoryBlobs } from "../lib/blobs.ts";
import { ApiError } from "../lib/errors.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { median } from "../tools/analytics/common.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import type { PersonaLanguage } from "../tools/personas/card.ts";
import { chatTurn } from "../tools/personas/chat.ts";
import { offlineReplies } from "../tools/personas/engine.ts";
import { displayName, getPersona } from "../tools/personas/library.ts";
import { nameFromMemory, type Memory } from "../tools/personas/memory.ts";
import { screenInput, screenOutput } from "../tools/personas/safety.ts";
import { analyze } from "../tools/personas/understand.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { machine, pct, r2, r3 } from "./machine.ts";
import { overHttp } from "./personasHttp.ts";

/**
 * Issue 12's persona chat: one offline reply in process (target p99 < 20 ms), the whole turn —
 * safety screen, metering hold, engine, output screen, the turn's writes, memory, summary fold — on
 * a WAL SQLite file, many users with growing history, next to the engine alone and the safety screen
 * alone (timed on the same inputs, in alternating order) so the figures say where the time goes;
 * then over real HTTP the metered /v1/chat/completions next to a bare Hono route, rounds interleaved.
 */
const OPS = Number(process.env.BENCH_PERSONAS_OPS ?? 3_000);
const USERS = Number(process.env.BENCH_PERSONAS_USERS ?? 100);
const HTTP_USERS = 1_000;
const ROUND_MS = Number(process.env.BENCH_PERSONAS_ROUND_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_PERSONAS_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_PERSONAS_CONCURRENCY ?? 16);
const WARM = 200;
/** Virtual time between two turns (of anyone): a user speaks every USERS × STEP_MS (5 min by default), so two-hour reminders come due. */
const STEP_MS = 3_000;
const TMP = join(import.meta.dirname, "tmp");
const PERSONAS = ["nuannan", "mengmeizi", "zhixing-jiejie", "yaogun-qingnian"];

const NAMES = { zh: ["小林", "阿杰", "小雨", "莉莉", "大伟", "晓晓"], en: ["Lin", "Sam", "Maya", "Jo", "Alex", "Rui"] };
const TASTES = { zh: ["爵士", "民谣", "摇滚", "电子乐", "周杰伦", "古典"], en: ["jazz", "folk", "rock", "synthpop", "Radiohead", "lo-fi beats"] };
/** One user's conversation, in order; {name} and {taste}/{taste2} vary by user so pinned memory grows differently. "Sing for me" is left out (a song: the songs bench). */
const SCRIPT: Record<PersonaLanguage, [string, string][]> = {
  zh: [
    ["greet", "你好呀"], ["name", "我叫{name}"], ["taste", "我喜欢{taste}"], ["band", "你最喜欢的乐队是哪个？"],
    ["sad", "今天好累，心情不好"], ["recall", "我叫什么？"], ["lore", "你的家乡在哪里？"], ["sad", "最近工作压力好大，晚上睡不着"],
    ["question", "你平时都听什么音乐？"], ["who", "你是谁呀"], ["other", "今天下雨了，我在家看书"], ["ai", "你是真人吗？"],
    ["taste", "我也爱听{taste2}"], ["farewell", "晚安，明天再聊"], ["recall", "你还记得我吗"], ["lore", "给我推荐一本书吧"],
  ],
  en: [
    ["greet", "hi there!"], ["name", "my name is {name}"], ["taste", "I love {taste}"], ["band", "what's your favourite band?"],
    ["sad", "I'm so tired today, rough day at work"], ["recall", "what's my name?"], ["lore", "where are you from?"], ["sad", "I can't sleep again, too stressed"],
    ["question", "what kind of music do you listen to?"], ["who", "who are you?"], ["other", "it's raining here, I'm just reading at home"], ["ai", "are you a real person?"],
    ["taste", "I also listen to {taste2}"], ["farewell", "good night, talk later"], ["recall", "do you remember me?"], ["lore", "can you recommend a book?"],
  ],
};

function message(lang: PersonaLanguage, user: number, step: number): { kind: string; text: string } {
  const [kind, tpl] = SCRIPT[lang][step % SCRIPT[lang].length]!;
  const round = Math.floor(step / SCRIPT[lang].length);
  const text = tpl
    .replace("{name}", NAMES[lang][user % NAMES[lang].length]!)
    .replace("{taste}", TASTES[lang][(user + round) % TASTES[lang].length]!)
    .replace("{taste2}", TASTES[lang][(user + round + 3) % TASTES[lang].length]!);
  return { kind, text };
}

const withChat = (daily: number): Catalog => ({
  ...DEFAULT_CATALOG,
  plans: { ...DEFAULT_CATALOG.plans, free: { ...DEFAULT_CATALOG.plans.free, daily: { ...DEFAULT_CATALOG.plans.free.daily, chat_message: daily } } },
});

function openWorkspace(file: string, now: () => Date) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const db = openDb(file);
  const ws = ensureWorkspace(db, "bench-personas", now());
  // The largest daily allowance the catalog allows: no turn here may be a 402.
  db.insert(billingCatalogs).values({ workspaceId: ws.id, catalog: withChat(100_000), updatedAt: Date.now() }).run();
  const ctx: Ctx = { db, workspaceId: ws.id, now, log: silentLogger, prompts: repoPrompts };
  const close = () => {
    db.$client.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  };
  return { db, ctx, close };
}

type Stats = { n: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
const stats = (xs: number[]): Stats => ({ n: xs.length, p50Ms: r3(pct(xs, 50)), p95Ms: r3(pct(xs, 95)), p99Ms: r3(pct(xs, 99)), maxMs: r3(Math.max(...xs)) });
const brief = (xs: number[]) => (xs.length ? { n: xs.length, p50Ms: r3(pct(xs, 50)), p99Ms: r3(pct(xs, 99)) } : { n: 0 });
const push = (m: Map<string, number[]>, k: string, x: number) => (m.get(k) ?? m.set(k, []).get(k)!).push(x);

type UserState = { persona: string; lang: PersonaLanguage; step: number; memory: Memory[]; history: { role: "user" | "assistant"; content: string }[] };

/** Each op: one user's next message, timed as the whole turn, the engine alone and the safety screens alone. */
async function inProcess() {
  const t0 = Date.parse("2026-12-01T09:00:00+08:00");
  let clock = t0;
  const w = openWorkspace(join(TMP, "personas-inprocess.db"), () => new Date(clock));
  const deps = { blobs: memoryBlobs() };
  const users: UserState[] = Array.from({ length: USERS }, (_, u) => ({ persona: PERSONAS[u % PERSONAS.length]!, lang: Math.floor(u / PERSONAS.length) % 2 ? "en" : "zh", step: 0, memory: [], history: [] }));
  const turn: number[] = [];
  const engine: number[] = [];
  const safetyIn: number[] = [];
  const safetyOut: number[] = [];
  const byKind = new Map<string, number[]>();
  const engineByKind = new Map<string, number[]>();
  const byHistory = { "turns 1-10": [] as number[], "turns 11-20": [] as number[], "turns 21+": [] as number[] };
  const answeredBy = { offline: 0, safety: 0, other: 0 };
  const failures = new Map<string, number>();
  let reminders = 0;
  let songs = 0;
  for (let i = 0; i < OPS + WARM; i++) {
    clock = t0 + i * STEP_MS;
    const u = i % USERS;
    const s = users[u]!;
    const m = message(s.lang, u, s.step);
    const persona = getPersona(w.ctx, s.persona);
    const char = displayName(persona, s.lang);
    const recentReplies = s.history.filter((h) => h.role === "assistant").map((h) => h.content);
    let turnMs = 0;
    let engineMs = 0;
    let inMs = 0;
    let outMs = 0;
    const parts = () => {
      let t = performance.now();
      const verdict = screenInput(repoPrompts, m.text, s.lang, { char }, persona.flywheel.safety_tier);
      inMs = performance.now() - t;
      if (verdict) return; // the turn answers with the safety reply: no engine, no output screen
      t = performance.now();
      const analysis = analyze(repoPrompts, m.text, s.lang);
      if (analysis.intent === "sing") throw new Error(`"${m.text}" reads as "sing for me": the script must not make songs`);
      const userName = analysis.name ?? nameFromMemory(repoPrompts, s.memory);
      const [reply] = offlineReplies(
        repoPrompts,
        { persona, lang: s.lang, message: m.text, analysis, ...(userName ? { userName } : {}), facts: s.memory.map((x) => x.text), recentReplies, turn: Math.floor(s.history.length / 2), seed: i, temperature: 0.7 },
        1,
      );
      engineMs = performance.now() - t;
      t = performance.now();
      screenOutput(repoPrompts, reply!, s.lang, { char }, persona.flywheel.safety_tier);
      outMs = performance.now() - t;
    };
    const whole = async () => {
      const t = performance.now();
      try {
        const r = await chatTurn(w.ctx, deps, s.persona, `u${u}`, m.text, {});
        turnMs = performance.now() - t;
        s.memory = r.memory;
        s.history.push({ role: "user", content: m.text }, { role: "assistant", content: r.replies[0]!.content });
        s.history = s.history.slice(-12); // the engine sees the last WINDOW messages, as chatTurn does
        if (r.model.provider === "offline") answeredBy.offline++;
        else if (r.model.provider === "safety") answeredBy.safety++;
        else answeredBy.other++;
        if (r.reminder) reminders++;
        if (r.song) songs++;
      } catch (err) {
        turnMs = performance.now() - t;
        const code = err instanceof ApiError ? `${err.status} ${err.code}` : String(err);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    };
    // Alternating order, so neither side always runs with the other's caches warm.
    if (i % 2) {
      await whole();
      parts();
    } else {
      parts();
      await whole();
    }
    s.step++;
    if (i < WARM) continue;
    turn.push(turnMs);
    safetyIn.push(inMs);
    if (engineMs) {
      engine.push(engineMs);
      safetyOut.push(outMs);
      push(engineByKind, m.kind, engineMs);
    }
    push(byKind, m.kind, turnMs);
    (s.step <= 10 ? byHistory["turns 1-10"] : s.step <= 20 ? byHistory["turns 11-20"] : byHistory["turns 21+"]).push(turnMs);
  }
  const db = w.ctx.db;
  const ws = w.ctx.workspaceId;
  const count = (sql: string) => (stmt(db, sql).get(ws) as { n: number }).n;
  const stored = {
    messages: count("SELECT count(*) AS n FROM persona_messages WHERE workspace_id = ?"),
    pinnedFacts: count("SELECT count(*) AS n FROM persona_memories WHERE workspace_id = ?"),
    chatsWithSummary: count("SELECT count(*) AS n FROM persona_chats WHERE workspace_id = ? AND summary != ''"),
    settledHolds: count("SELECT count(*) AS n FROM credit_holds WHERE workspace_id = ? AND status = 'settled'"),
    // A settled hold keeps the turn's whole result (reply and memory list) for idempotent replays.
    holdOutcomeAvgBytes: count("SELECT CAST(avg(length(outcome)) AS INTEGER) AS n FROM credit_holds WHERE workspace_id = ?"),
    messageAvgBytes: count("SELECT CAST(avg(length(content) + length(meta)) AS INTEGER) AS n FROM persona_messages WHERE workspace_id = ?"),
  };
  w.close();
  return {
    turn: stats(turn),
    engineAlone: stats(engine),
    safetyInputAlone: stats(safetyIn),
    safetyOutputAlone: stats(safetyOut),
    turnByMessageKind: Object.fromEntries([...byKind].map(([k, xs]) => [k, brief(xs)])),
    engineByMessageKind: Object.fromEntries([...engineByKind].map(([k, xs]) => [k, brief(xs)])),
    turnByHistory: Object.fromEntries(Object.entries(byHistory).map(([k, xs]) => [k, brief(xs)])),
    answeredBy,
    reminders,
    songs,
    failures: Object.fromEntries(failures),
    stored,
  };
}

export async function benchPersonas() {
  const started = performance.now();
  const loadAtStart = loadavg().map(r2);
  const inproc = await inProcess();
  const http = await overHttp({ open: () => openWorkspace(join(TMP, "personas-http.db"), () => new Date()), withChat, message, script: SCRIPT });
  const restP50 = r3(inproc.turn.p50Ms - inproc.engineAlone.p50Ms - inproc.safetyInputAlone.p50Ms - inproc.safetyOutputAlone.p50Ms);
  return {
    machine: { ...machine(), loadAverage1m5m15m: { atStart: loadAtStart, atEnd: loadavg().map(r2) } },
    setup: {
      opsInProcess: OPS,
      warmUp: WARM,
      users: USERS,
      personas: PERSONAS,
      languages: "zh and en users alternating, one persona each",
      script: SCRIPT,
      virtualClockStepMs: STEP_MS,
      storage: "SQLite file, WAL",
      http: { concurrency: CONCURRENCY, roundMs: ROUND_MS, rounds: ROUNDS, users: HTTP_USERS, model: "persona:nuannan", client: "fetch in the same process" },
    },
    notes: [
      "No 'sing for me' in the mix: that turn makes a 30 s song through the metered song path (~165 ms), which the songs bench measures.",
      "turn = chatTurn whole: input screen, the chat_message hold, analyze + memory + history reads, offline engine, output screen, reminder, the turn's atomic write (chat row, two messages, pinned facts, summary fold), settle.",
      "engineAlone = analyze + nameFromMemory + offlineReplies(n=1) on the same inputs; safetyInputAlone = screenInput; safetyOutputAlone = screenOutput on the engine's reply. Safety answers (the 'are you a real person?' lines) skip the engine and are not charged.",
      `the rest of a turn (SQLite and metering), by difference of medians: ${restP50} ms; a turn the safety screen answers (kind 'ai': no hold, no engine, one write unit) takes ${inproc.turnByMessageKind["ai"]?.p50Ms} ms at p50, so most of the rest is the metered turn's other write units (reserve, settle, the credits.low check).`,
      "HTTP: the safety-answered messages are left out so every request is metered; the bare route parses the same body and echoes it. refused402 is the same request in a workspace whose free plan has no chat: key, validation and the refused hold, i.e. metering alone (DESIGN §8's ≥ 50% of bare is about that); metered adds the persona turn and its writes.",
    ],
    reply: { ...inproc, restP50Ms: restP50, targetP99Ms: 20, met: inproc.turn.p99Ms < 20 && Object.keys(inproc.failures).length === 0 && inproc.songs === 0 },
    http,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export { SCRIPT };

export function printPersonasTable(r: Awaited<ReturnType<typeof benchPersonas>>) {
  const x = r.reply;
  const f = (s: Stats) => `${s.p50Ms}/${s.p95Ms}/${s.p99Ms}`;
  console.error(`persona turn p50/p95/p99 ms: ${f(x.turn)} (engine alone ${f(x.engineAlone)}, safety in ${f(x.safetyInputAlone)}, safety out ${f(x.safetyOutputAlone)}, rest ≈ ${x.restP50Ms}); failures ${JSON.stringify(x.failures)}`);
  const h = r.http;
  console.error(`http req/s (median): bare ${h.medianRps.bare}, metered ${h.medianRps.metered} (×${h.ratioToBare.metered}), metered stream ${h.medianRps.meteredStream} (×${h.ratioToBare.meteredStream}), refused 402 ${h.medianRps.refused402} (×${h.ratioToBare.refused402}); non-200 ${JSON.stringify(h.meteredRequests.non200)}, 200s ${h.holds.answered200} = settled holds ${h.holds.settledChatHolds}: ${h.holds.match}`);
}
