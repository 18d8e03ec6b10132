import { pinyin } from "pinyin-pro";
import type { SungNote } from "../types.ts";

/**
 * What the voice needs to know about a syllable: the formants of its vowel and how its consonant
 * starts. Formant values are averages between adult male and female speakers (Peterson & Barney 1952
 * for English; published Mandarin vowel averages for 饿 [ɤ] and 鱼 [y]), nudged up a little because a
 * pop lead sits between the two ranges.
 */

export type Vowel = SungNote["vowel"];

/** F1, F2, F3 in Hz. */
export const FORMANTS: Record<Vowel, readonly [number, number, number]> = {
  a: [820, 1250, 2650],
  e: [520, 1180, 2600], // Mandarin e [ɤ]: mid, back, unrounded
  i: [300, 2350, 3050],
  o: [550, 900, 2550],
  u: [340, 780, 2400],
  ü: [300, 1950, 2450], // [y]: i's tongue with rounded lips, so F2 and F3 lower than i's
};
/** English "e" is the front [ɛ] (bed, said), not Mandarin's back [ɤ]. */
export const FORMANTS_EN_E = [560, 1850, 2600] as const;
/**
 * F4 and F5 are fixed: F4 with F3 makes the "ring" of a singing voice near 3 kHz, and F5 keeps the
 * all-pole cascade from falling silent above F4 (the real tract has a resonance about every kHz).
 */
export const F4 = 3500;
export const F5 = 4500;
export const BANDWIDTHS = [90, 110, 170, 250, 350] as const;
/**
 * Loudness per vowel once the singer has levelled its syllables: open vowels a little louder than
 * closed ones, as in real singing (1–2 dB between "a" and "i"/"u" on top of what the cascade leaves).
 */
export const VOWEL_GAIN: Record<Vowel, number> = { a: 1.06, e: 1, i: 0.94, o: 1.02, u: 0.92, ü: 0.94 };

/** How a syllable starts. */
export type OnsetKind = "none" | "glide" | "nasal" | "liquid" | "stop" | "aspirated" | "fricative" | "affricate" | "breath";

export type Onset = {
  kind: OnsetKind;
  /** Centre of the consonant's noise (Hz) for stops, fricatives and affricates. */
  noiseHz: number;
  /** Seconds of noise, of silence before a release, and of voicing held back. */
  noiseSec: number;
  gapSec: number;
  /** Formants the syllable starts from (a glide or a nasal's murmur) before moving to its vowel. */
  from?: readonly [number, number, number];
  level: number;
};

const NONE: Onset = { kind: "none", noiseHz: 0, noiseSec: 0, gapSec: 0, level: 0 };
const table: Record<string, Onset> = {
  b: { kind: "stop", noiseHz: 1200, noiseSec: 0.008, gapSec: 0.03, level: 0.62 },
  d: { kind: "stop", noiseHz: 3500, noiseSec: 0.008, gapSec: 0.03, level: 0.62 },
  g: { kind: "stop", noiseHz: 2200, noiseSec: 0.01, gapSec: 0.03, level: 0.62 },
  p: { kind: "aspirated", noiseHz: 1300, noiseSec: 0.045, gapSec: 0.035, level: 0.88 },
  t: { kind: "aspirated", noiseHz: 3800, noiseSec: 0.045, gapSec: 0.035, level: 0.88 },
  k: { kind: "aspirated", noiseHz: 2400, noiseSec: 0.05, gapSec: 0.035, level: 0.88 },
  f: { kind: "fricative", noiseHz: 4500, noiseSec: 0.07, gapSec: 0, level: 0.45 },
  s: { kind: "fricative", noiseHz: 6800, noiseSec: 0.08, gapSec: 0, level: 1.12 },
  x: { kind: "fricative", noiseHz: 5200, noiseSec: 0.08, gapSec: 0, level: 1 },
  sh: { kind: "fricative", noiseHz: 3300, noiseSec: 0.08, gapSec: 0, level: 1.12 },
  h: { kind: "breath", noiseHz: 0, noiseSec: 0.06, gapSec: 0, level: 0.5 },
  z: { kind: "affricate", noiseHz: 6500, noiseSec: 0.035, gapSec: 0.02, level: 0.88 },
  c: { kind: "affricate", noiseHz: 6500, noiseSec: 0.06, gapSec: 0.025, level: 1 },
  zh: { kind: "affricate", noiseHz: 3300, noiseSec: 0.035, gapSec: 0.02, level: 0.88 },
  ch: { kind: "affricate", noiseHz: 3300, noiseSec: 0.06, gapSec: 0.025, level: 1 },
  j: { kind: "affricate", noiseHz: 5000, noiseSec: 0.035, gapSec: 0.02, level: 0.88 },
  q: { kind: "affricate", noiseHz: 5000, noiseSec: 0.06, gapSec: 0.025, level: 1 },
  m: { kind: "nasal", noiseHz: 0, noiseSec: 0.06, gapSec: 0, from: [260, 1100, 2300], level: 0 },
  n: { kind: "nasal", noiseHz: 0, noiseSec: 0.06, gapSec: 0, from: [260, 1600, 2500], level: 0 },
  l: { kind: "liquid", noiseHz: 0, noiseSec: 0.045, gapSec: 0, from: [380, 1100, 2600], level: 0 },
  r: { kind: "liquid", noiseHz: 0, noiseSec: 0.05, gapSec: 0, from: [420, 1300, 1700], level: 0 }, // a low F3: retroflex
  y: { kind: "glide", noiseHz: 0, noiseSec: 0.04, gapSec: 0, from: [300, 2300, 3000], level: 0 },
  w: { kind: "glide", noiseHz: 0, noiseSec: 0.04, gapSec: 0, from: [320, 750, 2400], level: 0 },
  v: { kind: "fricative", noiseHz: 4000, noiseSec: 0.04, gapSec: 0, level: 0.3 },
  th: { kind: "fricative", noiseHz: 5500, noiseSec: 0.05, gapSec: 0, level: 0.3 },
};
// English spellings that sound like one of the above.
const EN_ALIAS: Record<string, string> = { ph: "f", wh: "w", kn: "n", wr: "r", qu: "k", ck: "k", gh: "g", ce: "s", ci: "s", cy: "s", ge: "j", gi: "j" };

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** True when the lead's text is Chinese, so "e" means [ɤ]. */
export const isChinese = (notes: readonly { text: string }[]) => notes.some((n) => CJK.test(n.text));

type Triple = readonly [number, number, number];
/**
 * How a syllable moves through its vowel: a medial glide before the nucleus (夏 x-i-a), the nucleus
 * when the six-vowel class is too coarse (陪 pei has a front [e], 写 xie and 天 tian an [ɛ], 知 zhi and
 * 自 zi apical vowels), and a coda after it (白 bai → i, 道 dao → u, 天 tian → n, 方 fang → ng).
 */
export type Shape = { glide?: Triple; nucleus?: Triple; coda?: Triple; nasalCoda: boolean };
export type SyllableSound = { onset: Onset; shape: Shape };

const I: Triple = [300, 2300, 3000], U: Triple = [340, 750, 2400], Ü: Triple = [300, 1950, 2450];
const E_FRONT: Triple = [450, 2000, 2600], EH: Triple = [560, 1850, 2600];
const APICAL: Triple = [400, 1400, 2600], APICAL_RETRO: Triple = [400, 1500, 2100], ER: Triple = [500, 1400, 1700];
const N_CODA: Triple = [260, 1600, 2500], NG_CODA: Triple = [280, 1000, 2400];
const NO_SHAPE: Shape = { nasalCoda: false };

function mandarinShape(initial: string, final: string): Shape {
  // pinyin writes ü as u after j, q, x and y (去 qu, 远 yuan).
  const f = /^[jqxy]$/.test(initial) && final.startsWith("u") ? `ü${final.slice(1)}` : final;
  const shape: { glide?: Triple; nucleus?: Triple; coda?: Triple; nasalCoda: boolean } = { nasalCoda: false };
  if (f.length > 1 && /[iuü]/.test(f[0]!) && /[aeoü]/.test(f[1]!)) shape.glide = f[0] === "i" ? I : f[0] === "u" ? U : Ü;
  if (f.endsWith("ng")) [shape.coda, shape.nasalCoda] = [NG_CODA, true];
  else if (f.endsWith("n")) [shape.coda, shape.nasalCoda] = [N_CODA, true];
  else if (/[aeo]i$/.test(f) || f === "ui") shape.coda = I;
  else if (/[ao]o$|[ao]u$|^iu$/.test(f)) shape.coda = U;
  if (/^(ei|ui)$/.test(f)) shape.nucleus = E_FRONT;
  else if (/^(ie|üe|ue|ian|üan)$/.test(f)) shape.nucleus = EH;
  else if (f === "i" && /^(zh|ch|sh|r)$/.test(initial)) shape.nucleus = APICAL_RETRO;
  else if (f === "i" && /^[zcs]$/.test(initial)) shape.nucleus = APICAL;
  else if (f === "er") shape.nucleus = ER;
  return shape;
}

const cache = new Map<string, SyllableSound>();
/**
 * The onset and vowel shape of a sung syllable: from the pinyin of a Chinese character (initial and
 * final), from the spelling of an English syllable (its onset only: English codas are too irregular
 * to read off spelling).
 */
export function syllableOf(text: string): SyllableSound {
  const hit = cache.get(text);
  if (hit) return hit;
  let sound: SyllableSound = { onset: NONE, shape: NO_SHAPE };
  const ch = [...text.trim()][0] ?? "";
  if (CJK.test(ch)) {
    const initial = pinyin(ch, { pattern: "initial", toneType: "none" });
    sound = { onset: table[initial] ?? NONE, shape: mandarinShape(initial, pinyin(ch, { pattern: "final", toneType: "none" })) };
  } else {
    const word = text.toLowerCase().replace(/[^a-z]/g, "");
    const two = word.slice(0, 2);
    const key = EN_ALIAS[two] ?? (table[two] ? two : word[0] === "c" ? "k" : word[0] === "x" ? "z" : (word[0] ?? ""));
    sound = { onset: table[key] ?? NONE, shape: NO_SHAPE };
  }
  if (cache.size > 20_000) cache.clear(); // bounded: a long-lived server sees many distinct syllables
  cache.set(text, sound);
  return sound;
}
