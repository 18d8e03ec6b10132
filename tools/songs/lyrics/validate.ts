import type { LyricSection, Lyrics } from "../types.ts";
import { UNKNOWN_RHYME } from "./line.ts";
import { MAX_SINGABLE, maxLines, PHRASE } from "./plan.ts";

export type LyricsCheck = {
  ok: boolean;
  problems: string[];
  /** Whether every section rhymes as it should; reported even for custom lyrics, where it is not a problem. */
  rhymed: boolean;
};

/** "verse 2", "chorus 1": the section as a person would name it. */
export function sectionNames(sections: readonly LyricSection[]): string[] {
  const seen = new Map<string, number>();
  return sections.map((s) => {
    const n = (seen.get(s.kind) ?? 0) + 1;
    seen.set(s.kind, n);
    return `${s.kind} ${n}`;
  });
}

/** Which lines of a section must share one rhyme: a chorus all but the third of each four (AABA), other sung sections their even lines. */
function rhymeLines(s: LyricSection): number[] {
  const n = s.lines.length;
  if (s.kind === "intro" || s.kind === "outro") return [];
  if (s.kind === "chorus") return Array.from({ length: n }, (_, i) => i).filter((i) => n < 4 || i % 4 !== 2);
  return Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);
}

function rhymeProblem(s: LyricSection, name: string, zh: boolean): string | undefined {
  const idx = rhymeLines(s);
  if (idx.length === 0) return undefined;
  const classes = idx.map((i) => s.lines[i]!.rhyme);
  if (classes.every((c) => c === classes[0] && c !== UNKNOWN_RHYME)) return undefined;
  const rule = s.kind === "chorus" ? "a chorus rhymes on every line or AABA" : `a ${s.kind} rhymes on its even lines`;
  const ends = idx.map((i) => `${i + 1} "${s.lines[i]!.text}" (${s.lines[i]!.rhyme})`).join(", ");
  return `${name}: lines ${ends} do not share one ${zh ? "辙" : "rhyme"}; ${rule}${zh ? " in one 辙" : ""}`;
}

/**
 * The rhyme and structure checks every set of lyrics passes before it is sung: the composer's, an
 * LLM's and a user's. `custom` lyrics (the user's own) are held to structure only — sections with
 * lines, lines that can be sung, not more lines than the length holds — and `rhymed` says whether
 * they rhyme; otherwise lines must fit one phrase (Chinese 5–9 characters, a verse's within one of
 * each other; English 6–10 syllables), there must be a chorus, and every section must rhyme.
 */
export function validateLyrics(lyrics: Lyrics, opts: { durationSec: number; custom?: boolean }): LyricsCheck {
  const problems: string[] = [];
  const zh = lyrics.language === "zh";
  const unit = zh ? "characters" : "syllables";
  const names = sectionNames(lyrics.sections);
  const strict = !opts.custom;
  const total = lyrics.sections.reduce((s, x) => s + x.lines.length, 0);
  if (total === 0) problems.push("no singable text");
  const cap = maxLines(opts.durationSec);
  if (total > cap) problems.push(`${total} lines are too many for ${opts.durationSec} s: at most ${cap} (one line needs a bar of about 2 s)`);
  if (strict && total > 0 && !lyrics.sections.some((s) => s.kind === "chorus")) problems.push("no chorus");
  const rhymeProblems: string[] = [];
  lyrics.sections.forEach((s, si) => {
    const name = names[si]!;
    if (s.lines.length === 0) problems.push(`${name}: no lines`);
    s.lines.forEach((l, li) => {
      const n = l.syllables.length;
      const where = `${name} line ${li + 1} "${l.text}"`;
      if (n === 0) problems.push(`${where}: nothing to sing`);
      else if (n > MAX_SINGABLE) problems.push(`${where}: ${n} ${unit}, more than the ${MAX_SINGABLE} one phrase can sing`);
      else if (strict && (n < PHRASE[lyrics.language].min || n > PHRASE[lyrics.language].max)) {
        const { min, max } = PHRASE[lyrics.language];
        problems.push(`${where}: ${n} ${unit}; a line sings ${min}–${max}`);
      }
    });
    if (strict && zh && s.kind === "verse" && s.lines.length > 1) {
      const lens = s.lines.map((l) => l.syllables.length);
      if (Math.max(...lens) - Math.min(...lens) > 2)
        problems.push(`${name}: lines of ${lens.join(", ")} characters; a verse keeps its lines the same length, give or take one`);
    }
    const r = rhymeProblem(s, name, zh);
    if (r) rhymeProblems.push(r);
  });
  if (strict) problems.push(...rhymeProblems);
  return { ok: problems.length === 0, problems, rhymed: rhymeProblems.length === 0 };
}
