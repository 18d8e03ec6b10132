import { Hono } from "hono";
import type { Catalog } from "../billing/catalog.ts";
import { stmt, type Db } from "../db/sql.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { median } from "../tools/analytics/common.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import type { PersonaLanguage } from "../tools/personas/card.ts";
import { displayName, getPersona } from "../tools/personas/library.ts";
import { screenInput } from "../tools/personas/safety.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { createApp } from "../server/app.ts";
import { listen, tally, type Tally } from "./billing.ts";
import { r2 } from "./machine.ts";

/**
 * The persona chat over real HTTP, rounds interleaved with a bare Hono route: the metered
 * /v1/chat/completions answering (metering and the whole persona turn), streamed and not, and
 * answering 402 (a workspace whose free plan has no chat: auth, validation and the refused hold —
 * metering alone, as the billing bench measures it).
 */
const HTTP_USERS = 1_000;
const ROUND_MS = Number(process.env.BENCH_PERSONAS_ROUND_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_PERSONAS_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_PERSONAS_CONCURRENCY ?? 16);

/** Requests to `url` for a round: answers/s with `expected` (200 unless said), other statuses counted. */
const drive = (url: string, init: (i: number) => RequestInit, expected = 200) => tally(url, init, expected, { roundMs: ROUND_MS, concurrency: CONCURRENCY });

export async function overHttp(o: {
  open: () => { db: Db; ctx: Ctx; close: () => void };
  withChat: (daily: number) => Catalog;
  message: (lang: PersonaLanguage, user: number, step: number) => { kind: string; text: string };
  script: Record<PersonaLanguage, unknown[]>;
}) {
  const w = o.open();
  const key = createKey(w.ctx, { scopes: ["generate"], rateLimit: 1_000_000, burst: 10_000_000 }).key;
  const none = ensureWorkspace(w.db, "bench-personas-402", new Date());
  w.db.insert(billingCatalogs).values({ workspaceId: none.id, catalog: o.withChat(0), updatedAt: Date.now() }).run();
  const refusedKey = createKey({ ...w.ctx, workspaceId: none.id }, { scopes: ["generate"], rateLimit: 1_000_000, burst: 10_000_000 }).key;
  const bare = new Hono();
  // The bare route reads and answers JSON too, so the comparison is of what the persona route adds.
  bare.post("/bare", async (c) => c.json({ ok: true, echo: await c.req.json() }));
  const b = await listen(bare.fetch);
  const m = await listen(createApp({ db: w.db, prompts: repoPrompts, log: silentLogger }).fetch);
  // Only messages the safety screen lets through, so every request here is metered (a safety answer is free).
  const nuannan = getPersona(w.ctx, "nuannan");
  const mix = (["zh", "en"] as const).flatMap((lang) =>
    Array.from({ length: o.script[lang].length * 2 }, (_, step) => o.message(lang, step, step).text).filter((text) => !screenInput(repoPrompts, text, lang, { char: displayName(nuannan, lang) })),
  );
  const body = (i: number, stream: boolean) =>
    JSON.stringify({ model: "persona:nuannan", user: `u${i % HTTP_USERS}`, messages: [{ role: "user", content: mix[(i + Math.floor(i / HTTP_USERS)) % mix.length] }], ...(stream ? { stream: true } : {}) });
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const url = `${m.base}/v1/chat/completions`;
  // One of each, read whole, before timing: the answer is a completion and the stream ends in [DONE].
  const one = await (await fetch(url, { method: "POST", headers, body: body(0, false) })).json();
  if (!(one as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content) throw new Error(`not a completion: ${JSON.stringify(one).slice(0, 300)}`);
  const sse = await (await fetch(url, { method: "POST", headers, body: body(1, true) })).text();
  if (!sse.trimEnd().endsWith("data: [DONE]")) throw new Error(`not a finished stream: ${sse.slice(-300)}`);
  const refused = await fetch(url, { method: "POST", headers: { ...headers, authorization: `Bearer ${refusedKey}` }, body: body(0, false) });
  if (refused.status !== 402) throw new Error(`expected a 402, got ${refused.status}: ${(await refused.text()).slice(0, 300)}`);
  await refused.text();
  const rounds: { bare: Tally; metered: Tally; meteredStream: Tally; refused402: Tally }[] = [];
  let offset = 2;
  let answered200 = 2; // the two checks above
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      const at = offset;
      const bareT = await drive(`${b.base}/bare`, (i) => ({ method: "POST", headers: { "content-type": "application/json" }, body: body(at + i, false) }));
      const meteredT = await drive(url, (i) => ({ method: "POST", headers, body: body(at + i, false) }));
      offset += meteredT.ok + Object.values(meteredT.non200).reduce((a, x) => a + x, 0);
      const at2 = offset;
      const streamT = await drive(url, (i) => ({ method: "POST", headers, body: body(at2 + i, true) }));
      offset += streamT.ok + Object.values(streamT.non200).reduce((a, x) => a + x, 0);
      answered200 += meteredT.ok + streamT.ok;
      const refusedT = await drive(url, (i) => ({ method: "POST", headers: { ...headers, authorization: `Bearer ${refusedKey}` }, body: body(i, false) }), 402);
      const row = { bare: bareT, metered: meteredT, meteredStream: streamT, refused402: refusedT };
      if (r > 0) rounds.push(row); // round 0 warms the JIT and the statement caches
      console.error(`personas http round ${r}: bare ${Math.round(bareT.rps)}/s, metered ${Math.round(meteredT.rps)}/s, metered stream ${Math.round(streamT.rps)}/s, refused (402) ${Math.round(refusedT.rps)}/s`);
    }
  } finally {
    for (const s of [b, m]) await new Promise((res) => s.server.close(res));
  }
  const settled = (stmt(w.db, "SELECT count(*) AS n FROM credit_holds WHERE workspace_id = ? AND status = 'settled' AND feature = 'chat_message'").get(w.ctx.workspaceId) as { n: number }).n;
  w.close();
  const all = rounds.flatMap((x) => [x.metered, x.meteredStream]);
  const non200: Record<string, number> = {};
  for (const t of all) for (const [k, n] of Object.entries(t.non200)) non200[k] = (non200[k] ?? 0) + n;
  const med = (k: "bare" | "metered" | "meteredStream" | "refused402") => Math.round(median(rounds.map((x) => x[k].rps)) ?? 0);
  const ratio = (k: "metered" | "meteredStream" | "refused402") => r2(median(rounds.map((x) => x[k].rps / x.bare.rps)) ?? 0);
  return {
    rounds: rounds.map((x) => ({ bare: Math.round(x.bare.rps), metered: Math.round(x.metered.rps), meteredStream: Math.round(x.meteredStream.rps), refused402: Math.round(x.refused402.rps) })),
    medianRps: { bare: med("bare"), metered: med("metered"), meteredStream: med("meteredStream"), refused402: med("refused402") },
    ratioToBare: { metered: ratio("metered"), meteredStream: ratio("meteredStream"), refused402: ratio("refused402") },
    refusedNotAs402: Object.fromEntries(rounds.flatMap((x) => Object.entries(x.refused402.non200))),
    meteredRequests: { ok200: all.reduce((a, t) => a + t.ok, 0), non200, ...(all.find((t) => t.firstError) ? { firstError: all.find((t) => t.firstError)!.firstError } : {}) },
    /** Every 200 (the warm-up round and the two checks too) settled exactly one chat_message hold: nothing answered without being charged. */
    holds: { answered200, settledChatHolds: settled, match: answered200 === settled },
    messageMix: mix.length,
  };
}

