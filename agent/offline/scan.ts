import { cut } from "#jieba";
import { findNumbers, toHalfWidth } from "./numerals.ts";
import { findTimeWindows, type TimeMatch } from "./time.ts";
import { bindName, bindValue, squash, type Catalog, type Lexicon } from "./lexicon.ts";

/** One recognised phrase of the operator's message, with where it came from (the trace). */
export type Mention = { start: number; end: number; text: string; source: string } & (
  | { k: "time"; m: TimeMatch }
  | { k: "num"; value: number; unit?: string }
  | { k: "event"; name: string; concept: string }
  | { k: "trait"; key: string; concept: string; values: unknown[] }
  | { k: "genre"; value: string }
  | { k: "rfm"; id: string }
  | { k: "life"; id: string }
  | { k: "score"; id: string; high?: number; low?: number }
  | { k: "word"; w: string }
  | { k: "intent"; w: string }
  | { k: "filler" }
);
type Kind = Mention extends infer M ? (M extends { k: infer K } ? K : never) : never;
type Entry = { phrase: string; make: () => Omit<Mention, "start" | "end" | "text"> };

export type Scan = { text: string; lang: "zh" | "en"; mentions: Mention[]; unknown: string[]; genreProperty?: string; playEvent?: string; genreProps: Record<string, string> };

const isWordChar = (c: string | undefined) => !!c && /[a-z0-9_]/i.test(c);
const CJK = /[\u4e00-\u9fff]/;

/**
 * The phrase table for one workspace: every lexicon word whose concept exists in this workspace's
 * catalog, bound to the workspace's own names, plus the catalog's names themselves.
 */
function phraseTable(lex: Lexicon, cat: Catalog) {
  const entries: Entry[] = [];
  const add = (words: readonly string[] | undefined, make: Entry["make"]) => {
    for (const w of words ?? []) entries.push({ phrase: toHalfWidth(w).toLowerCase(), make });
  };
  const eventNames = cat.events.map((e) => e.name);
  const bound = new Set<string>();
  for (const e of lex.events) {
    const b = bindName(eventNames, e.names, e.zh);
    if (!b) continue;
    bound.add(b.name);
    const make = () => ({ k: "event" as const, name: b.name, concept: e.concept, source: `lexicon events.${e.concept} → ${b.name} (${b.how})` });
    add([...(e.zh ?? []), ...(e.en ?? [])], make);
  }
  for (const name of eventNames) add([name, name.replace(/_/g, " ")], () => ({ k: "event", name, concept: name, source: `catalog event ${name}` }));
  const traitKeys = cat.traits.map((t) => t.key);
  for (const t of lex.traits) {
    const b = bindName(traitKeys, t.names);
    if (!b) continue;
    const values = cat.traits.find((x) => x.key === b.name)?.topValues.map((v) => v.value) ?? [];
    for (const v of t.values) {
      const value = bindValue(values, v);
      if (value === undefined) continue;
      add([...(v.zh ?? []), ...(v.en ?? [])], () => ({ k: "trait", key: b.name, concept: t.concept, values: [value], source: `lexicon traits.${t.concept}=${JSON.stringify(v.value)} → ${b.name}=${JSON.stringify(value)}` }));
    }
    for (const g of t.groups ?? []) {
      const vals = g.values.map((x) => bindValue(values, t.values.find((v) => v.value === x)!)).filter((x) => x !== undefined);
      add([...(g.zh ?? []), ...(g.en ?? [])], () => ({ k: "trait", key: b.name, concept: t.concept, values: vals, source: `lexicon traits.${t.concept} group → ${b.name} in ${JSON.stringify(vals)}` }));
    }
  }
  const play = lex.events.find((e) => e.concept === "play");
  const playEvent = play && bindName(eventNames, play.names, play.zh)?.name;
  // Which property holds the genre, per event (plays and likes both carry it in the demo).
  const genreProps: Record<string, string> = {};
  for (const e of cat.events) {
    const g = bindName(e.properties.map((p) => p.name), lex.genres.property)?.name;
    if (g) genreProps[e.name] = g;
  }
  const genreProperty = playEvent ? genreProps[playEvent] : undefined;
  const genreValues = cat.events.find((e) => e.name === playEvent)?.properties.find((p) => p.name === genreProperty)?.topValues.map((v) => v.value) ?? [];
  for (const g of lex.genres.values) {
    const names = [g.value, ...(g.en ?? []), ...(g.zh ?? [])].map((x) => squash(x));
    const value = (genreValues.find((v) => typeof v === "string" && names.includes(squash(v))) as string | undefined) ?? g.value;
    add([...(g.zh ?? []), ...(g.en ?? [])], () => ({ k: "genre", value, source: `lexicon genres.${g.value} → ${JSON.stringify(value)}` }));
  }
  for (const [id, w] of Object.entries(lex.rfm)) add([...(w.zh ?? []), ...(w.en ?? [])], () => ({ k: "rfm", id, source: `lexicon rfm.${id}` }));
  for (const [id, w] of Object.entries(lex.lifecycle)) add([...(w.zh ?? []), ...(w.en ?? [])], () => ({ k: "life", id, source: `lexicon lifecycle.${id}` }));
  for (const [id, w] of Object.entries(lex.scores)) add([...(w.zh ?? []), ...(w.en ?? [])], () => ({ k: "score", id, high: w.high, low: w.low, source: `lexicon scores.${id}` }));
  for (const [w, words] of Object.entries(lex.words)) add([...(words.zh ?? []), ...(words.en ?? [])], () => ({ k: "word", w, source: `lexicon words.${w}` }));
  for (const [w, words] of Object.entries(lex.intents)) add([...(words.zh ?? []), ...(words.en ?? [])], () => ({ k: "intent", w, source: `lexicon intents.${w}` }));
  add([...(lex.fillers.zh ?? []), ...(lex.fillers.en ?? [])], () => ({ k: "filler", source: "filler" }));
  // Longest phrase first; on a tie, the earlier kind in the table wins (events before words).
  const byFirst = new Map<string, Entry[]>();
  for (const e of entries) (byFirst.get(e.phrase[0]!) ?? byFirst.set(e.phrase[0]!, []).get(e.phrase[0]!)!).push(e);
  for (const list of byFirst.values()) list.sort((a, b) => b.phrase.length - a.phrase.length);
  return { byFirst, genreProperty, playEvent, genreProps };
}

/** Age bands as operators say them (18-24岁, 45岁以上, aged 25-34), matched to the catalog's values. */
function ages(text: string, lex: Lexicon, cat: Catalog, taken: (s: number, e: number) => boolean): Mention[] {
  const t = lex.traits.find((x) => x.ranges);
  const key = t && bindName(cat.traits.map((x) => x.key), t.names)?.name;
  if (!key) return [];
  const values = cat.traits.find((x) => x.key === key)!.topValues.map((v) => String(v.value));
  const out: Mention[] = [];
  const re = /(?:aged\s*)?(\d{2})\s*(?:-|到|至|~|—|to)\s*(\d{2})\s*(?:岁|years?(?: old)?)?|(\d{2})\s*(?:岁以上|岁及以上|\+|\s*and over|\s*or older)/gi;
  for (const m of text.matchAll(re)) {
    const want = m[3] ? `${m[3]}+` : `${m[1]}-${m[2]}`;
    const lower = (x: string) => Number(/^\d+/.exec(x)?.[0] ?? NaN);
    // "35岁以上" is every band that starts at 35 or later.
    const vs = m[3] ? values.filter((x) => lower(x) >= Number(m[3])) : values.filter((x) => x.replace(/\s/g, "") === want);
    if (!vs.length || taken(m.index!, m.index! + m[0].length)) continue;
    out.push({ k: "trait", key, concept: "age", values: vs, start: m.index!, end: m.index! + m[0].length, text: m[0], source: `age band ${want} → ${key} in ${JSON.stringify(vs)}` });
  }
  return out;
}

/** Longest-first lexicon matching over the parts of the text no earlier pass took. */
function phrases(text: string, table: ReturnType<typeof phraseTable>, covered: Uint8Array, taken: (s: number, e: number) => boolean, take: (m: Mention) => void, which: (e: Entry) => boolean) {
  for (let i = 0; i < text.length; ) {
    if (covered[i]) {
      i++;
      continue;
    }
    let hit: Entry | undefined;
    for (const e of table.byFirst.get(text[i]!) ?? []) {
      const end = i + e.phrase.length;
      if (!which(e) || !text.startsWith(e.phrase, i) || taken(i, end)) continue;
      // English words match whole words only; Chinese has no spaces to respect.
      if (!CJK.test(e.phrase) && (isWordChar(text[i - 1]) || isWordChar(text[end])) && isWordChar(e.phrase[0])) continue;
      hit = e;
      break;
    }
    if (!hit) {
      i++;
      continue;
    }
    take({ ...(hit.make() as Mention), start: i, end: i + hit.phrase.length, text: text.slice(i, i + hit.phrase.length) });
    i += hit.phrase.length;
  }
}

/** Finds every phrase the offline model knows in a message: times, numbers, then the lexicon, longest first. */
export function scan(message: string, lex: Lexicon, cat: Catalog): Scan {
  const text = toHalfWidth(message).toLowerCase();
  const table = phraseTable(lex, cat);
  const mentions: Mention[] = [];
  const covered = new Uint8Array(text.length);
  const take = (m: Mention) => {
    mentions.push(m);
    covered.fill(1, m.start, m.end);
  };
  const taken = (s: number, e: number) => covered.subarray(s, e).some((x) => x === 1);
  for (const m of findTimeWindows(text, new Date(cat.now), cat.timezone)) take({ k: "time", m, start: m.start, end: m.end, text: m.text, source: "time grammar" });
  for (const a of ages(text, lex, cat, taken)) take(a);
  // Phrases with digits in them (tier-1) go before the numerals, which would take their digits.
  phrases(text, table, covered, taken, take, (e) => /\d/.test(e.phrase));
  for (const n of findNumbers(text, mentions.map((m) => ({ start: m.start, end: m.end })))) {
    if (!taken(n.start, n.end)) take({ k: "num", value: n.value, unit: n.unit, start: n.start, end: n.end, text: n.text, source: "numerals" });
  }
  phrases(text, table, covered, taken, take, () => true);
  mentions.sort((a, b) => a.start - b.start);
  // What is left over, cut into words by jieba: reported as not understood instead of guessed at.
  const rest = Array.from(text, (c, i) => (covered[i] ? " " : c)).join("");
  const unknown = cut(rest, true)
    .map((w) => w.trim())
    .filter((w) => (CJK.test(w) ? w.length >= 2 : /^[a-z][a-z_-]{3,}$/.test(w)));
  const lang = CJK.test(message) ? "zh" : "en";
  return { text, lang, mentions: mentions.filter((m) => m.k !== "filler"), unknown, genreProperty: table.genreProperty, playEvent: table.playEvent, genreProps: table.genreProps };
}

export const isKind = <K extends Kind>(m: Mention | undefined, k: K): m is Extract<Mention, { k: K }> => m?.k === k;
