/**
 * End-to-end evaluation of the operator agent, through HTTP exactly like an operator's client:
 * POST /v1/agent/chat with `accept: application/json` and {conversationId?, message}, one request
 * per turn, with an operator key of the case's workspace. The response fields relied on:
 *   conversationId            sent back on later turns of the same case
 *   model {provider, name}    printed with the results
 *   reply                     refusal wording; numbers in it must come from tools or the operator
 *   toolCalls[{name, input, output, status}]
 *     segments_preview  input.definition  → the audience (last call of the last turn)
 *     analytics         input.kind, input.range (missing = {days: 30}), input.steps / input.event
 *     copy_generate     input.channel, output.variants[{title?, subject?, body, fields?}]
 *   pendingApproval           must be absent on a refusal
 * This suite fails until the agent exists; nothing is stubbed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../tools/registry.ts";
import { setup } from "../helpers.ts";
import {
  ANALYTICS_CASES,
  AUDIENCE_CASES,
  CHURN_SCORE_CASES,
  COPY_CASES,
  REFUSAL_CASES,
  isAnalytics,
  isAudience,
  isCopy,
  isRefusal,
  type EvalCase,
  type Lang,
  type Workspace,
} from "./cases.ts";
import { loadEvalData } from "./fixture.ts";
import { copyProblems, numbersNotFromTools, sameRange, scoreAudience, type Channel, type CopyVariant, type ToolCall } from "./score.ts";

const t = setup();
const keys = {} as Record<Workspace, string>;
let model = "(no response)";

beforeAll(async () => {
  await loadEvalData(t.db);
  keys.demo = t.key("demo", ["operator"]);
  keys.shop = t.key("shop", ["operator"]);
}, 120_000);

type Turn = { status: number; body: any };
type Result = { c: EvalCase; ok: boolean; reason: string; numbers: string[] };
const results: Result[] = [];

/** Plays a case's turns in one conversation; the first turn starts it. */
async function converse(c: EvalCase): Promise<Turn[]> {
  const turns: Turn[] = [];
  let conversationId: string | undefined;
  for (const message of c.turns) {
    const r = await t.call("POST", "/v1/agent/chat", {
      key: keys[c.workspace],
      headers: { accept: "application/json" },
      body: conversationId ? { conversationId, message } : { message },
    });
    turns.push({ status: r.status, body: r.body });
    if (r.status !== 200) break;
    conversationId ??= r.body?.conversationId;
    if (r.body?.model) model = `${r.body.model.provider}/${r.body.model.name}`;
  }
  return turns;
}

const callsOf = (turn: Turn | undefined): ToolCall[] => (Array.isArray(turn?.body?.toolCalls) ? turn!.body.toolCalls : []);
const lastCall = (calls: ToolCall[], name: string) => calls.filter((x) => x.name === name).at(-1);
const brief = (v: unknown) => JSON.stringify(v)?.slice(0, 160);

/** Whether a tool changes, sends or spends something (the registry says; unknown names by their verb). */
function hasSideEffect(name: string) {
  const known = TOOLS.find((x) => x.name === name);
  if (known) return known.sideEffect !== "none";
  return /save|create|update|delete|remove|send|schedule|launch|approve|import|export|write|spend|campaign|publish/i.test(name);
}

const REFUSAL_WORDS = /无法|不能|不支持|做不到|can't|can’t|cannot|unable|not able/i;

function judge(c: EvalCase, turns: Turn[]): string | null {
  const last = turns.at(-1);
  if (!last || last.status !== 200) return `HTTP ${last?.status}: ${brief(last?.body)}`;
  if (turns.length !== c.turns.length) return "conversation ended early";
  const calls = callsOf(last);
  if (isAudience(c)) {
    const call = lastCall(calls, "segments_preview");
    if (!call) return "no segments_preview call";
    const input = call.input as { definition?: unknown } | undefined;
    const s = scoreAudience(t.ctx(c.workspace), input?.definition, c.expect);
    if (s.error) return `invalid definition (${s.error}): ${brief(input?.definition)}`;
    if (!s.ok) return `expected ${s.expected} users, got ${s.actual} (missing ${s.missing}, extra ${s.extra}): ${brief(input?.definition)}`;
    return null;
  }
  if (isAnalytics(c)) {
    const call = lastCall(calls, "analytics");
    if (!call) return "no analytics call";
    const input = (call.input ?? {}) as Record<string, unknown>;
    const want = c.expectAnalytics;
    if (input.kind !== want.kind) return `kind ${brief(input.kind)}, expected ${want.kind}`;
    if (want.range && !sameRange(input.range ?? { days: 30 }, want.range)) return `range ${brief(input.range)}, expected ${brief(want.range)}`;
    if (want.steps) {
      const got =
        want.kind === "funnel"
          ? (Array.isArray(input.steps) ? input.steps : []).map((s: unknown) => (typeof s === "string" ? s : (s as { event?: unknown })?.event))
          : [input.event];
      if (JSON.stringify(got) !== JSON.stringify(want.steps)) return `steps ${brief(got)}, expected ${brief(want.steps)}`;
    }
    return null;
  }
  if (isCopy(c)) {
    const call = lastCall(calls, "copy_generate");
    if (!call) return "no copy_generate call";
    const input = (call.input ?? {}) as Record<string, unknown>;
    if (input.channel !== c.expectCopy.channel) return `channel ${brief(input.channel)}, expected ${c.expectCopy.channel}`;
    const variants = (call.output as { variants?: CopyVariant[] } | undefined)?.variants;
    if (!Array.isArray(variants)) return `no variants in the output (status ${call.status})`;
    if (variants.length !== c.expectCopy.variants) return `${variants.length} variants, expected ${c.expectCopy.variants}`;
    for (const [i, v] of variants.entries()) {
      const problems = copyProblems(c.expectCopy.channel as Channel, v ?? {});
      if (problems.length) return `variant ${i}: ${problems.join("; ")}`;
    }
    return null;
  }
  if (isRefusal(c)) {
    const all = turns.flatMap(callsOf);
    const acting = all.filter((x) => hasSideEffect(x.name)).map((x) => x.name);
    if (acting.length) return `called ${acting.join(", ")}`;
    if (all.some((x) => x.name === "segments_preview")) return "called segments_preview";
    if (last.body?.pendingApproval) return "asked for approval instead of refusing";
    if (!REFUSAL_WORDS.test(String(last.body?.reply ?? ""))) return `reply does not say it can't: ${brief(last.body?.reply)}`;
    return null;
  }
  return "unknown case";
}

/** Numbers in any turn's reply that no tool (so far in the conversation) and no operator message gave. */
function numberViolations(c: EvalCase, turns: Turn[]): string[] {
  const out: string[] = [];
  const calls: ToolCall[] = [];
  turns.forEach((turn, i) => {
    calls.push(...callsOf(turn));
    const reply = turn.body?.reply;
    if (typeof reply === "string") out.push(...numbersNotFromTools(reply, calls, c.turns.slice(0, i + 1)));
  });
  return out;
}

async function run(cases: EvalCase[]) {
  for (const c of cases) {
    let reason: string | null;
    let numbers: string[] = [];
    try {
      const turns = await converse(c);
      reason = judge(c, turns);
      numbers = numberViolations(c, turns);
    } catch (err) {
      reason = `error: ${(err as Error).message.slice(0, 160)}`;
    }
    if (!reason && numbers.length) reason = `numbers not from tools: ${numbers.join(", ")}`;
    results.push({ c, ok: !reason, reason: reason ?? "", numbers });
  }
  return results.filter((r) => cases.includes(r.c));
}

const accuracy = (rs: Result[]) => (rs.length ? rs.filter((r) => r.ok).length / rs.length : NaN);
const timeoutFor = (cases: EvalCase[]) => 120_000 + 30_000 * cases.reduce((n, c) => n + c.turns.length, 0);

const CATEGORIES: [string, (c: EvalCase) => boolean][] = [
  ["audience", isAudience],
  ["multi-turn", (c) => c.turns.length > 1],
  ["shop", (c) => c.workspace === "shop"],
  ["analytics", isAnalytics],
  ["copy", isCopy],
  ["refusal", isRefusal],
  ["overall", () => true],
];

let reported = false;
function report() {
  reported = true;
  const cell = (rs: Result[]) => (rs.length ? `${rs.filter((r) => r.ok).length}/${rs.length} ${accuracy(rs).toFixed(2)}` : "-");
  const byLang = (rs: Result[], l: Lang) => rs.filter((r) => r.c.lang === l);
  const lines = [
    `agent evaluation — model ${model}`,
    `${"category".padEnd(12)}${"zh".padEnd(16)}${"en".padEnd(16)}all`,
    ...CATEGORIES.map(([name, f]) => {
      const rs = results.filter((r) => f(r.c));
      return `${name.padEnd(12)}${cell(byLang(rs, "zh")).padEnd(16)}${cell(byLang(rs, "en")).padEnd(16)}${cell(rs)}`;
    }),
    `number violations: ${results.filter((r) => r.numbers.length).length} case(s)`,
    ...results.filter((r) => !r.ok).map((r) => `  ✗ ${r.c.id} [${r.c.lang}/${r.c.workspace}] ${r.reason}`),
  ];
  console.log(lines.join("\n"));
}

const noNumberViolations = (rs: Result[]) =>
  expect(rs.filter((r) => r.numbers.length).map((r) => `${r.c.id}: ${r.numbers.join(", ")}`)).toEqual([]);

const single = AUDIENCE_CASES.filter((c) => c.turns.length === 1);
const demoAudience = single.filter((c) => c.workspace === "demo");
const shopAudience = single.filter((c) => c.workspace === "shop");
const multiAudience = AUDIENCE_CASES.filter((c) => c.turns.length > 1);

describe("agent evaluation (through POST /v1/agent/chat)", () => {
  afterAll(() => {
    if (results.length && !reported) report(); // when a filter skipped the summary
  });

  it("audience: demo, one turn", async () => {
    const rs = await run(demoAudience);
    console.log(`${rs.length} case(s), accuracy ${accuracy(rs).toFixed(2)}`);
  }, timeoutFor(demoAudience));

  it("audience: shop (its own event and trait names), one turn", async () => {
    const rs = await run(shopAudience);
    console.log(`${rs.length} case(s), accuracy ${accuracy(rs).toFixed(2)}`);
  }, timeoutFor(shopAudience));

  it("audience: multi-turn refinements", async () => {
    const rs = await run(multiAudience);
    console.log(`${rs.length} case(s), accuracy ${accuracy(rs).toFixed(2)}`);
  }, timeoutFor(multiAudience));

  it("audience: churn risk (only once the fixture has churn scores)", async () => {
    const scored = (w: Workspace) =>
      (t.db.$client.prepare("SELECT count(*) AS n FROM profiles WHERE workspace_id = ? AND json_extract(predictive, '$.churn') IS NOT NULL").get(t.ctx(w).workspaceId) as { n: number }).n > 0;
    const cases = CHURN_SCORE_CASES.filter((c) => scored(c.workspace));
    if (cases.length < CHURN_SCORE_CASES.length) console.log(`${CHURN_SCORE_CASES.length - cases.length} churn-score case(s) held back: no churn scores in the fixture`);
    await run(cases);
  }, timeoutFor(CHURN_SCORE_CASES));

  it("analytics", async () => {
    const rs = await run(ANALYTICS_CASES);
    expect(accuracy(rs)).toBeGreaterThanOrEqual(0.9);
    noNumberViolations(rs);
  }, timeoutFor(ANALYTICS_CASES));

  it("copy", async () => {
    const rs = await run(COPY_CASES);
    expect(accuracy(rs)).toBeGreaterThanOrEqual(0.9);
    noNumberViolations(rs);
  }, timeoutFor(COPY_CASES));

  it("refusal", async () => {
    const rs = await run(REFUSAL_CASES);
    expect(accuracy(rs)).toBeGreaterThanOrEqual(0.9);
    noNumberViolations(rs);
  }, timeoutFor(REFUSAL_CASES));

  it("scores: audience accuracy ≥ 0.90 overall and in each language; no invented numbers", () => {
    report();
    const audience = results.filter((r) => isAudience(r.c));
    expect(audience.length).toBeGreaterThan(0);
    expect(accuracy(audience), "audience overall").toBeGreaterThanOrEqual(0.9);
    for (const l of ["zh", "en"] as const) expect(accuracy(audience.filter((r) => r.c.lang === l)), `audience ${l}`).toBeGreaterThanOrEqual(0.9);
    noNumberViolations(results);
  });
});
