import { bi } from "../../lib/errors.ts";
import { WECHAT_FIELD, type Channel, type CopyCheck, type Language } from "./schema.ts";

/**
 * The channel rules every piece of copy must pass, checked in code (a pure function: the
 * generator, campaign drafts and tests share it). Lengths are Unicode code points (a CJK
 * character is 1); send-time merge tags such as `{{name|朋友}}` count at their worst case.
 */
export const LIMITS = {
  sms: { single: 70, part: 67 },
  push: { zh: { title: 20, body: 50 }, en: { title: 40, body: 120 } },
  wechat: { field: 20 },
  email: { zh: { subject: 60, preheader: 100 }, en: { subject: 78, preheader: 100 } },
} as const;

/** What an SMS must end with, per language. */
export const OPT_OUT: Record<Language, readonly string[]> = { zh: ["回T退订"], en: ["Reply T to unsubscribe", "Reply STOP"] };

/** Merge tags filled at send time; anything else in `{{…}}` is an unfilled slot. */
export const MERGE_TAGS = ["name"] as const;
/** Characters a merge tag counts as when the audience gives no longer value. */
export const DEFAULT_TAG_LENGTH = 6;

export type CopyParts = { title?: string; subject?: string; preheader?: string; body?: string; fields?: Record<string, string> };
export type CheckOptions = {
  language?: Language;
  /** SMS: how many concatenated parts are allowed (default 1). */
  maxParts?: number;
  /** What a merge tag counts as at most (default 6). */
  mergeTagLength?: number;
  /** Where that length comes from, for the check details. */
  mergeTagSource?: "audience" | "allowance";
};
export type CheckResult = { ok: boolean; chars: number; parts?: number; checks: CopyCheck[] };

export const codePoints = (s: string) => [...s].length;

const TAG = /\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|([^{}]*))?\}\}/g;
const HAS_TAG = new RegExp(TAG.source);

/** The text with each merge tag replaced by a worst-case stand-in; its length is what is counted. */
function worstCase(text: string, allowance: number): string {
  return text.replace(TAG, (_, _k: string, fallback?: string) => "字".repeat(Math.max(allowance, codePoints(fallback ?? ""))));
}

/** SMS parts billed for a length: one up to 70, else concatenated parts of 67. */
export const smsParts = (chars: number) => (chars <= LIMITS.sms.single ? 1 : Math.ceil(chars / LIMITS.sms.part));

type Ctx = { allowance: number; source: "audience" | "allowance"; checks: CopyCheck[] };

function count(c: Ctx, text: string): { n: number; zh: string; en: string } {
  const n = codePoints(worstCase(text, c.allowance));
  if (!HAS_TAG.test(text)) return { n, zh: "", en: "" };
  const from = c.source === "audience" ? ["受众样本中最长的名字", "the longest name in the audience sample"] : ["固定预留", "a fixed allowance"];
  return { n, zh: `（合并标签按 ${c.allowance} 字计：${from[0]}）`, en: ` (merge tags counted as ${c.allowance} chars: ${from[1]})` };
}

function limit(c: Ctx, rule: string, part: string, text: string, max: number): number {
  const { n, zh, en } = count(c, text);
  const ok = n <= max;
  c.checks.push({ rule, part, ok, detail: bi(`${n} 字 ${ok ? "≤" : ">"} ${max}${zh}`, `${n} chars ${ok ? "≤" : ">"} ${max}${en}`) });
  return n;
}

function required(c: Ctx, channel: Channel, copy: CopyParts, parts: (keyof CopyParts)[]): boolean {
  const missing = parts.filter((p) => (p === "fields" ? !copy.fields || !Object.keys(copy.fields).length : !copy[p]?.trim()));
  c.checks.push({
    rule: "required",
    ok: !missing.length,
    detail: missing.length ? bi(`${channel} 缺少 ${missing.join("、")}`, `${channel} needs ${missing.join(", ")}`) : bi(`${channel} 必填项齐全`, `${channel} has ${parts.join(", ")}`),
  });
  return !missing.length;
}

function mergeTags(c: Ctx, copy: CopyParts) {
  const texts = [copy.title, copy.subject, copy.preheader, copy.body, ...Object.values(copy.fields ?? {})].filter((t): t is string => !!t);
  const bad = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(TAG)) if (!(MERGE_TAGS as readonly string[]).includes(m[1]!)) bad.add(m[0]);
    if (/\{\{|\}\}/.test(t.replace(TAG, ""))) bad.add("{{…}}");
  }
  c.checks.push({
    rule: "merge_tags",
    ok: !bad.size,
    detail: bad.size
      ? bi(`未填充或未知的占位符：${[...bad].join(" ")}`, `unfilled or unknown slots: ${[...bad].join(" ")} (send-time tags: ${MERGE_TAGS.join(", ")})`)
      : bi("占位符均为发送时合并标签", `only send-time merge tags (${MERGE_TAGS.join(", ")})`),
  });
}

/**
 * Checks one piece of copy against its channel's rules. Returns every check (rule, ok, detail,
 * part), whether all passed, the body's length (wechat: all fields') and, for SMS, its parts.
 */
export function checkCopy(channel: Channel, copy: CopyParts, opts: CheckOptions = {}): CheckResult {
  const lang = opts.language ?? "zh";
  const c: Ctx = { allowance: opts.mergeTagLength ?? DEFAULT_TAG_LENGTH, source: opts.mergeTagSource ?? "allowance", checks: [] };
  let chars = 0;
  let parts: number | undefined;
  if (channel === "sms") {
    if (required(c, channel, copy, ["body"])) {
      const body = copy.body!.trim();
      const sig = /^【[^【】]{1,20}】/.test(body);
      c.checks.push({ rule: "sms.signature", part: "body", ok: sig, detail: sig ? bi("以【签名】开头", "starts with a 【signature】") : bi("须以【签名】开头", "must start with a 【signature】") });
      const outs = OPT_OUT[lang];
      const out = outs.some((o) => body.endsWith(o));
      c.checks.push({ rule: "sms.opt_out", part: "body", ok: out, detail: bi(`${out ? "" : "须"}以「${outs.join("」或「")}」结尾`, `${out ? "ends" : "must end"} with "${outs.join('" or "')}"`) });
      const { n, zh, en } = count(c, body);
      const max = opts.maxParts ?? 1;
      chars = n;
      parts = smsParts(n);
      c.checks.push({
        rule: "sms.length",
        part: "body",
        ok: parts <= max,
        detail: bi(
          `${n} 字 = ${parts} 条（单条 ≤${LIMITS.sms.single}，长短信每条 ≤${LIMITS.sms.part}），上限 ${max} 条${zh}`,
          `${n} chars = ${parts} part(s) (one part ≤${LIMITS.sms.single}, concatenated parts ≤${LIMITS.sms.part} each), maxParts ${max}${en}`,
        ),
      });
    }
  } else if (channel === "push") {
    const l = LIMITS.push[lang];
    if (required(c, channel, copy, ["title", "body"])) {
      limit(c, "push.title_length", "title", copy.title!, l.title);
      chars = limit(c, "push.body_length", "body", copy.body!, l.body);
    }
  } else if (channel === "wechat") {
    if (required(c, channel, copy, ["fields"])) {
      for (const [k, v] of Object.entries(copy.fields!)) {
        const named = WECHAT_FIELD.test(k);
        if (!named) c.checks.push({ rule: "wechat.field_name", part: `fields.${k}`, ok: false, detail: bi(`字段名 ${k} 无效`, `${k} is not a template field name (thing1, time2, keyword1, first, remark…)`) });
        chars += limit(c, "wechat.field_length", `fields.${k}`, v, LIMITS.wechat.field);
      }
    }
  } else {
    const l = LIMITS.email[lang];
    if (required(c, channel, copy, ["subject", "body"])) {
      limit(c, "email.subject_length", "subject", copy.subject!, l.subject);
      if (copy.preheader !== undefined) limit(c, "email.preheader_length", "preheader", copy.preheader, l.preheader);
      chars = count(c, copy.body!).n;
      const html = /<\/?[a-z][^>]*>/i.test(copy.body!);
      c.checks.push({ rule: "email.body_plain", part: "body", ok: !html, detail: html ? bi("正文须为纯文本（不含 HTML 标签）", "the body must be plain text (no HTML tags)") : bi("纯文本正文", "plain-text body") });
    }
  }
  mergeTags(c, copy);
  return { ok: c.checks.every((x) => x.ok), chars, ...(parts === undefined ? {} : { parts }), checks: c.checks };
}
