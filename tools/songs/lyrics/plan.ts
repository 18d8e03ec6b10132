import type { SectionKind, SongLanguage, Style } from "../types.ts";

/**
 * The song's shape by length. A line is one musical phrase of 1 or 2 bars (the music stage decides),
 * so 30 s holds 8 lines at 64–128 bpm; intro and outro are left to the instruments.
 */
const PLAN: readonly { upToSec: number; sections: readonly (readonly [SectionKind, number])[] }[] = [
  { upToSec: 15, sections: [["chorus", 4]] },
  { upToSec: 24, sections: [["verse", 2], ["chorus", 4]] },
  { upToSec: 40, sections: [["verse", 4], ["chorus", 4]] },
  { upToSec: 60, sections: [["verse", 4], ["chorus", 4], ["verse", 4], ["chorus", 4]] },
  { upToSec: 90, sections: [["verse", 4], ["chorus", 4], ["verse", 4], ["chorus", 4], ["bridge", 2], ["chorus", 4]] },
  {
    upToSec: 120,
    sections: [["verse", 4], ["prechorus", 2], ["chorus", 4], ["verse", 4], ["prechorus", 2], ["chorus", 4], ["bridge", 4], ["chorus", 4]],
  },
  {
    upToSec: Infinity,
    sections: [["verse", 4], ["prechorus", 2], ["chorus", 4], ["verse", 4], ["prechorus", 2], ["chorus", 4], ["bridge", 4], ["chorus", 4], ["chorus", 4]],
  },
];

export function planFor(durationSec: number): { kind: SectionKind; lines: number }[] {
  const row = PLAN.find((r) => durationSec <= r.upToSec)!;
  return row.sections.map(([kind, lines]) => ({ kind, lines }));
}

/** The most lines a song of this length can sing: one bar each, a bar being 2 s at 120 bpm. */
export const maxLines = (durationSec: number) => Math.max(1, Math.floor(durationSec / 2));

/** Syllables per line that fit one phrase (Chinese: characters). */
export const PHRASE: Readonly<Record<SongLanguage, { min: number; max: number }>> = { zh: { min: 5, max: 9 }, en: { min: 6, max: 10 } };

/** The longest line anyone can sing in one breath-length phrase; custom lyrics are held to this only. */
export const MAX_SINGABLE = 20;

/** The line length a style leans to: ballads and folk tell more per line, rock and electronic punch shorter. */
const STYLE_LINE: Readonly<Record<SongLanguage, Readonly<Record<Style, number>>>> = {
  zh: { pop: 7, rock: 6, folk: 8, ballad: 8, electronic: 6, lofi: 7 },
  en: { pop: 8, rock: 7, folk: 9, ballad: 9, electronic: 7, lofi: 8 },
};

export const styleLineLength = (language: SongLanguage, style: Style | undefined) => STYLE_LINE[language][style ?? "pop"];
