import type { SungNote } from "../types.ts";
import { SR, frameOf, unit } from "./dsp.ts";
import { FORMANTS, FORMANTS_EN_E, VOWEL_GAIN, isChinese, syllableOf, type Onset, type Shape } from "./phonetics.ts";

/**
 * What the singer will sing: each lead note with its frames, level, vowel formants, consonant onset
 * and coda, worked out once before rendering, so the per-block synthesis (voice.ts) only reads them.
 */
export type Prepared = {
  start: number;
  end: number;
  midi: number;
  level: number;
  vowel: readonly [number, number, number];
  onset: Onset;
  shape: Shape;
  /** Frame from which the voice moves to the syllable's coda (a diphthong's end or a final n/ng). */
  codaAt: number;
  scale: number;
  tone: number;
  vibRate: number;
};

export function prepareNotes(notes: readonly SungNote[], seed: number): Prepared[] {
  const zh = isChinese(notes);
  const sorted = [...notes].sort((a, b) => a.time - b.time);
  return sorted.map((n, i) => {
    const start = frameOf(n.time);
    const nextStart = i + 1 < sorted.length ? frameOf(sorted[i + 1]!.time) : Infinity;
    const end = Math.min(frameOf(n.time + n.duration), nextStart);
    const { onset, shape } = syllableOf(n.text);
    const consonant = onset.gapSec + onset.noiseSec;
    const vowel = shape.nucleus ?? (n.vowel === "e" && !zh ? FORMANTS_EN_E : FORMANTS[n.vowel]);
    const dur = (end - start) / SR;
    // A singer holds the nucleus and closes into the coda at the end of the note.
    const codaSec = shape.coda ? Math.min(shape.nasalCoda ? 0.12 : 0.15, (shape.nasalCoda ? 0.25 : 0.3) * dur) : 0;
    const velocity = 0.55 + 0.45 * Math.min(1, Math.max(0, n.velocity));
    return {
      start,
      end,
      midi: n.midi,
      level: velocity * VOWEL_GAIN[n.vowel],
      vowel,
      onset,
      shape,
      codaAt: shape.coda ? end - Math.round(codaSec * SR) : Infinity,
      // A consonant never takes more than 40 % of a short syllable.
      scale: consonant > 0 ? Math.min(1, (0.4 * dur) / consonant) : 1,
      tone: n.tone ?? 1,
      vibRate: 5.2 + 0.8 * unit(seed, i),
    };
  });
}
