import { stmt } from "../../db/sql.ts";
/**
 * Pure scoring helpers for the agent evaluation. They read the database (to turn a definition
 * into its members) but never the agent: each check is written from the product's conventions,
 * not from the agent's code.
 */
import { compileSegment, parseDefinition } from "../../tools/segments/compile.ts";
import type { SegmentNode } from "../../tools/segments/schema.ts";
import type { Ctx } from "../../tools/context.ts";
import { getWorkspace } from "../../tools/workspaces/index.ts";
import { NOW } from "./fixture.ts";

// ---------------------------------------------------------------------------------------------
// Audiences

/** Every member of a definition as of NOW, sorted by user id. Throws on an invalid definition. */
export function audienceOf(ctx: Ctx, definition: unknown): string[] {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const { where, params } = compileSegment(ctx.db, ws, parseDefinition(definition), NOW.getTime());
  return (stmt(ctx.db, `SELECT p.user_id FROM profiles p WHERE ${where} ORDER BY p.user_id`).all(params) as { user_id: string }[]).map(
    (r) => r.user_id,
  );
}

/** How many profiles a workspace has (the size of "everyone"). */
export const workspaceSize = (ctx: Ctx) =>
  (stmt(ctx.db, "SELECT count(*) AS n FROM profiles WHERE workspace_id = ?").get(ctx.workspaceId) as { n: number }).n;

export type AudienceScore = { ok: boolean; expected: number; actual: number; missing: number; extra: number; error?: string };

/** Whether the agent's definition selects exactly the expected users (any equivalent form passes). */
export function scoreAudience(ctx: Ctx, actualDefinition: unknown, expected: SegmentNode): AudienceScore {
  const want = audienceOf(ctx, expected);
  let got: string[];
  try {
    if (actualDefinition === undefined) throw new Error("no definition");
    got = audienceOf(ctx, actualDefinition);
  } catch (err) {
    return { ok: false, expected: want.length, actual: 0, missing: want.length, extra: 0, error: (err as Error).message.slice(0, 200) };
  }
  const a = new Set(got);
  const w = new Set(want);
  const missing = want.filter((u) => !a.has(u)).length;
  const extra = got.filter((u) => !w.has(u)).length;
  return { ok: missing === 0 && extra === 0, expected: want.length, actual: got.length, missing, extra };
}

// ---------------------------------------------------------------------------------------------
// Analytics ranges

export type DayRange = { days: number } | { from: string; to: string };
const DAY = 86_400_000;
const isoDay = (s: string) => Math.round(Date.parse(`${s}T00:00:00Z`) / DAY);

/** Today in the workspaces' zone (Asia/Shanghai) at NOW: 2026-11-24. */
export const TODAY = new Date(NOW.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/** A range as [first day, last day] (day numbers), so {days: 7} equals {from: 11-18, to: 11-24}. */
export function rangeDays(r: unknown): [number, number] | undefined {
  if (!r || typeof r !== "object") return undefined;
  const o = r as Record<string, unknown>;
  const today = isoDay(TODAY);
  if (typeof o.days === "number") return [today - o.days + 1, today];
  if (typeof o.from === "string" && typeof o.to === "string") {
    const [a, b] = [isoDay(o.from), isoDay(o.to)];
    return Number.isFinite(a) && Number.isFinite(b) ? [a, Math.min(b, today)] : undefined;
  }
  return undefined;
}

export const sameRange = (a: unknown, b: unknown) => {
  const x = rangeDays(a);
  const y = rangeDays(b);
  return !!x && !!y && x[0] === y[0] && x[1] === y[1];
};

// ---------------------------------------------------------------------------------------------
// Copy limits (an independent statement of the channel rules)

export type Channel = "sms" | "push" | "wechat" | "email";
export type CopyVariant = { title?: unknown; subject?: unknown; body?: unknown; fields?: unknown; [k: string]: unknown };

/** Length in code points (an emoji or a CJK character is one). */
export const codePoints = (s: string) => [...s].length;
const hasCjk = (s: string) => /[\u3400-\u9fff\uf900-\ufaff]/.test(s);
const text = (v: unknown) => (typeof v === "string" ? v : "");

/** The values of a WeChat template's fields, whether an object, a list of strings or of {name, value}. */
function fieldValues(fields: unknown): unknown[] {
  if (Array.isArray(fields)) return fields.map((f) => (f && typeof f === "object" ? ((f as Record<string, unknown>).value ?? (f as Record<string, unknown>).text) : f));
  if (fields && typeof fields === "object") return Object.values(fields).map((f) => (f && typeof f === "object" ? (f as Record<string, unknown>).value : f));
  return [];
}

/** Problems with one variant for its channel; empty when it is within the limits. */
export function copyProblems(channel: Channel, v: CopyVariant): string[] {
  const out: string[] = [];
  const body = text(v.body);
  if (channel !== "wechat" && !body.trim()) out.push("empty body");
  switch (channel) {
    case "sms": {
      // One part of a UCS-2 message (a 【signature】 makes it UCS-2 whatever the language).
      if (codePoints(body) > 70) out.push(`sms ${codePoints(body)} > 70 code points`);
      if (!/【[^【】]+】/.test(body)) out.push("sms without a 【signature】");
      if (!/回T退订|退订回T|Reply\s+(T|STOP)\b/i.test(body) && !/\bSTOP\b/.test(body)) out.push("sms without an opt-out (回T退订 / Reply T / STOP)");
      break;
    }
    case "push": {
      const title = text(v.title);
      const zh = hasCjk(title + body);
      const [tMax, bMax] = zh ? [20, 50] : [40, 120];
      if (codePoints(title) > tMax) out.push(`push title ${codePoints(title)} > ${tMax}`);
      if (codePoints(body) > bMax) out.push(`push body ${codePoints(body)} > ${bMax}`);
      break;
    }
    case "wechat": {
      const values = fieldValues(v.fields);
      if (!values.length) out.push("wechat template without fields");
      values.forEach((f, i) => {
        if (typeof f !== "string" || !f.trim()) out.push(`wechat field ${i} is not text`);
        else if (codePoints(f) > 20) out.push(`wechat field ${i} ${codePoints(f)} > 20`);
      });
      break;
    }
    case "email": {
      if (!text(v.subject).trim()) out.push("email without a subject");
      break;
    }
  }
  return out;
}

export const copyWithinLimits = (channel: Channel, variant: CopyVariant) => copyProblems(channel, variant).length === 0;

// ---------------------------------------------------------------------------------------------
// Numbers in the reply that no tool and no operator gave

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** A Chinese numeral such as 两, 十五, 二十, 三百, 一千五, 三万 (no decimals), or NaN. */
export function chineseNumeral(s: string): number {
  let total = 0;
  let section = 0;
  let digit = -1;
  let lastUnit = 1;
  for (const ch of s) {
    if (ch in CN_DIGITS) digit = CN_DIGITS[ch]!;
    else if (ch in CN_UNITS) {
      section += (digit < 0 ? 1 : digit) * CN_UNITS[ch]!;
      lastUnit = CN_UNITS[ch]!;
      digit = -1;
    } else if (ch === "万" || ch === "亿") {
      const unit = ch === "万" ? 10_000 : 100_000_000;
      total += (section + Math.max(digit, 0)) * unit;
      section = 0;
      digit = -1;
      lastUnit = unit;
    } else return NaN;
  }
  // 一千五 = 1500, 三百五 = 350: a trailing digit after a unit is one order below it.
  if (digit >= 0) section += lastUnit >= 10 && s.length > 1 && !/[零〇]/.test(s) ? (digit * lastUnit) / 10 : digit;
  return total + section;
}

/** Numbers an operator's message states: digits (1,500 / 1.5万 / 30%) and Chinese numerals. */
export function numbersInOperatorText(s: string): number[] {
  const out: number[] = [];
  for (const m of s.matchAll(/(\d+(?:,\d{3})*(?:\.\d+)?)\s*([万千kK])?/g)) {
    const v = Number(m[1]!.replace(/,/g, ""));
    out.push(v);
    if (m[2]) out.push(v * (m[2] === "万" ? 10_000 : 1000));
  }
  for (const m of s.matchAll(/[零〇一二两三四五六七八九十百千万亿]+/g)) {
    if (!/[零〇一二两三四五六七八九十]/.test(m[0])) continue; // a bare 万 or 千 is a word, not a number
    const v = chineseNumeral(m[0]);
    if (Number.isFinite(v)) out.push(v);
    for (const ch of m[0]) if (ch in CN_DIGITS) out.push(CN_DIGITS[ch]!); // 一二线 → 1 and 2
  }
  for (const m of s.toLowerCase().matchAll(/\b[a-z]+\b/g)) if (m[0] in EN_WORDS) out.push(EN_WORDS[m[0]]!);
  return out;
}

const EN_WORDS: Record<string, number> = {
  once: 1, twice: 2, thrice: 3, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, ninety: 90, hundred: 100,
};

/**
 * Numeric tokens of a text: not glued to a letter, an underscore or a dash-led id (u0000042, D7,
 * cust_00001), with thousands separators removed.
 */
function numericTokens(s: string): { raw: string; value: number; percent: boolean }[] {
  const out: { raw: string; value: number; percent: boolean }[] = [];
  for (const m of s.matchAll(/(?<![A-Za-z_\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![A-Za-z_\d])(\s*%)?/g))
    out.push({ raw: m[0], value: Number(m[1]!.replace(/,/g, "")), percent: !!m[2] });
  return out;
}

/** Every number in a JSON value's text (numbers and numbers inside strings). */
function numbersInJson(v: unknown, into: number[]) {
  if (typeof v === "number") into.push(v);
  else if (typeof v === "string") for (const t of numericTokens(v)) into.push(t.value);
  else if (Array.isArray(v)) for (const x of v) numbersInJson(x, into);
  else if (v && typeof v === "object") for (const x of Object.values(v)) numbersInJson(x, into);
}

export type ToolCall = { name: string; input?: unknown; output?: unknown; status?: string };

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/**
 * The numbers in the agent's reply that appear in no tool input or output and no operator message.
 * Allowed: the same value (12,345 = 12345), the value rounded to 0–2 decimals, a rate shown as a
 * percentage (0.123 → 12.3%, rounded to 0–2 decimals), numbers of ISO dates that a tool input or
 * output contains, and list markers at the start of a line ("1. ", "2) ").
 */
export function numbersNotFromTools(reply: string, toolCalls: readonly ToolCall[], operatorMessages: readonly string[]): string[] {
  const known: number[] = [];
  const toolText = JSON.stringify(toolCalls.map((c) => [c.input, c.output]));
  for (const c of toolCalls) {
    numbersInJson(c.input, known);
    numbersInJson(c.output, known);
  }
  for (const m of operatorMessages) known.push(...numbersInOperatorText(m));
  const accepted = (value: number, percent: boolean) =>
    known.some((k) => {
      if (near(k, value)) return true;
      for (const d of [0, 1, 2]) {
        if (near(round(k, d), value)) return true;
        if (near(round(k * 100, d), value)) return true;
      }
      return percent && near(k, value / 100);
    });
  let text = reply.replace(/^\s*\d{1,2}[.)、]\s/gm, " ");
  text = text.replace(/\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, (d) => (toolText.includes(d.slice(0, 10)) ? " " : d));
  return numericTokens(text)
    .filter((t) => !accepted(t.value, t.percent))
    .map((t) => t.raw.trim());
}
