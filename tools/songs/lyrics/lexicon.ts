import { promptJson, type Prompts } from "../../../lib/prompts.ts";
import type { Mood, SongLanguage } from "../types.ts";
import { readLine } from "./line.ts";

/** The composer's word files in prompts/songs/: the theme index, and per language the lexicon and line patterns. */

export type Tag = string;
type SlotWords = { img: string[]; place: string[]; time: string[]; act: string[]; feel: string[] };
type ThemeWords = SlotWords & { titles: string[]; end: Record<Tag, string[]> };
type LexiconFile = {
  themes: Record<string, ThemeWords>;
  moods: Record<Mood, { feel: string[]; end: Record<Tag, string[]> }>;
  common: Record<Tag, string[]>;
};
export type PatternsFile = { verse: Record<Tag, string[]>; chorus: Record<Tag, string[]>; titles: { free: string[] } };
type ThemesFile = {
  default: string;
  order: string[];
  themes: Record<string, { names: Record<SongLanguage, string>; keywords: Record<SongLanguage, string[]> }>;
};

/** Parsed once per Prompts: a song reads three files, and the bench makes thousands of songs. */
const parsed = new WeakMap<Prompts, Map<string, unknown>>();
function cachedJson<T>(prompts: Prompts, path: string): T {
  let files = parsed.get(prompts);
  if (!files) parsed.set(prompts, (files = new Map()));
  if (!files.has(path)) files.set(path, promptJson<T>(prompts, path));
  return files.get(path) as T;
}

export const themesFile = (prompts: Prompts) => cachedJson<ThemesFile>(prompts, "songs/themes.json");
export const lexiconFile = (prompts: Prompts, lang: SongLanguage) => cachedJson<LexiconFile>(prompts, `songs/lexicon.${lang}.json`);
export const patternsFile = (prompts: Prompts, lang: SongLanguage) => cachedJson<PatternsFile>(prompts, `songs/patterns.${lang}.json`);

export type ThemeChoice = {
  id: string;
  /** The user's own theme word when it is not one of the known names, so the title can carry it. */
  freeWord?: string;
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The theme a request is about: the known theme whose keywords (either language) the theme and the
 * prompt mention most, the theme field counting three times the prompt, longer keywords more (a
 * "summer" outweighs an "爱" buried in "可爱"); the default theme when nothing matches.
 */
export function pickTheme(prompts: Prompts, req: { theme?: string; prompt?: string }): ThemeChoice {
  const file = themesFile(prompts);
  const score = (text: string, kw: string, zh: boolean) => {
    if (zh) return text.split(kw).length - 1;
    return (text.match(new RegExp(`(^|[^a-z])${escape(kw)}s?($|[^a-z])`, "gi")) ?? []).length;
  };
  let best = { id: file.default, score: 0 };
  for (const id of file.order) {
    const { keywords } = file.themes[id]!;
    let s = 0;
    for (const [source, weight] of [[req.theme ?? "", 3], [req.prompt ?? "", 1]] as const) {
      const text = source.toLowerCase();
      for (const kw of keywords.zh) s += weight * kw.length * score(text, kw, true);
      for (const kw of keywords.en) s += weight * Math.max(2, kw.length / 3) * score(text, kw, false);
    }
    if (s > best.score) best = { id, score: s };
  }
  const theme = req.theme?.trim();
  if (!theme) return { id: best.id };
  const t = theme.toLowerCase();
  const known = Object.values(file.themes).some((x) => [x.names.zh, x.names.en, ...x.keywords.zh, ...x.keywords.en].some((w) => w.toLowerCase() === t));
  return known ? { id: best.id } : { id: best.id, freeWord: theme };
}

export type Ending = { word: string; tag: Tag; cls: string; weight: number };
export type WordPool = SlotWords & { titles: string[]; endings: Ending[] };

/** A word's rhyme class never changes, so it is computed once per process. */
const classCache: Record<SongLanguage, Map<string, string>> = { zh: new Map(), en: new Map() };
function classOf(word: string, lang: SongLanguage): string {
  let c = classCache[lang].get(word);
  if (c === undefined) classCache[lang].set(word, (c = readLine(word, lang).line.rhyme));
  return c;
}

/**
 * The words one song draws on: the theme's images, the mood's feelings, and line endings from the
 * theme (weight 8) and the mood (5) before the common pool (1), each with its rhyme class: the common
 * pool is there so every section finds a rhyme class with enough endings, not to set the song's words.
 */
export function wordPool(prompts: Prompts, lang: SongLanguage, themeId: string, mood: Mood | undefined): WordPool {
  const lex = lexiconFile(prompts, lang);
  const theme = lex.themes[themeId];
  if (!theme) throw new Error(`prompts/songs/lexicon.${lang}.json has no theme ${themeId}`);
  const m = mood ? lex.moods[mood] : undefined;
  const endings = new Map<string, Ending>();
  const add = (ends: Record<Tag, string[]> | undefined, weight: number) => {
    for (const [tag, words] of Object.entries(ends ?? {}))
      for (const word of words) {
        const k = `${tag}:${word}`;
        const had = endings.get(k);
        if (!had || had.weight < weight) endings.set(k, { word, tag, cls: classOf(word, lang), weight });
      }
  };
  add(lex.common, 1);
  add(theme.end, 8);
  add(m?.end, 5);
  return {
    img: theme.img,
    place: theme.place,
    time: theme.time,
    act: theme.act,
    feel: [...new Set([...(m?.feel ?? []), ...theme.feel])],
    titles: theme.titles,
    endings: [...endings.values()],
  };
}
