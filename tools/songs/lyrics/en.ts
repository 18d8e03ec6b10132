import type { SongLanguage, Syllable } from "../types.ts";
import { spelledRhyme, spelledSyllables, splitSpelling } from "./spelling.ts";

/**
 * English pronunciation from the CMU pronouncing dictionary. The dictionary is a 4.7 MB module, so
 * it is imported on first use of an English song and never by a Chinese one: callers await
 * loadEnglish() (or loadPronunciations("en")) once, and the synchronous stages read it after.
 */

let dict: Readonly<Record<string, string>> | undefined;
let loading: Promise<void> | undefined;
let byRhyme: Map<string, string[]> | undefined;

export function loadEnglish(): Promise<void> {
  return (loading ??= import("cmu-pronouncing-dictionary").then((m) => {
    dict = m.dictionary;
  }));
}

export const englishLoaded = () => dict !== undefined;

/** What a language's lyrics need loaded before the synchronous stages run: the dictionary for English, nothing for Chinese. */
export const loadPronunciations = (language: SongLanguage): Promise<void> => (language === "en" ? loadEnglish() : Promise.resolve());

function cmu(): Readonly<Record<string, string>> {
  if (!dict) throw new Error('English pronunciations are not loaded: await loadPronunciations("en") before composing, parsing or checking English lyrics');
  return dict;
}

/** The dictionary's spelling of a word: lower case, curly apostrophes straightened. */
const key = (word: string) => word.toLowerCase().replace(/[’‘]/g, "'");

/** ARPAbet phones of a word's first pronunciation, or undefined when the dictionary lacks it. */
export function phonesOf(word: string): string[] | undefined {
  const d = cmu();
  const k = key(word);
  const p = d[k] ?? d[k.replace(/^'+|'+$/g, "")];
  return p?.split(" ");
}

const isVowel = (phone: string) => /\d$/.test(phone);

/**
 * The rhyme part: from the last stressed vowel (primary or secondary) to the end, stress digits
 * dropped so "daylight" (AY2 T) rhymes with "night" (AY1 T). A word with no stressed vowel
 * ("the" is AH0) rhymes from its last vowel.
 */
export function rhymePartOfPhones(phones: readonly string[]): string {
  const lastWhere = (test: (p: string) => boolean) => {
    for (let j = phones.length - 1; j >= 0; j--) if (test(phones[j]!)) return j;
    return -1;
  };
  let i = lastWhere((p) => /[12]$/.test(p));
  if (i < 0) i = lastWhere(isVowel);
  return phones
    .slice(Math.max(0, i))
    .map((p) => p.replace(/\d$/, ""))
    .join(" ");
}

/** A word's rhyme part: CMU's when it has the word, else "-ight"-style from the spelling. */
export function rhymePart(word: string): string {
  const phones = phonesOf(word);
  return phones ? rhymePartOfPhones(phones) : spelledRhyme(word);
}

/** Every other dictionary word with the same rhyme part (variants such as "orange(2)" are the same word). */
export function rhymesWith(word: string): string[] {
  const d = cmu();
  if (!byRhyme) {
    byRhyme = new Map();
    for (const [w, p] of Object.entries(d)) {
      const r = rhymePartOfPhones(p.split(" "));
      const list = byRhyme.get(r);
      if (list) list.push(w);
      else byRhyme.set(r, [w]);
    }
  }
  const k = key(word);
  const own = d[k];
  if (!own) return [];
  const base = (w: string) => w.replace(/\(\d+\)$/, "");
  return [...new Set((byRhyme.get(rhymePartOfPhones(own.split(" "))) ?? []).map(base))].filter((w) => w !== k);
}

/** ARPAbet vowels → the voice's vowels. Unstressed AH is a schwa, nearer e than a. */
const ARPA_VOWEL: Readonly<Record<string, Syllable["vowel"]>> = {
  AA: "a", AE: "a", AH: "a", AO: "o", AW: "a", AY: "a", EH: "e", ER: "e", EY: "e",
  IH: "i", IY: "i", OW: "o", OY: "o", UH: "u", UW: "u",
};

const counts = new Map<string, number>();
/** How many syllables a word sings, remembered: the composer measures thousands of candidate lines. */
export function syllableCount(word: string): number {
  let n = counts.get(word);
  if (n === undefined) counts.set(word, (n = wordSyllables(word).syllables.length));
  return n;
}

/** A word's sung syllables: one per CMU vowel, stress from its digit, text cut from the spelling. */
export function wordSyllables(word: string): { syllables: Syllable[]; known: boolean } {
  const phones = phonesOf(word);
  const vowels = phones?.filter(isVowel) ?? [];
  // A dictionary entry without a vowel ("hmm") is read from its spelling like an unknown word.
  if (vowels.length === 0) return { syllables: spelledSyllables(word, true), known: false };
  const pieces = splitSpelling(word, vowels.length);
  // Spelling with fewer vowel letters than syllables ("rhythm") still sings every syllable.
  while (pieces.length < vowels.length) pieces.push("");
  return {
    known: true,
    syllables: vowels.map((v, i) => {
      const stress = Number(v.slice(-1)) as 0 | 1 | 2;
      const base = v.slice(0, -1);
      const vowel = base === "AH" && stress === 0 ? "e" : (ARPA_VOWEL[base] ?? "e");
      return { text: pieces[i] || "-", vowel, stress, wordEnd: i === vowels.length - 1 };
    }),
  };
}
