import type { Rng } from "../../../lib/prng.ts";
import type { Syllable } from "../types.ts";

/** A sung note's onset and length, in sixteenths from the start of its phrase. */
export type Onset = { pos: number; len: number };

/**
 * Rhythm of one lyric line, chosen by dynamic programming over a sixteenth grid instead of a fixed
 * pattern per syllable count: the same costs then cover any count, put English stresses on beats, and
 * make the last syllable the longest note. The seeded perturbation of the costs is the phrase's "feel";
 * callers seed it per (section kind, line), so a second verse keeps the first one's rhythm.
 */

const GAPS = [1, 2, 3, 4, 6, 8] as const;
// Cost per gap length (in GAPS order) and per start position (in STARTS order) for each feel.
const FEELS: readonly { gaps: number[]; starts: number[] }[] = [
  { gaps: [1.4, 0, 0.9, 0.35, 0.8, 1.3], starts: [0, 0.5, 0.6, 0.9] }, // straight eighths
  { gaps: [0.5, 0.3, 0.2, 0.5, 0.9, 1.3], starts: [0, 0.6, 0.5, 0.9] }, // dotted
  { gaps: [1.6, 0.3, 0.8, 0.1, 0.4, 0.9], starts: [0, 0.7, 0.3, 0.9] }, // lyrical, quarter-based
  { gaps: [1.2, 0.1, 0.6, 0.5, 0.2, 1.2], starts: [0.5, 0, 0.6, 0.7] }, // syncopated, off the downbeat
];
const STARTS = [0, 2, 4, 6] as const;
const SPREAD = 0.12;
const RESTS = [0, 2, 4] as const;
const REST_COST = [0.6, 0, 0.25];

/** Syllables one bar holds comfortably; sixteenth-note syllables only when the tempo allows them. */
export const perBar = (minGap: 1 | 2): number => (minGap === 1 ? 10 : 7);

/** The shortest gap between syllables a voice can sing at this tempo: a sixteenth of at least 125 ms. */
export const minGapFor = (bpm: number): 1 | 2 => (60 / bpm / 4 >= 0.125 ? 1 : 2);

function placeCost(s: Syllable, pos: number, first: boolean): number {
  const onBeat = pos % 4 === 0;
  const strong = pos % 8 === 0;
  let c = pos % 2 === 1 ? 0.6 : 0;
  if (s.stress === 1) c += onBeat ? (strong ? -0.4 : 0) : 3;
  else if (s.stress === 2) c += onBeat ? 0 : 0.8;
  else if (s.stress === 0 && strong && !first) c += 0.4;
  return c;
}

function finalCost(pos: number, len: number, restIdx: number): number {
  let c = REST_COST[restIdx]!;
  if (len < 8) c += (8 - len) * 0.3;
  if (len > 10) c += (len - 10) * 0.25;
  if (pos % 4 !== 0) c += 0.8;
  else if (pos % 8 === 0) c -= 0.3;
  return c;
}

export function phraseRhythm(syllables: readonly Syllable[], bars: number, minGap: 1 | 2, rng: Rng): Onset[] {
  const n = syllables.length;
  if (n === 0) return [];
  const P = 16 * bars;
  const feel = FEELS[Math.floor(rng() * FEELS.length)]!;
  const gapCost = feel.gaps.map((c) => c + (rng() - 0.5) * 0.4);
  const startCost = feel.starts.map((c) => c + (rng() - 0.5) * 0.4);
  const G = GAPS.length + 1; // the last index stands for "no gap yet"
  const NONE = GAPS.length;
  const size = (P + 1) * G;
  const cost = Array.from({ length: n }, () => new Float64Array(size).fill(Infinity));
  const back = Array.from({ length: n }, () => new Int32Array(size).fill(-1));
  // Where syllable i would sit if the line were spread evenly, leaving room for the long last note.
  const step = (P - 6) / n;
  const allowed = (pos: number) => minGap === 1 || pos % 2 === 0;

  STARTS.forEach((p, k) => {
    if (p < P) cost[0]![p * G + NONE] = startCost[k]! + placeCost(syllables[0]!, p, true);
  });
  for (let i = 1; i < n; i++) {
    const prev = cost[i - 1]!;
    for (let p = 0; p < P; p++) {
      for (let g = 0; g < G; g++) {
        const base = prev[p * G + g]!;
        if (base === Infinity) continue;
        GAPS.forEach((gap, k) => {
          const q = p + gap;
          if (gap < minGap || q >= P || !allowed(q)) return;
          const mg = g === NONE || k > g ? k : g;
          const c = base + gapCost[k]! + placeCost(syllables[i]!, q, false) + SPREAD * Math.abs(q - i * step);
          if (c < cost[i]![q * G + mg]!) {
            cost[i]![q * G + mg] = c;
            back[i]![q * G + mg] = p * G + g;
          }
        });
      }
    }
  }

  let best = Infinity;
  let bestState = -1;
  let bestLen = 0;
  const last = cost[n - 1]!;
  for (let state = 0; state < size; state++) {
    const base = last[state]!;
    if (base === Infinity) continue;
    const p = Math.floor(state / G);
    const g = state % G;
    RESTS.forEach((r, k) => {
      const len = P - r - p;
      if (len < 4 || (g !== NONE && len <= GAPS[g]!)) return;
      const c = base + finalCost(p, len, k);
      if (c < best) [best, bestState, bestLen] = [c, state, len];
    });
  }
  if (bestState < 0) throw new Error(`${n} syllables do not fit in ${bars} bar(s) with a minimum gap of ${minGap}`);

  const positions: number[] = [];
  for (let i = n - 1, s = bestState; i >= 0; s = back[i]![s]!, i--) positions.unshift(Math.floor(s / G));
  return positions.map((pos, i) => ({ pos, len: i < n - 1 ? positions[i + 1]! - pos : bestLen }));
}
