import type { Lyrics, SectionKind } from "../types.ts";
import { perBar } from "./rhythm.ts";

/**
 * How the song's bars are spent. The tempo has already been bent so that a whole number of bars
 * fills the requested duration; this decides each line's length (1 bar, or 2 when there is room),
 * the intro and outro, and what to do with bars the lyrics leave over (a repeated chorus, short
 * interludes, instrumental breaks). A line too long for one bar gets as many as it needs. When the
 * lyrics are longer than the duration, the lines that do not fit are not sung.
 */

export type LinePlan = { section: number; line: number; bars: number };
export type Block = { kind: SectionKind; lines: LinePlan[]; bars: number };

const MAX_CHORUS_REPEATS = 3;
const BREAKS: readonly SectionKind[] = ["bridge", "verse"];

function frame(totalBars: number, body: Block[], intro: number, outro: number): Block[] {
  const used = body.reduce((s, b) => s + b.bars, 0) + intro + outro;
  if (used !== totalBars) throw new Error(`bar plan uses ${used} of ${totalBars} bars`);
  return [{ kind: "intro", lines: [], bars: intro }, ...body, { kind: "outro", lines: [], bars: outro }];
}

/** Bars the lyrics need with every line as short as it can be, plus a bar each of intro and outro. */
export function barsNeeded(lyrics: Lyrics, minGap: 1 | 2): number {
  const lines = lyrics.sections.flatMap((s) => s.lines).filter((l) => l.syllables.length > 0);
  return 2 + lines.reduce((s, l) => s + Math.ceil(l.syllables.length / perBar(minGap)), 0);
}

export function planVocal(lyrics: Lyrics, totalBars: number, minGap: 1 | 2, durationSec: number): Block[] {
  const cap = perBar(minGap);
  const budget = totalBars - 2;
  const lines: LinePlan[] = [];
  let used = 0;
  lyrics.sections.forEach((s, section) =>
    s.lines.forEach((l, line) => {
      const n = l.syllables.length;
      const bars = Math.ceil(n / cap);
      if (n === 0 || used < 0) return;
      if (used + bars > budget) {
        // A first line longer than the whole song still gets sung, squeezed into what there is.
        if (lines.length === 0) lines.push({ section, line, bars: budget });
        used = -1;
        return;
      }
      lines.push({ section, line, bars });
      used += bars;
    }),
  );
  if (lines.length === 0) throw new Error("the lyrics have no syllables to sing");
  let left = budget - lines.reduce((s, l) => s + l.bars, 0);
  let intro = 1;
  let outro = 1;
  const take = (want: number) => {
    const got = Math.min(want, left);
    left -= got;
    return got;
  };
  intro += take(1);
  outro += take(1);
  // Longer lines breathe first; very short lines stay in one bar.
  const syllables = (l: LinePlan) => lyrics.sections[l.section]!.lines[l.line]!.syllables.length;
  const roomy = lines.filter((l) => l.bars === 1 && syllables(l) >= 5).sort((a, b) => syllables(b) - syllables(a));
  for (const l of roomy) if (take(1)) l.bars = 2;
  if (durationSec >= 45) intro += take(2);

  const body: Block[] = [];
  for (const l of lines) {
    const lastBlock = body[body.length - 1];
    if (lastBlock && lastBlock.lines[0]!.section === l.section) lastBlock.lines.push(l);
    else body.push({ kind: lyrics.sections[l.section]!.kind, lines: [l], bars: 0 });
  }
  for (const b of body) b.bars = b.lines.reduce((s, l) => s + l.bars, 0);

  // Left-over bars: sing the last chorus again, breathe between sections, let the intro and outro
  // grow to four bars, and past that play instrumental breaks before the last section.
  const chorus = [...body].reverse().find((b) => b.kind === "chorus") ?? body[body.length - 1]!;
  for (let r = 0; r < MAX_CHORUS_REPEATS && left >= chorus.bars; r++) {
    take(chorus.bars);
    body.push({ ...chorus, lines: chorus.lines.map((l) => ({ ...l })) });
  }
  for (let round = 0; round < 2 && left > 0; round++) for (const b of body.slice(0, -1)) b.bars += take(1);
  intro += take(Math.max(0, 4 - intro));
  outro += take(Math.max(0, 4 - outro));
  for (let k = 0; left >= 4; k++) {
    const bars = take(left < 12 ? left : 8);
    body.splice(body.length - 1, 0, { kind: BREAKS[k % BREAKS.length]!, lines: [], bars });
  }
  outro += take(left);
  return frame(totalBars, body, intro, outro);
}

const INSTRUMENTAL_CYCLE: readonly SectionKind[] = ["verse", "chorus", "verse", "chorus", "bridge", "chorus"];

export function planInstrumental(totalBars: number): Block[] {
  const intro = totalBars >= 24 ? 4 : totalBars >= 8 ? 2 : 1;
  const outro = totalBars >= 8 ? 2 : 1;
  let rest = totalBars - intro - outro;
  const chunk = rest >= 48 ? 8 : 4;
  const body: Block[] = [];
  while (rest > 0) {
    const bars = rest < chunk + 4 ? rest : chunk;
    body.push({ kind: INSTRUMENTAL_CYCLE[body.length % INSTRUMENTAL_CYCLE.length]!, lines: [], bars });
    rest -= bars;
  }
  return frame(totalBars, body, intro, outro);
}
