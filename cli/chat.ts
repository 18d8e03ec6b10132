import { createInterface } from "node:readline/promises";
import { OperatorAgent, type ChatResult, type Decision } from "../agent/agent.ts";
import type { Card } from "../agent/cards.ts";
import type { LlmSettings } from "../agent/model.ts";
import type { Ctx } from "../tools/context.ts";

type Rec = Record<string, any>;
type Out = (s: string) => void;
/** Asks the operator one question; undefined when there is nobody to ask (input closed). */
export type Ask = (question: string) => Promise<string | undefined>;

const bilingual = (v: unknown): string => {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  const r = v as Rec;
  if (typeof r.zh === "string" || typeof r.en === "string") return [r.zh, r.en].filter(Boolean).join(" / ");
  return JSON.stringify(v);
};
const compact = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? "" : s.length > 400 ? s.slice(0, 399) + "…" : s;
};

/** A card as lines of text: what the console draws, for a terminal. */
export function renderCard(card: Card): string[] {
  const lines: string[] = [];
  switch (card.type) {
    case "segment": {
      lines.push(`[分群 / segment] 人数 / count: ${card.count}`);
      const d = bilingual(card.description);
      if (d) lines.push(`  ${d}`);
      if (card.sample?.length) lines.push(`  样本 / sample: ${card.sample.join(", ")}`);
      for (const c of (card.conditions as Rec[] | undefined) ?? []) lines.push(`  · ${bilingual(c.description ?? c.label ?? c)}: ${c.count ?? c.users ?? ""}`);
      lines.push(`  截至 / as of: ${card.asOf}`);
      break;
    }
    case "segment_saved": {
      const s = card.segment as Rec;
      lines.push(`[已保存分群 / segment saved] ${s?.name ?? ""} (${s?.id ?? ""})${s?.count !== undefined ? ` 人数 / count: ${s.count}` : ""}`);
      break;
    }
    case "chart": {
      lines.push(`[图表 / chart] ${card.title.zh} / ${card.title.en}${card.range ? `  ${compact(card.range)}` : ""}`);
      for (const s of card.series) {
        if (card.series.length > 1) lines.push(`  ${s.name}:`);
        const indent = card.series.length > 1 ? "    " : "  ";
        for (const [label, value] of s.points) lines.push(`${indent}${label}: ${typeof value === "number" ? +value.toFixed(4) : value}`);
      }
      break;
    }
    case "copy": {
      lines.push(`[文案 / copy] ${card.channel}`);
      (card.variants as Rec[]).forEach((v, i) => {
        lines.push(`  ${i + 1}. (${v.hook}${v.ok === false ? ", 未通过检查 / fails a check" : ""})`);
        if (v.title) lines.push(`     标题 / title: ${v.title}`);
        if (v.subject) lines.push(`     主题 / subject: ${v.subject}`);
        lines.push(`     ${String(v.body ?? "").replace(/\n/g, "\n     ")}`);
        for (const c of (v.checks as Rec[] | undefined) ?? []) if (!c.ok) lines.push(`     ✗ ${c.rule}: ${c.detail}`);
      });
      break;
    }
    case "campaign_draft": {
      const d = card.draft as Rec;
      lines.push(`[活动草稿 / campaign draft] ${d?.name ?? ""} (${d?.id ?? ""}, ${d?.status ?? "draft"})`);
      if (d?.audience) lines.push(`  受众 / audience: ${d.audience.segmentId ?? compact(d.audience.definition)}${d.audience.count !== null && d.audience.count !== undefined ? `, ${d.audience.count} 人 users` : ""}`);
      if (d?.channels) lines.push(`  渠道 / channels: ${(d.channels as string[]).join(", ")}`);
      if (d?.variants) lines.push(`  文案变体 / variants: ${(d.variants as unknown[]).length}`);
      if (d?.schedule) lines.push(`  计划 / schedule: ${compact(d.schedule)}`);
      if (d?.budget) lines.push(`  预算 / budget: ${compact(d.budget)}`);
      if (d?.frequencyCap) lines.push(`  频控 / frequency cap: ${compact(d.frequencyCap)}`);
      if (d?.goal) lines.push(`  目标 / goal: ${compact(d.goal)}`);
      break;
    }
    case "profile": {
      const p = card.profile as Rec;
      lines.push(`[用户 / profile] ${p?.userId ?? p?.id ?? ""}`);
      lines.push(`  ${compact(p)}`);
      break;
    }
  }
  return lines;
}

/** One answer: the reply, then its cards as text, then any approval it waits for. */
export function renderResult(r: ChatResult, out: Out) {
  out(r.reply);
  for (const card of r.cards) for (const line of renderCard(card)) out(line);
  if (r.pendingApproval) {
    out(`[待审批 / pending approval] ${r.pendingApproval.id}: ${r.pendingApproval.tool}`);
    out(`  输入 / input: ${JSON.stringify(r.pendingApproval.input, null, 2).replace(/\n/g, "\n  ")}`);
  }
}

/** Asks for a decision on a pending approval until one is given; undefined when input ends. */
async function askDecision(r: ChatResult, ask: Ask, out: Out): Promise<Decision | undefined> {
  for (;;) {
    const a = (await ask("批准/修改/拒绝 approve/edit/reject? [a/e/r] "))?.trim().toLowerCase();
    if (a === undefined) return undefined;
    if (a === "a" || a === "approve" || a === "批准") return { decision: "approve" };
    if (a === "r" || a === "reject" || a === "拒绝") {
      const message = (await ask("理由（可空）/ reason (optional): "))?.trim();
      return { decision: "reject", ...(message ? { message } : {}) };
    }
    if (a === "e" || a === "edit" || a === "修改") {
      out(`当前输入 / current input: ${JSON.stringify(r.pendingApproval!.input)}`);
      const text = await ask("新输入（JSON，一行）/ new input (JSON, one line): ");
      if (text === undefined) return undefined;
      try {
        return { decision: "edit", input: JSON.parse(text) };
      } catch (err) {
        out(`不是有效的 JSON / not valid JSON: ${(err as Error).message}`);
        continue;
      }
    }
    out("请输入 a、e 或 r / please answer a, e or r");
  }
}

export type ChatOptions = { ctx: Ctx; llm?: LlmSettings; message?: string; out: Out; ask?: Ask };

/**
 * `flywheel chat`: the operator agent in a terminal. Each message gets the reply and its cards as
 * text; a pending approval is decided on the spot. `/quit` (or end of input) leaves. With
 * `message`, one message is sent and the command exits (an approval is asked only on a terminal).
 */
export async function chat(opts: ChatOptions): Promise<number> {
  const { ctx, out } = opts;
  const agent = new OperatorAgent({ db: ctx.db, prompts: ctx.prompts, ...(opts.llm ? { llm: opts.llm } : {}) });
  out(`模型 / model: ${agent.info.provider} ${agent.info.name}`);
  const interactive = opts.message === undefined;
  let rl: ReturnType<typeof createInterface> | undefined;
  let lines: AsyncIterator<string> | undefined;
  const ask: Ask =
    opts.ask ??
    (async (q) => {
      if (!interactive && !process.stdin.isTTY) return undefined;
      if (!rl) {
        rl = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
        lines = rl[Symbol.asyncIterator](); // buffers lines that arrive while a turn runs (piped input)
      }
      process.stdout.write(q);
      const next = await lines!.next();
      return next.done ? undefined : next.value;
    });
  let conversationId: string | undefined;
  const onEvent = (e: { type: string; name?: string }) => {
    if (e.type === "tool_call") out(`  → ${e.name}`);
  };
  const turn = async (message: string) => {
    let r = await agent.chat(ctx, { ...(conversationId ? { conversationId } : {}), message }, onEvent);
    conversationId = r.conversationId;
    renderResult(r, out);
    while (r.pendingApproval) {
      const d = await askDecision(r, ask, out);
      if (!d) {
        out(`审批 ${r.pendingApproval.id} 仍待处理 / approval ${r.pendingApproval.id} left pending`);
        return;
      }
      r = await agent.decide(ctx, r.pendingApproval.id, d, onEvent);
      renderResult(r, out);
    }
  };
  try {
    if (!interactive) {
      await turn(opts.message!);
      return 0;
    }
    out("输入消息，/quit 退出 / type a message, /quit to leave");
    for (;;) {
      const line = await ask("> ");
      if (line === undefined) break;
      const message = line.trim();
      if (!message) continue;
      if (message === "/quit" || message === "/exit") break;
      try {
        await turn(message);
      } catch (err) {
        out(`出错 / error: ${(err as Error).message}`);
      }
    }
    return 0;
  } finally {
    rl?.close();
  }
}
