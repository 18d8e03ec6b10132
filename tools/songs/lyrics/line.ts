import type { LyricLine, SongLanguage, Syllable } from "../types.ts";
import { rhymePart, wordSyllables } from "./en.ts";
import { spelledRhyme, spelledSyllables } from "./spelling.ts";
import { HAN, hanSyllable, readHan, rhymeReading, type HanReading } from "./zh.ts";

/** The rhyme class of a line whose rhyming syllable cannot be read (an unknown character). */
export const UNKNOWN_RHYME = "?";

type Token = { kind: "han"; reading: HanReading } | { kind: "word"; text: string } | { kind: "digits"; text: string };

const LETTER = /[A-Za-z]/;
const WORD_CHAR = /[A-Za-z'’]/;

function tokens(text: string): Token[] {
  const chars = Array.from(text);
  const readings = chars.some((c) => HAN.test(c)) ? readHan(text) : [];
  const out: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const r = readings[i];
    if (r) out.push({ kind: "han", reading: r });
    else if (LETTER.test(c) || /\d/.test(c)) {
      const digits = /\d/.test(c);
      let j = i;
      while (j + 1 < chars.length && (digits ? /\d/.test(chars[j + 1]!) : WORD_CHAR.test(chars[j + 1]!))) j++;
      const t = chars.slice(i, j + 1).join("").replace(/['’]+$/, "");
      out.push(digits ? { kind: "digits", text: t } : { kind: "word", text: t });
      i = j;
    }
    // Anything else (punctuation, spaces, symbols) is not sung.
  }
  return out;
}

/**
 * A line of lyrics read for singing: its syllables and rhyme class, with what could not be read.
 * Chinese lines sing Latin words from their spelling (so a Chinese song never loads the English
 * dictionary); English lines need loadPronunciations("en") first.
 */
export function readLine(raw: string, language: SongLanguage): { line: LyricLine; problems: string[] } {
  const text = raw.trim();
  const problems: string[] = [];
  const syllables: Syllable[] = [];
  let rhyme = UNKNOWN_RHYME;
  const hanSoFar: HanReading[] = [];
  for (const t of tokens(text)) {
    if (t.kind === "digits") {
      problems.push(`write the number ${t.text} in words`);
    } else if (t.kind === "han") {
      if (language === "en") {
        if (!problems.some((p) => p.startsWith("Chinese"))) problems.push("Chinese characters in English lyrics (set language to zh)");
        continue;
      }
      syllables.push(hanSyllable(t.reading));
      hanSoFar.push(t.reading);
      rhyme = rhymeReading(hanSoFar)?.zhe ?? UNKNOWN_RHYME;
    } else if (language === "zh") {
      syllables.push(...spelledSyllables(t.text, false));
      rhyme = spelledRhyme(t.text);
    } else {
      syllables.push(...wordSyllables(t.text).syllables);
      rhyme = rhymePart(t.text);
    }
  }
  return { line: { text, syllables, rhyme }, problems };
}
