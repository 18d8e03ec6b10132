import { promptJson, type Prompts } from "../../lib/prompts.ts";
import type { PersonaLanguage, StyleBank } from "./card.ts";

/**
 * What the offline persona engine reads in a user's message: one intent, plus the facts worth
 * pinning (a name, a taste) and a song theme. The patterns are prompts/personas/engine.<lang>.json.
 */

export const INTENTS = ["farewell", "recall", "sing", "who", "sad", "greet"] as const;
export type Intent = (typeof INTENTS)[number] | "name" | "taste" | "question" | "other";

export type Lexicon = {
  userFallback: string;
  intents: Record<(typeof INTENTS)[number], string>;
  /** What rules a `sing` match out: the user telling what they do ("I'm writing a song"), not asking. */
  singNot: string;
  name: string;
  nameStop: string[];
  taste: string;
  tasteStop: string[];
  theme: string;
  /** What a captured theme loses in front ("首关于夏天" → 夏天, "the sea" → sea). */
  themeStrip: string;
  question: string;
  genres: Record<string, string[]>;
  genreNames: Record<string, string>;
  alsoLike: string;
  summary: Record<"prefix" | "name" | "likes" | "mood" | "song" | "topics" | "sep", string>;
  /** How an auto-pinned fact reads in the memory list (the user may rewrite it; the engine reads it back). */
  memory: Record<"name" | "taste", string>;
  /** The answer to "what's my name?" before any other fact is brought up. */
  nameRecall: string;
  songFailed: string;
  neutral: StyleBank;
};

type Compiled = {
  lex: Lexicon;
  intents: [(typeof INTENTS)[number], RegExp][];
  singNot: RegExp;
  name: RegExp;
  taste: RegExp;
  theme: RegExp;
  themeStrip: RegExp;
  question: RegExp;
};

const cache = new WeakMap<Prompts, Record<PersonaLanguage, Compiled>>();

/** Both languages' lexicons, compiled once per prompt source. */
export function lexicons(prompts: Prompts): Record<PersonaLanguage, Compiled> {
  let c = cache.get(prompts);
  if (c) return c;
  const compile = (lang: PersonaLanguage): Compiled => {
    const lex = promptJson<Lexicon>(prompts, `personas/engine.${lang}.json`);
    return {
      lex,
      intents: INTENTS.map((k) => [k, new RegExp(lex.intents[k], "iu")]),
      singNot: new RegExp(lex.singNot, "iu"),
      name: new RegExp(lex.name, "iu"),
      taste: new RegExp(lex.taste, "iu"),
      theme: new RegExp(lex.theme, "iu"),
      themeStrip: new RegExp(lex.themeStrip, "iu"),
      question: new RegExp(lex.question, "iu"),
    };
  };
  c = { zh: compile("zh"), en: compile("en") };
  cache.set(prompts, c);
  return c;
}

export type Analysis = {
  intent: Intent;
  /** The name the user gave ("我叫小林", "call me Lin"). */
  name?: string;
  /** What the user said they like, as they said it, and the genre it names if any. */
  taste?: { text: string; genre?: string };
  /** A song theme ("唱一首关于夏天的歌" → 夏天). */
  theme?: string;
  question: boolean;
};

const capitalise = (s: string) => (/^[a-z]/.test(s) ? s[0]!.toUpperCase() + s.slice(1) : s);

/** The genre a phrase names, by either language's words for it. */
export function genreOf(prompts: Prompts, phrase: string): string | undefined {
  const lower = phrase.toLowerCase();
  for (const l of Object.values(lexicons(prompts)))
    for (const [genre, words] of Object.entries(l.lex.genres)) if (words.some((w) => lower.includes(w))) return genre;
  return undefined;
}

/** A name from a message in either language ("我叫小林" in an English chat still counts). */
export function nameIn(prompts: Prompts, text: string): string | undefined {
  for (const l of Object.values(lexicons(prompts))) {
    const m = l.name.exec(text);
    const name = m?.[1]?.trim();
    if (name && !l.lex.nameStop.some((s) => name.toLowerCase() === s || name.startsWith(s))) return capitalise(name);
  }
  return undefined;
}

/** A stated taste from a message in either language. */
export function tasteIn(prompts: Prompts, text: string): Analysis["taste"] {
  for (const l of Object.values(lexicons(prompts))) {
    const m = l.taste.exec(text);
    const t = m?.[1]?.trim().replace(/^(the|听)\s*/i, "");
    if (t && !l.lex.tasteStop.some((s) => t.toLowerCase() === s || t.toLowerCase().startsWith(`${s} `))) {
      const genre = genreOf(prompts, t);
      return { text: t, ...(genre ? { genre } : {}) };
    }
  }
  return undefined;
}

export function analyze(prompts: Prompts, text: string, lang: PersonaLanguage): Analysis {
  const c = lexicons(prompts)[lang];
  const other = lexicons(prompts)[lang === "zh" ? "en" : "zh"];
  const name = nameIn(prompts, text);
  const taste = tasteIn(prompts, text);
  const question = c.question.test(text);
  const matched = (k: (typeof INTENTS)[number]) => c.intents.find(([i]) => i === k)![1].test(text) || other.intents.find(([i]) => i === k)![1].test(text);
  let intent: Intent = "other";
  // Facts first: "我叫小林，晚安" is worth remembering even though it says goodnight.
  // Making a song spends a song credit: only a request counts, not "I'm writing a song".
  if (matched("sing") && !c.singNot.test(text) && !other.singNot.test(text)) intent = "sing";
  else if (matched("recall")) intent = "recall";
  else if (name) intent = "name";
  else if (matched("sad")) intent = "sad";
  else if (matched("farewell")) intent = "farewell";
  else if (matched("who")) intent = "who";
  else if (taste) intent = "taste";
  else if (matched("greet")) intent = "greet";
  else if (question) intent = "question";
  const theme = c.theme.exec(text)?.[1]?.replace(c.themeStrip, "").trim() || undefined;
  return { intent, question, ...(name ? { name } : {}), ...(taste ? { taste } : {}), ...(theme ? { theme } : {}) };
}
