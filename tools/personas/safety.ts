import { z } from "zod";
import { fill, promptJson, type Prompts } from "../../lib/prompts.ts";

/**
 * The persona safety layer: the chat service screens the user's message before generating and the
 * generated reply (possibly an external LLM's) before sending. What it looks for and what it says
 * live in prompts/personas/safety.{zh,en}.json; both languages' triggers are always checked (a
 * Chinese user may write English), the answer is in the chat's language. Reasons: Character.AI's
 * crisis pop-ups, California SB 243 (AI disclosure, crisis referral, minors), the CAC 拟人化互动服务
 * draft (AI disclosure, a reminder after 2 hours, a minors mode).
 */

export type SafetyLang = "zh" | "en";
export type SafetyKind = "self_harm" | "minor_sexual" | "personal_data" | "illegal" | "ai_question" | "claims_human" | "unsafe_output";
export type SafetyVars = { char: string; user?: string };
/** A verdict means: do not generate (input) / do not send (output); answer `reply` instead. `kind` is logged in the message's meta. */
export type SafetyVerdict = { kind: SafetyKind; reply: string; lang: SafetyLang };
export type SafetyTier = "general" | "teen";

const GROUPS = ["self_harm", "minor_sexual", "minor", "sexual", "romance", "illegal", "personal_data", "ai_question", "claims_human", "harm_output", "data_output"] as const;
type GroupName = (typeof GROUPS)[number];
const REPLIES = ["self_harm", "minor_sexual", "teen_sexual", "personal_data", "illegal", "ai_question", "claims_human", "unsafe_output", "unsafe_output_harm"] as const;
type ReplyKey = (typeof REPLIES)[number];

const patterns = z.array(z.string().min(1)).default([]);
/** `words` are literal keywords, `match` regexes, `allow` phrases blanked out before matching ("想死你了", "kill time"). */
const Group = z.strictObject({ words: patterns, match: patterns, allow: patterns });
const SafetyFile = z.looseObject({
  user_default: z.string().min(1),
  /** "殺杀 嗎吗 …": a traditional or variant character and the simplified one the triggers are written in. */
  traditional: z.string().default(""),
  triggers: z.record(z.enum(GROUPS), Group),
  replies: z.record(z.enum(REPLIES), z.string().min(1)),
  reminder: z.string().min(1),
});
type SafetyFile = z.infer<typeof SafetyFile>;

type Matcher = { match: RegExp | undefined; allow: RegExp | undefined };
type Fold = (s: string) => string;
type Compiled = { files: Record<SafetyLang, SafetyFile>; groups: Record<GroupName, Matcher>; fold: Fold };

const LANGS: SafetyLang[] = ["zh", "en"];
const compiledCache = new WeakMap<Prompts, Compiled>();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A Latin keyword is a whole word ("kid" is not in "kidding"); a Chinese one is a substring. */
const wordPattern = (w: string) => {
  const e = escape(w.normalize("NFKC").toLowerCase());
  return `${/^[a-z0-9]/.test(e) ? "\\b" : ""}${e}${/[a-z0-9]$/.test(e) ? "\\b" : ""}`;
};

function union(sources: { file: string; pattern: string }[], flags: string): RegExp | undefined {
  if (!sources.length) return undefined;
  for (const s of sources) {
    try {
      new RegExp(s.pattern, flags);
    } catch (e) {
      throw new Error(`bad pattern in ${s.file}: ${s.pattern} (${(e as Error).message})`);
    }
  }
  return new RegExp(sources.map((s) => `(?:${s.pattern})`).join("|"), flags);
}

/** One replace over a character class, so the cost stays flat however long the table grows. */
function folder(files: Record<SafetyLang, SafetyFile>): Fold {
  const map = new Map<string, string>();
  for (const lang of LANGS) {
    for (const pair of files[lang].traditional.split(/\s+/).filter(Boolean)) {
      const [from, to, ...rest] = Array.from(pair);
      if (!from || !to || rest.length || !/^\p{Script=Han}{2}$/u.test(pair)) throw new Error(`prompts/personas/safety.${lang}.json traditional: "${pair}" is not a pair of Han characters`);
      map.set(from, to);
    }
  }
  if (!map.size) return (s) => s;
  const re = new RegExp(`[${[...map.keys()].join("")}]`, "gu");
  return (s) => s.replace(re, (ch) => map.get(ch)!);
}

/** Both files parsed and every group's patterns joined into one regex, once per prompt source. */
function compiled(prompts: Prompts): Compiled {
  let c = compiledCache.get(prompts);
  if (c) return c;
  const files = {} as Record<SafetyLang, SafetyFile>;
  for (const lang of LANGS) {
    const path = `personas/safety.${lang}.json`;
    const parsed = SafetyFile.safeParse(promptJson(prompts, path));
    if (!parsed.success) throw new Error(`prompts/${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    files[lang] = parsed.data;
  }
  const fold = folder(files);
  const groups = {} as Record<GroupName, Matcher>;
  for (const name of GROUPS) {
    // Patterns are folded like the text, so a trigger typed in traditional characters still matches.
    const from = (pick: (g: z.infer<typeof Group>) => string[]) =>
      LANGS.flatMap((lang) => pick(files[lang].triggers[name]).map((pattern) => ({ file: `safety.${lang}.json ${name}`, pattern: fold(pattern) })));
    groups[name] = {
      match: union([...from((g) => g.words.map(wordPattern)), ...from((g) => g.match)], "i"),
      allow: union(from((g) => g.allow), "gi"),
    };
  }
  compiledCache.set(prompts, (c = { files, groups, fold }));
  return c;
}

const CJK = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff";
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g;
const QUOTES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
// In Chinese text a space next to a Han character is typography, so 想 死 and 你是 AI 吗 read joined.
const SPACE_BY_CJK = new RegExp(`(?<=[${CJK}])\\s+|\\s+(?=[${CJK}])`, "g");
// Symbols slipped between Han characters (想-死, 自*杀); sentence punctuation stays, so clauses do not merge.
const SYMBOL_IN_CJK = new RegExp(`(?<=[${CJK}])[-_.*·~/\\\\|+=^'"#@&<>()\\[\\]{}…]+(?=[${CJK}])`, "g");
const SPACED_LETTERS = /(?<![a-z0-9'])[a-z](?:[\s.\-_*~+·]{1,3}[a-z](?![a-z0-9'])){1,}/g;
const LEET_TOKEN = /[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*/g;
const LEET_CHAR = /[0-9@$]|[!|](?=[a-z])/g;
const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "!": "i", "|": "l" };

/**
 * The text as the patterns see it: NFKC (full-width → half-width), lowercase, no invisible
 * characters, Han characters joined across spaces and symbols. A second reading, when it differs,
 * joins spaced-out letters ("k i l l") and undoes simple leetspeak ("k1ll"); both are checked, so
 * the second can add hits but never hides one. The screens also fold traditional characters to
 * simplified first (the table is in the prompt file, so this exported view leaves them as typed).
 */
export function readings(text: string): string[] {
  return read(text, (s) => s);
}

/** `readings`, with traditional characters folded to the simplified ones the triggers use (我想自殺 reads 我想自杀). */
function read(text: string, fold: Fold): string[] {
  const base = fold(text.normalize("NFKC")).toLowerCase().replace(INVISIBLE, "").replace(QUOTES, "'").replace(/\s+/g, " ").replace(SPACE_BY_CJK, "").replace(SYMBOL_IN_CJK, "");
  const joined = base
    .replace(SPACED_LETTERS, (m) => m.replace(/[^a-z]/g, ""))
    .replace(LEET_TOKEN, (t) => t.replace(LEET_CHAR, (ch) => LEET[ch] ?? ch));
  return joined === base ? [base] : [base, joined];
}

function hits(m: Matcher, texts: string[]): boolean {
  if (!m.match) return false;
  for (const t of texts) if (m.match.test(m.allow ? t.replace(m.allow, " ") : t)) return true;
  return false;
}

function verdict(c: Compiled, kind: SafetyKind, key: ReplyKey, lang: SafetyLang, vars: SafetyVars): SafetyVerdict {
  const file = c.files[lang];
  return { kind, lang, reply: fill(file.replies[key], { char: vars.char, user: vars.user ?? file.user_default }) };
}

const minorSexual = (g: Compiled["groups"], t: string[]) => hits(g.minor_sexual, t) || (hits(g.minor, t) && hits(g.sexual, t));

/** The user's message before generating: a verdict means answer its `reply` and do not generate (an `ai_question` reply is the answer itself). */
export function screenInput(prompts: Prompts, text: string, lang: SafetyLang, vars: SafetyVars, tier: SafetyTier = "general"): SafetyVerdict | undefined {
  const c = compiled(prompts);
  const g = c.groups;
  const t = read(text, c.fold);
  // Most serious first: someone in crisis who also asks "are you real" gets the crisis reply.
  if (hits(g.self_harm, t)) return verdict(c, "self_harm", "self_harm", lang, vars);
  if (minorSexual(g, t)) return verdict(c, "minor_sexual", "minor_sexual", lang, vars);
  // A teen persona treats its user as a minor: sexual or romantic-explicit requests are refused too.
  if (tier === "teen" && (hits(g.sexual, t) || hits(g.romance, t))) return verdict(c, "minor_sexual", "teen_sexual", lang, vars);
  if (hits(g.illegal, t)) return verdict(c, "illegal", "illegal", lang, vars);
  if (hits(g.personal_data, t)) return verdict(c, "personal_data", "personal_data", lang, vars);
  if (hits(g.ai_question, t)) return verdict(c, "ai_question", "ai_question", lang, vars);
  return undefined;
}

/** A generated reply before sending: a verdict means send its `reply` instead. */
export function screenOutput(prompts: Prompts, reply: string, lang: SafetyLang, vars: SafetyVars, tier: SafetyTier = "general"): SafetyVerdict | undefined {
  const c = compiled(prompts);
  const g = c.groups;
  const t = read(reply, c.fold);
  if (hits(g.harm_output, t)) return verdict(c, "unsafe_output", "unsafe_output_harm", lang, vars);
  if (minorSexual(g, t) || (tier === "teen" && hits(g.sexual, t)) || hits(g.data_output, t)) return verdict(c, "unsafe_output", "unsafe_output", lang, vars);
  if (hits(g.claims_human, t)) return verdict(c, "claims_human", "claims_human", lang, vars);
  return undefined;
}

const HOUR_MS = 3_600_000;
/** A pause longer than this ends a stretch of continuous chat. */
export const SESSION_GAP_MS = 30 * 60_000;
/** Continuous chat before the break reminder, and between reminders: 2 h (the CAC draft), 1 h for teen (Character.AI's under-18 notice). */
export const REMINDER_EVERY_MS: Record<SafetyTier, number> = { general: 2 * HOUR_MS, teen: HOUR_MS };

/** When the current stretch of continuous chat began: `now` if there was none or the last message is more than SESSION_GAP_MS ago. */
export function continuousSince(startedAt: number | null, lastMessageAt: number | null, now: number): number {
  return startedAt === null || lastMessageAt === null || now - lastMessageAt > SESSION_GAP_MS ? now : startedAt;
}

/**
 * Whether to show the break reminder now: after 2 h (teen 1 h) of continuous chat, then once per
 * further 2 h (teen 1 h). A reminder shown before this stretch began does not count.
 */
export function reminderDue(sessionStartedAt: number, remindedAt: number | null, now: number, tier: SafetyTier = "general"): boolean {
  const every = REMINDER_EVERY_MS[tier];
  if (now - sessionStartedAt < every) return false;
  return remindedAt === null || remindedAt < sessionStartedAt || now - remindedAt >= every;
}

export function breakReminder(prompts: Prompts, lang: SafetyLang, minutes: number, vars: SafetyVars): string {
  const file = compiled(prompts).files[lang];
  return fill(file.reminder, { char: vars.char, user: vars.user ?? file.user_default, minutes: Math.max(0, Math.round(minutes)) });
}
