import type { PersonaLanguage } from "./card.ts";

/**
 * Small text helpers the persona engine, the prompt builder and the chat API share: which language
 * a message is in, a token count, tokens for matching, and a stable hash for seeded choices.
 */

const HAN = /\p{Script=Han}/gu;
const LETTERS = /[A-Za-z]/g;

/** Chinese when Han characters are at least a fifth of the letters; otherwise English (or the fallback when there are no letters). */
export function detectLanguage(text: string, fallback: PersonaLanguage = "zh"): PersonaLanguage {
  const han = text.match(HAN)?.length ?? 0;
  const latin = text.match(LETTERS)?.length ?? 0;
  if (han === 0 && latin === 0) return fallback;
  return han * 5 >= latin ? "zh" : "en";
}

/**
 * Tokens as an OpenAI-style tokenizer would roughly count them: a Han character, a digit run or a
 * punctuation mark is one; an English word one per four letters (at least one). Usage figures are
 * estimates and say so.
 */
const TOKEN = /\p{Script=Han}|[A-Za-z]+|\d+|[^\s\p{Script=Han}A-Za-z\d]/gu;
const cost = (t: string) => (/^[A-Za-z]/.test(t) ? Math.max(1, Math.ceil(t.length / 4)) : 1);

/** The tokens of `text`, stopping where they would pass `max`: the count, and where the cut falls. */
function walk(text: string, max: number): { n: number; cutAt?: number } {
  let n = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (n + cost(m[0]) > max) return { n, cutAt: m.index };
    n += cost(m[0]);
  }
  return { n };
}

export const countTokens = (text: string): number => walk(text, Infinity).n;

/** The longest prefix of `text` within `max` tokens (counted as countTokens does). */
export function truncateTokens(text: string, max: number): { text: string; cut: boolean } {
  const w = walk(text, max);
  return w.cutAt === undefined ? { text, cut: false } : { text: text.slice(0, w.cutAt).trimEnd(), cut: true };
}

const EN_STOP = new Set("a an the i you me my your is are am was were be to of and or in on at it this that for with do does did so just really very what how".split(" "));

/** Terms for overlap matching: Han character bigrams (and single characters), English words minus stop words. */
export function terms(text: string): Set<string> {
  const out = new Set<string>();
  const lower = text.toLowerCase();
  for (const run of lower.match(/\p{Script=Han}+/gu) ?? []) {
    for (let i = 0; i < run.length; i++) {
      out.add(run[i]!);
      if (i + 1 < run.length) out.add(run.slice(i, i + 2));
    }
  }
  for (const w of lower.match(/[a-z][a-z']+/g) ?? []) if (!EN_STOP.has(w)) out.add(w.replace(/'s$/, ""));
  return out;
}

/** Overlap of two term sets relative to the query's (how much of what was asked the candidate covers). */
export function overlap(query: Set<string>, candidate: Set<string>): number {
  if (!query.size) return 0;
  let hit = 0;
  for (const t of query) if (candidate.has(t)) hit += t.length > 1 ? 2 : 1;
  let total = 0;
  for (const t of query) total += t.length > 1 ? 2 : 1;
  return hit / total;
}
