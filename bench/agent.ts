import os from "node:os";
import { OperatorAgent } from "../agent/agent.ts";
import { OfflineModel } from "../agent/offline/model.ts";
import { openDb } from "../db/node.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { median } from "../tools/analytics/common.ts";
import type { Ctx } from "../tools/context.ts";
import { recomputeProfiles } from "../tools/profiles/recompute.ts";
import { TOOLS } from "../tools/registry.ts";
import type { ToolDef } from "../tools/tool.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { machine, pct, r1, r2, writeResult } from "./machine.ts";

/**
 * The offline agent's own cost, DESIGN target: one operator turn through `OperatorAgent.chat`,
 * excluding tool work, median < 50 ms. Each turn is timed whole; the tools' `run` calls and the
 * offline model's `_generate` calls inside it are timed separately (wrappers), so a turn splits
 * into tool work, model time and the rest (LangChain graph, checkpoints, transcript, cards).
 * The request set runs RUNS times on the demo app (each run in fresh conversations, follow-ups in
 * the same conversation as their opener); the first run is a warm-up and is not reported.
 */
const USERS = Number(process.env.BENCH_AGENT_USERS ?? 2000);
const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 5);
const NOW = new Date("2026-11-24T12:00:00Z");
const TARGET_MS = 50;

/** Conversations: the first message opens one, the rest are follow-ups in it. ~30 requests. */
const CONVERSATIONS: string[][] = [
  ["近30天听过歌的用户", "再排除会员", "只要女性", "改成近两个月"],
  ["users who played a song in the last 7 days", "exclude VIP members", "only users in tier 1 cities"],
  ["最近7天加购但没有购买的用户"],
  ["users who made a purchase in the last 30 days"],
  ["近两周听歌次数下降30%的用户"],
  ["90天内听歌至少10次的用户"],
  ["喜欢摇滚的18到24岁用户"],
  ["最近30天的活跃趋势"],
  ["show the active user trend for the last 14 days"],
  ["打开应用→听歌→加购→购买的漏斗"],
  ["funnel from app_open to play_song to purchase in the last 30 days"],
  ["最近8周的留存"],
  ["weekly retention of new users"],
  ["听歌之后用户通常做什么"],
  ["RFM 分层"],
  ["lifecycle stages"],
  ["生命周期分布"],
  ["给近30天没听歌的用户写3条召回短信"],
  ["write 3 push notifications for a VIP promotion with 20% off"],
  ["写一条会员促销的微信模板消息"],
  ["有哪些事件"],
  ["what events do we track?"],
  ["查一下用户 u0000042"],
  ["look up user u0000007"],
  ["列出已保存的分群"],
];


type Sample = { turnMs: number; toolMs: number; modelMs: number; turnCpuMs: number; toolCpuMs: number; modelCalls: number; toolCalls: string[] };

function stats(samples: Sample[]) {
  const own = samples.map((s) => s.turnMs - s.toolMs);
  const model = samples.map((s) => s.modelMs);
  return {
    n: samples.length,
    medianTurnMs: r2(median(samples.map((s) => s.turnMs))!),
    medianExclToolsMs: r2(median(own)!),
    p99ExclToolsMs: r2(pct(own, 99)),
    medianModelMs: r2(median(model)!),
    p99ModelMs: r2(pct(model, 99)),
    medianToolMs: r2(median(samples.map((s) => s.toolMs))!),
    medianCpuExclToolsMs: r2(median(samples.map((s) => s.turnCpuMs - s.toolCpuMs))!),
  };
}

export async function benchAgent() {
  const db = openDb();
  const ws = ensureWorkspace(db, "bench", NOW);
  const ctx: Ctx = { db, workspaceId: ws.id, now: () => NOW, log: silentLogger, prompts: repoPrompts };
  let t = performance.now();
  const demo = await loadDemo(db, ws.id, { users: USERS, now: NOW, seed: 42, usersPerChunk: 500 });
  recomputeProfiles(ctx);
  const setupSeconds = (performance.now() - t) / 1000;
  console.error(`agent: demo ${USERS} users, ${demo.events} events in ${setupSeconds.toFixed(1)} s`);

  // Tool work: every ToolDef's run, timed.
  let toolMs = 0;
  let toolCpuMs = 0;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const tools: ToolDef[] = TOOLS.map((def) => ({
    ...def,
    run: (c: Ctx, input: unknown) => {
      const s = performance.now();
      const sc = cpu();
      try {
        return def.run(c, input);
      } finally {
        toolMs += performance.now() - s;
        toolCpuMs += cpu() - sc;
      }
    },
  }));
  // Model time: the offline model's _generate, timed (restored afterwards).
  let modelMs = 0;
  let modelCalls = 0;
  const generate = OfflineModel.prototype._generate;
  OfflineModel.prototype._generate = async function (this: OfflineModel, ...args: Parameters<typeof generate>) {
    const s = performance.now();
    try {
      return await generate.apply(this, args);
    } finally {
      modelMs += performance.now() - s;
      modelCalls++;
    }
  };

  const agent = new OperatorAgent({ db, prompts: repoPrompts, tools });
  const byRequest = new Map<string, Sample[]>();
  const errors: string[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const conv of CONVERSATIONS) {
        let conversationId: string | undefined;
        for (const message of conv) {
          toolMs = toolCpuMs = modelMs = modelCalls = 0;
          t = performance.now();
          const c0 = cpu();
          const r = await agent.chat(ctx, { ...(conversationId ? { conversationId } : {}), message });
          const turnMs = performance.now() - t;
          const turnCpuMs = cpu() - c0;
          conversationId = r.conversationId;
          if (r.pendingApproval) errors.push(`${message}: paused for approval of ${r.pendingApproval.tool}`);
          if (run === 0) continue; // warm-up
          const list = byRequest.get(message) ?? [];
          list.push({ turnMs, toolMs, modelMs, turnCpuMs, toolCpuMs, modelCalls, toolCalls: r.toolCalls.map((c) => `${c.name}${c.status === "ok" ? "" : `:${c.status}`}`) });
          byRequest.set(message, list);
        }
      }
    }
  } finally {
    OfflineModel.prototype._generate = generate;
    db.$client.close();
  }

  const requests = [...byRequest].map(([message, samples]) => ({
    request: message,
    tools: samples.at(-1)!.toolCalls,
    modelCalls: samples.at(-1)!.modelCalls,
    ...stats(samples),
  }));
  const overall = stats([...byRequest.values()].flat());
  return {
    bench: "agent",
    machine: machine(),
    setup: {
      model: `offline ${OfflineModel.NAME}`,
      demoUsers: USERS,
      events: demo.events,
      now: NOW.toISOString(),
      requests: requests.length,
      runs: RUNS,
      reportedRuns: RUNS - 1,
      setupSeconds: r1(setupSeconds),
      method:
        "turn = OperatorAgent.chat wall time; tool = sum of ToolDef.run calls in the turn; model = sum of OfflineModel._generate calls in the turn; own = turn − tool; cpu = process.cpuUsage (user+system, all threads) of the turn minus that of its tool runs, a check on wall time when the machine is busy. First run is warm-up.",
      loadAverage: os.loadavg().map(r2),
    },
    overall: { ...overall, underTarget: overall.medianExclToolsMs < TARGET_MS },
    requests,
    errors: [...new Set(errors)],
    targets: { medianExclToolsMs: TARGET_MS },
  };
}

export function printAgentTable(r: Awaited<ReturnType<typeof benchAgent>>) {
  const rows = [...r.requests, { request: "OVERALL", tools: [], ...r.overall }];
  const w = 46;
  const cut = (s: string) => {
    let out = "";
    let width = 0;
    for (const ch of s) {
      const cw = /[\u1100-\uffff]/.test(ch) ? 2 : 1;
      if (width + cw > w - 1) return out + "…" + " ".repeat(Math.max(0, w - width - 1));
      out += ch;
      width += cw;
    }
    return out + " ".repeat(w - width);
  };
  const num = (x: number) => x.toFixed(1).padStart(8);
  console.error(`${cut("request")}${"turn".padStart(8)}${"−tool".padStart(8)}${"p99".padStart(8)}${"model".padStart(8)}${"p99".padStart(8)}${"tool".padStart(8)}${"cpu−t".padStart(8)}  tools`);
  for (const x of rows)
    console.error(`${cut(x.request)}${num(x.medianTurnMs)}${num(x.medianExclToolsMs)}${num(x.p99ExclToolsMs)}${num(x.medianModelMs)}${num(x.p99ModelMs)}${num(x.medianToolMs)}${num(x.medianCpuExclToolsMs)}  ${x.tools.join(",")}`);
  console.error(`(ms; medians and p99 over ${r.setup.reportedRuns} runs; target: median turn − tool < ${r.targets.medianExclToolsMs} ms → ${r.overall.underTarget ? "met" : "NOT met"})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchAgent();
  console.log(JSON.stringify(r, null, 2));
  printAgentTable(r);
  console.error("written:", writeResult("agent", r));
}
