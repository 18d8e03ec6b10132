import { pinyin } from "pinyin-pro";
import type { Syllable } from "../types.ts";

/**
 * Chinese pronunciation for lyrics: per-character syllables (tone, singing vowel) and rhyme classes
 * in 十三辙, the rhyme groups of Chinese song and opera writing.
 */

export const ZHE = ["中东", "江阳", "一七", "灰堆", "由求", "怀来", "人辰", "言前", "梭波", "乜斜", "发花", "姑苏", "遥条"] as const;
export type Zhe = (typeof ZHE)[number];

/**
 * Final (toneless, medial restored, ü written ü, "-i" for the apical vowel of zi/ci/si/zhi/chi/shi/ri)
 * → 辙. ü goes to 一七 by the tradition of 十三辙 (鱼 is its own group only in the later 十四韵 /
 * 中华新韵); er and the apical -i go there too, as in the traditional tables.
 */
const ZHE_OF_FINAL: Readonly<Record<string, Zhe>> = {
  a: "发花", ia: "发花", ua: "发花",
  o: "梭波", e: "梭波", uo: "梭波", io: "梭波",
  ê: "乜斜", ie: "乜斜", üe: "乜斜",
  i: "一七", "-i": "一七", ü: "一七", er: "一七",
  u: "姑苏",
  ai: "怀来", uai: "怀来",
  ei: "灰堆", uei: "灰堆",
  ao: "遥条", iao: "遥条",
  ou: "由求", iou: "由求",
  an: "言前", ian: "言前", uan: "言前", üan: "言前",
  en: "人辰", in: "人辰", uen: "人辰", ün: "人辰",
  ang: "江阳", iang: "江阳", uang: "江阳",
  eng: "中东", ing: "中东", ueng: "中东", ong: "中东", iong: "中东",
};

const INITIAL = /^(zh|ch|sh|[bpmfdtnlgkhjqxrzcs])/;
const SYLLABIC_NASAL: Readonly<Record<string, string>> = { ng: "eng", hng: "eng", n: "en", m: "en", hm: "en" };

/**
 * The final of a toneless pinyin syllable, from the full spelling rather than pinyin-pro's
 * `pattern: "final"`: that one drops the y/w of the spelling with its medial (也 ye → "e", 月 yue →
 * "ue", 雨 yu → "u"), which would put 也 in 梭波 and 雨 in 姑苏.
 */
export function finalOf(syllable: string): string {
  let s = syllable.toLowerCase().replace(/v/g, "ü");
  const nasal = SYLLABIC_NASAL[s];
  if (nasal) return nasal;
  if (s.startsWith("y")) {
    s = s.slice(1);
    if (s.startsWith("u")) s = "ü" + s.slice(1);
    else if (!s.startsWith("i")) s = "i" + s;
  } else if (s.startsWith("w")) {
    s = s.slice(1);
    if (!s.startsWith("u")) s = "u" + s;
  } else {
    const ini = INITIAL.exec(s)?.[1];
    if (ini) {
      s = s.slice(ini.length);
      if (/^[jqx]$/.test(ini) && s.startsWith("u")) s = "ü" + s.slice(1);
      if (/^(zh|ch|sh|r|z|c|s)$/.test(ini) && s === "i") s = "-i";
    }
  }
  // The written abbreviations of pinyin: liu, gui, dun are l+iou, g+uei, d+uen.
  if (s === "iu") return "iou";
  if (s === "ui") return "uei";
  if (s === "un") return "uen";
  return s;
}

export function zheOfFinal(final: string): Zhe | undefined {
  return ZHE_OF_FINAL[final];
}

/** The vowel a singer holds on the final: its nucleus, mapped to the voice's six vowels. */
export function vowelOfFinal(final: string): Syllable["vowel"] {
  // The apical vowel and er sit nearer a central vowel than [i]; "e" is the closest of the six.
  if (final === "-i" || final === "er" || final === "ê") return "e";
  if (final.includes("a")) return "a";
  // ong/iong are sung [ʊŋ]: nearer u than o.
  if (final === "ong" || final === "iong") return "u";
  if (final.includes("o")) return "o";
  if (final === "üe") return "e";
  if (final.startsWith("ü")) return "ü";
  if (final.includes("e")) return "e";
  if (final.startsWith("i")) return "i";
  return "u";
}

export const HAN = /\p{Script=Han}/u;

/** A Han character's reading: pinyin-pro's toneType "num" gives "yue4", neutral tone as 0. */
export type HanReading = { char: string; pinyin: string; final: string; tone: 0 | 1 | 2 | 3 | 4; zhe: Zhe | undefined };

/**
 * Readings of every character of `text` (undefined for a non-Han character), read as a whole so
 * pinyin-pro can pick a polyphone's reading from its neighbours (长大 zhang, 长久 chang).
 */
export function readHan(text: string): (HanReading | undefined)[] {
  const chars = Array.from(text);
  let readings = pinyin(text, { toneType: "num", type: "array" });
  // pinyin-pro returns one entry per code point; if that ever changes, read character by character.
  if (readings.length !== chars.length) readings = chars.map((c) => pinyin(c, { toneType: "num", type: "array" })[0] ?? c);
  return chars.map((char, i) => {
    if (!HAN.test(char)) return undefined;
    const m = /^([a-zü]+)([0-4])$/i.exec(readings[i] ?? "");
    if (!m) return { char, pinyin: "", final: "", tone: 0, zhe: undefined };
    const final = finalOf(m[1]!);
    return { char, pinyin: m[1]!.toLowerCase(), final, tone: Number(m[2]) as HanReading["tone"], zhe: zheOfFinal(final) };
  });
}

export function hanSyllable(r: HanReading): Syllable {
  return { text: r.char, vowel: r.final ? vowelOfFinal(r.final) : "a", tone: r.tone };
}

/** The 辙 of a single character or word (its last character), for tables and tests. */
export function zheOf(word: string): Zhe | undefined {
  const last = readHan(word).filter((r) => r !== undefined).at(-1);
  return last?.zhe;
}

/** Sentence-final particles: a line ending 了/啊/呢 rhymes on the syllable before (the 韵脚 is the word, not the particle). */
const PARTICLES = new Set(Array.from("了着的地得吧啊呀呢吗哦嘛啦哈哟喔"));

/** The reading a line rhymes on: its last Han syllable, skipping a trailing neutral-tone particle. */
export function rhymeReading(readings: HanReading[]): HanReading | undefined {
  const last = readings.at(-1);
  if (last && readings.length > 1 && last.tone === 0 && PARTICLES.has(last.char)) return readings.at(-2);
  return last;
}
