import { mulberry32 } from "../../../lib/prng.ts";
import type { Syllable } from "../types.ts";
import type { Onset } from "./rhythm.ts";
import type { RealChord } from "./theory.ts";

/**
 * Pitches for one lyric line, chosen by Viterbi over the scale notes in the section's range. Everything
 * a songwriter weighs is a cost, so no rule can leave a line without a melody: stepwise motion, the
 * line's contour, chord tones on beats, a chord tone (hard) at the phrase end, and Mandarin tones
 * (依字行腔): a 2nd tone does not fall to the next note, a 4th does not rise, a 1st stays level-ish, and
 * the melody does not rise into a 3rd tone.
 */

export type Contour = "arch" | "fall" | "rise" | "wave";
export const CONTOURS: readonly Contour[] = ["arch", "fall", "rise", "wave"];

export type MelodyInput = {
  syllables: readonly Syllable[];
  onsets: readonly Onset[];
  /** The chord sounding at each onset. */
  chords: readonly RealChord[];
  scale: readonly number[];
  lo: number;
  hi: number;
  center: number;
  contour: Contour;
  amplitude: number;
  /** The previous phrase's last pitch, so a line starts near where the last one ended. */
  prev: number | null;
  /** The song's last phrase ends on this pitch class (the tonic) when its chord has it. */
  endOn: number | null;
  /** Seeds the small random preferences that make two songs differ; shared by lines of the same role. */
  noiseKey: number;
};

const TONE_WEIGHT = 1.6;

/** A 3rd tone before another 3rd tone is spoken (and so sung) as a 2nd: 你好 is ní hǎo. */
export function sungTones(syllables: readonly Syllable[]): (number | undefined)[] {
  return syllables.map((s, i) => (s.tone === 3 && syllables[i + 1]?.tone === 3 ? 2 : s.tone));
}

/** How many of the tone rules moving `delta` semitones from a syllable sung in tone `a` to one in `b` breaks. */
export function toneBreaks(a: number | undefined, b: number | undefined, delta: number): number {
  let n = 0;
  if (a === 2 && delta < 0) n++;
  if (a === 4 && delta > 0) n++;
  if (a === 1 && Math.abs(delta) > 2) n++;
  if (b === 3 && delta > 0) n++;
  return n;
}

function intervalCost(delta: number): number {
  const d = Math.abs(delta);
  if (d === 0) return 0.9;
  if (d <= 2) return 0;
  if (d <= 4) return 0.35;
  if (d === 5) return 0.9;
  if (d === 6) return 2.5;
  if (d === 7) return 1.3;
  if (d <= 9) return 2.2;
  if (d <= 12) return 3.5;
  return Infinity;
}

function shape(contour: Contour, x: number): number {
  switch (contour) {
    case "arch":
      return Math.sin(Math.PI * x) - 0.3;
    case "fall":
      return 0.5 - x;
    case "rise":
      return x - 0.4;
    case "wave":
      return 0.5 * Math.sin(2 * Math.PI * x);
  }
}

function noise(key: number, i: number, pitch: number): number {
  return mulberry32((key ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(pitch, 0x85ebca6b)) >>> 0)();
}

function finalCost(chord: RealChord, pc: number): number {
  if (pc === chord.root) return 0;
  return pc === chord.pcs[1] ? 0.3 : pc === chord.fifth ? 0.5 : 0.6;
}

export function fitMelody(m: MelodyInput): number[] {
  const n = m.syllables.length;
  if (n === 0) return [];
  const tones = sungTones(m.syllables);
  const inScale: number[] = [];
  for (let p = m.lo; p <= m.hi; p++) if (m.scale.includes(p % 12)) inScale.push(p);
  const last = m.chords[n - 1]!;
  const endPcs = m.endOn !== null && last.pcs.includes(m.endOn) ? [m.endOn] : last.pcs;
  const endCands = inScale.filter((p) => endPcs.includes(p % 12));
  const cands = (i: number) => (i === n - 1 ? endCands : inScale);

  const unary = (i: number, p: number): number => {
    const { pos } = m.onsets[i]!;
    const chord = m.chords[i]!;
    const x = n === 1 ? 0.5 : i / (n - 1);
    // The tone's own height nudges the target: a 3rd tone sits low, a 1st high.
    const lift = tones[i] === 3 ? -2 : tones[i] === 1 ? 1 : 0;
    let c = 0.2 * Math.abs(p - (m.center + m.amplitude * shape(m.contour, x) + lift));
    if (!chord.pcs.includes(p % 12)) c += pos % 8 === 0 ? 1.6 : pos % 4 === 0 ? 1.2 : 0.3;
    if (i === n - 1) c += finalCost(chord, p % 12);
    if (i === 0 && m.prev !== null) c += 0.5 * intervalCost(p - m.prev) + (Math.abs(p - m.prev) > 7 ? 0.2 * (Math.abs(p - m.prev) - 7) : 0);
    return c + 0.7 * noise(m.noiseKey, i, p);
  };

  let cost = cands(0).map((p) => unary(0, p));
  const back: number[][] = [];
  for (let i = 1; i < n; i++) {
    const prevC = cands(i - 1);
    const next = cands(i);
    const step: number[] = [];
    const ptr: number[] = [];
    for (const p of next) {
      let best = Infinity;
      let arg = 0;
      prevC.forEach((q, k) => {
        const c = cost[k]! + intervalCost(p - q) + TONE_WEIGHT * toneBreaks(tones[i - 1], tones[i], p - q);
        if (c < best) [best, arg] = [c, k];
      });
      step.push(best + unary(i, p));
      ptr.push(arg);
    }
    cost = step;
    back.push(ptr);
  }
  let k = cost.indexOf(Math.min(...cost));
  const out = [cands(n - 1)[k]!];
  for (let i = n - 1; i > 0; i--) {
    k = back[i - 1]![k]!;
    out.unshift(cands(i - 1)[k]!);
  }
  return out;
}
