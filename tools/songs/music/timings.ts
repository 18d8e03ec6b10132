import type { Arrangement, Lyrics, WordTiming } from "../types.ts";

/**
 * Karaoke data from the lead: one entry per sung syllable, or with `unit: "word"` one per English word
 * (its syllables joined up to the one marked `wordEnd`). A repeated chorus is timed each time it is
 * sung. Chinese has no word unit here: each character is its own entry either way.
 */
export function wordTimings(arrangement: Arrangement, lyrics: Lyrics, unit: "syllable" | "word" = "syllable"): WordTiming[] {
  const out: WordTiming[] = [];
  let word = null as WordTiming | null;
  for (const n of arrangement.lead) {
    const entry = { text: n.text, start: n.time, end: n.time + n.duration, section: n.section, line: n.line };
    if (unit === "syllable" || lyrics.language !== "en") {
      out.push(entry);
      continue;
    }
    const line = lyrics.sections[n.section]?.lines[n.line];
    if (!line) throw new Error(`lead note points at section ${n.section} line ${n.line}, which the lyrics do not have`);
    if (word && (word.section !== n.section || word.line !== n.line || n.syllable === 0)) {
      out.push(word);
      word = null;
    }
    word = word ? { ...word, text: word.text + n.text, end: entry.end } : entry;
    if (line.syllables[n.syllable]?.wordEnd || n.syllable === line.syllables.length - 1) {
      out.push(word);
      word = null;
    }
  }
  if (word) out.push(word);
  return out;
}
