import { mulberry32, pick, type Rng } from "../../../lib/prng.ts";
import type { Prompts } from "../../../lib/prompts.ts";
import type { LyricLine, LyricSection, Lyrics, Mood, SectionKind, SongLanguage, Style } from "../types.ts";
import { englishLoaded, syllableCount } from "./en.ts";
import { patternsFile, pickTheme, wordPool, type Ending, type PatternsFile, type WordPool } from "./lexicon.ts";
import { readLine, UNKNOWN_RHYME } from "./line.ts";
import { PHRASE, planFor, styleLineLength } from "./plan.ts";
import { HAN } from "./zh.ts";

export type LyricsRequest = {
  theme?: string;
  prompt?: string;
  mood?: Mood;
  style?: Style;
  language: SongLanguage;
  title?: string;
  durationSec: number;
  seed: number;
};

type Ctx = { rng: Rng; lang: SongLanguage; pool: WordPool; patterns: PatternsFile; usedEnds: Set<string>; base: number };

/** Chorus forms: every line on the rhyme, or AABA (the third line of each four free). */
type Form = "even" | "all" | "aaba";
const rhymesAt = (form: Form, i: number) => form === "all" || (form === "aaba" ? i % 4 !== 2 : i % 2 === 1);

function weightedEnding(rng: Rng, list: readonly Ending[]): Ending | undefined {
  const total = list.reduce((s, e) => s + e.weight, 0);
  let r = rng() * total;
  for (const e of list) if ((r -= e.weight) < 0) return e;
  return list.at(-1);
}

/** A rhyme class with room for the section: enough distinct endings, the theme's own weighing most, a change from the last section preferred. */
function chooseClass(ctx: Ctx, need: number, avoid: string | undefined, failed: ReadonlySet<string>): string {
  const byClass = new Map<string, { words: Set<string>; weight: number }>();
  for (const e of ctx.pool.endings) {
    if (e.cls === UNKNOWN_RHYME || failed.has(e.cls)) continue;
    const c = byClass.get(e.cls) ?? { words: new Set(), weight: 0 };
    c.words.add(e.word);
    c.weight += e.weight;
    byClass.set(e.cls, c);
  }
  const options = [...byClass].filter(([, c]) => c.words.size > need);
  if (options.length === 0) throw new Error(`no rhyme class in the ${ctx.lang} lexicon has ${need + 1} endings`);
  const weighted = options.map(([cls, c]) => [cls, cls === avoid ? c.weight * 0.2 : c.weight] as const);
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = ctx.rng() * total;
  for (const [cls, w] of weighted) if ((r -= w) < 0) return cls;
  return weighted.at(-1)![0];
}

const SLOTS = new Set(["img", "place", "time", "act", "feel"]);
type Slot = "img" | "place" | "time" | "act" | "feel";

/** Fills a pattern's slots, a different word for each repeat of a slot within the line. */
function fillPattern(ctx: Ctx, pattern: string, end: string): string {
  const used = new Set<string>();
  const text = pattern.replace(/\{\{(\w+)\}\}/g, (_, slot: string) => {
    if (slot === "end") return end;
    if (!SLOTS.has(slot)) throw new Error(`unknown slot {{${slot}}} in a ${ctx.lang} lyrics pattern`);
    const words = ctx.pool[slot as Slot];
    const fresh = words.filter((w) => !used.has(w) && w !== end);
    const w = pick(ctx.rng, fresh.length ? fresh : words);
    used.add(w);
    return w;
  });
  return ctx.lang === "en" ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** Singable length without a full reading: Chinese counts characters, English needs the phones. */
const lengthOf = (ctx: Ctx, text: string) =>
  ctx.lang === "zh"
    ? Array.from(text).filter((c) => HAN.test(c)).length
    : (text.match(/[A-Za-z][A-Za-z'’]*/g) ?? []).reduce((n, w) => n + syllableCount(w.replace(/['’]+$/, "")), 0);

type Want = { cls?: string; not?: string };

/**
 * One line: an ending that fits the rhyme wanted, a pattern for its part of speech, slots filled —
 * tried until the line's length sits within one of the section's target. The reading of the whole
 * line is checked too, as a polyphone can read differently in context than alone.
 */
function makeLine(ctx: Ctx, kind: SectionKind, want: Want, target: number, usedHere: Set<string>, usedPatterns: Set<string>): LyricLine | undefined {
  const patterns = ctx.patterns[kind === "chorus" ? "chorus" : "verse"];
  const fits = ctx.pool.endings.filter(
    (e) => (want.cls === undefined || e.cls === want.cls) && (want.not === undefined || e.cls !== want.not) && !usedHere.has(e.word) && patterns[e.tag]?.length,
  );
  const fresh = fits.filter((e) => !ctx.usedEnds.has(e.word));
  const { min, max } = PHRASE[ctx.lang];
  // Off by more than one only passes where nothing asks lines to match (English); never outside the phrase.
  type Best = { line: LyricLine; off: number; word: string; pattern: string };
  const acceptable = (b: Best | undefined): b is Best =>
    !!b && b.line.syllables.length >= min && b.line.syllables.length <= max && (ctx.lang === "en" || b.off <= 1);
  let best: Best | undefined;
  for (let attempt = 0; attempt < 400; attempt++) {
    if (attempt >= 120 && acceptable(best)) break;
    // Words already sung elsewhere in the song come in only when the fresh ones will not fit.
    const e = weightedEnding(ctx.rng, attempt < 250 && fresh.length ? fresh : fits);
    if (!e) break;
    const all = patterns[e.tag]!;
    const unused = all.filter((p) => !usedPatterns.has(p));
    const pattern = pick(ctx.rng, unused.length ? unused : all);
    const text = fillPattern(ctx, pattern, e.word);
    const off = Math.abs(lengthOf(ctx, text) - target);
    if (best && off >= best.off) continue;
    const { line } = readLine(text, ctx.lang);
    if (want.cls !== undefined && line.rhyme !== want.cls) continue;
    if (want.not !== undefined && line.rhyme === want.not) continue;
    best = { line, off, word: e.word, pattern };
    if (off <= 1) break;
  }
  if (!acceptable(best)) return undefined;
  usedHere.add(best.word);
  ctx.usedEnds.add(best.word);
  usedPatterns.add(best.pattern);
  return best.line;
}

/**
 * A section in one rhyme class. A class whose endings will not make lines of the right length (a
 * class of short verbs against long chorus targets) is given up for another.
 */
function composeSection(ctx: Ctx, kind: SectionKind, n: number, avoid: string | undefined): { lines: LyricLine[]; cls: string } {
  const form: Form = kind === "chorus" ? (n >= 4 && ctx.rng() < 0.35 ? "aaba" : "all") : "even";
  const need = Array.from({ length: n }, (_, i) => rhymesAt(form, i)).filter(Boolean).length;
  const { min, max } = PHRASE[ctx.lang];
  const lean = pick(ctx.rng, [-1, 0, 0, 1]);
  // Kept one inside the phrase range, so a line one off the target still fits.
  const target = Math.min(max - 1, Math.max(min + 1, ctx.base + lean));
  const failed = new Set<string>();
  for (let tries = 0; tries < 8; tries++) {
    const cls = chooseClass(ctx, need, avoid, failed);
    const usedHere = new Set<string>();
    const usedPatterns = new Set<string>();
    const lines: LyricLine[] = [];
    for (let i = 0; i < n; i++) {
      const want: Want = rhymesAt(form, i) ? { cls } : form === "aaba" ? { not: cls } : {};
      const line = makeLine(ctx, kind, want, target, usedHere, usedPatterns);
      if (!line) break;
      lines.push(line);
    }
    if (lines.length === n) return { lines, cls };
    failed.add(cls);
  }
  throw new Error(`the ${ctx.lang} lexicon could not fill a ${n}-line ${kind} (target ${target} syllables)`);
}

const titleCase = (s: string) => s.replace(/(^|\s)(\p{Ll})/gu, (_, sp: string, c: string) => sp + c.toUpperCase());

function makeTitle(ctx: Ctx, freeWord: string | undefined): string {
  if (!freeWord) return pick(ctx.rng, ctx.pool.titles);
  const word = ctx.lang === "en" ? titleCase(freeWord) : freeWord;
  const title = pick(ctx.rng, ctx.patterns.titles.free).replace(/\{\{(\w+)\}\}/g, (_, slot: string) =>
    slot === "word" ? word : pick(ctx.rng, SLOTS.has(slot) ? ctx.pool[slot as Slot] : [word]),
  );
  return ctx.lang === "en" ? titleCase(title) : title;
}

const copyLine = (l: LyricLine): LyricLine => ({ ...l, syllables: l.syllables.map((s) => ({ ...s })) });

/**
 * Lyrics without a model: theme → the lexicon's words → sections by the length's plan → lines from
 * the patterns, rhymed per section (verse on its even lines, chorus on every line or AABA), the
 * same request and seed giving the same lyrics. A chorus comes back word for word, as choruses do.
 * English needs `await loadPronunciations("en")` first.
 */
export function composeLyrics(prompts: Prompts, req: LyricsRequest): Lyrics {
  const lang = req.language;
  if (lang === "en" && !englishLoaded()) throw new Error('English pronunciations are not loaded: await loadPronunciations("en") first');
  const theme = pickTheme(prompts, req);
  const ctx: Ctx = {
    rng: mulberry32(req.seed),
    lang,
    pool: wordPool(prompts, lang, theme.id, req.mood),
    patterns: patternsFile(prompts, lang),
    usedEnds: new Set(),
    base: styleLineLength(lang, req.style),
  };
  const title = req.title ?? makeTitle(ctx, theme.freeWord);
  let chorus: LyricLine[] | undefined;
  let lastCls: string | undefined;
  const sections: LyricSection[] = planFor(req.durationSec).map(({ kind, lines: n }) => {
    if (kind === "chorus" && chorus?.length === n) return { kind, lines: chorus.map(copyLine) };
    const { lines, cls } = composeSection(ctx, kind, n, lastCls);
    lastCls = cls;
    if (kind === "chorus") chorus = lines;
    return { kind, lines };
  });
  return { language: lang, title, sections };
}
