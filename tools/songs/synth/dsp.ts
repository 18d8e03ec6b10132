import { mulberry32 } from "../../../lib/prng.ts";

/** Shared constants, tables and helpers for the synthesiser. Everything here is allocation-free per sample. */

export const SR = 44_100;
/** Frames rendered per block: small enough to stay in cache, large enough that per-block work is negligible. */
export const BLOCK = 1024;
export const HALF = SR / 2;

export const midiHz = (midi: number) => 440 * Math.pow(2, (midi - 69) / 12);

/** Seconds to a frame index, rounded so a note's start is the same however its time was computed. */
export const frameOf = (sec: number, rate = SR) => Math.round(sec * rate);

/**
 * The pad and the bass run at half the sample rate: their content is well under 10 kHz, and it halves
 * their cost. This doubles their output back to the full rate by linear interpolation (its images
 * fall above 11 kHz, 30 dB and more down) and adds it to the mix and the reverb send.
 */
export class Upsampler {
  private lastL = 0;
  private lastR = 0;
  /** Adds `halfL/halfR` (n/2 frames) × gain into L and R (n frames), and the mean of what it added × sendGain into send. */
  add(halfL: Float32Array, halfR: Float32Array, L: Float32Array, R: Float32Array, n: number, gain: number, send?: Float32Array, sendGain = 0) {
    let pl = this.lastL, pr = this.lastR;
    const sg = sendGain / 2;
    for (let i = 0, f = 0; f < n; i++, f += 2) {
      const l = halfL[i]! * gain, r = halfR[i]! * gain;
      const ml = (pl + l) * 0.5, mr = (pr + r) * 0.5;
      L[f]! += ml;
      R[f]! += mr;
      L[f + 1]! += l;
      R[f + 1]! += r;
      if (send) {
        send[f]! += (ml + mr) * sg;
        send[f + 1]! += (l + r) * sg;
      }
      pl = l;
      pr = r;
    }
    this.lastL = pl;
    this.lastR = pr;
  }
}

/** One-pole smoothing coefficient for a time constant in seconds, updated every `step` frames. */
export const smooth = (tau: number, step = 1) => 1 - Math.exp(-step / (tau * SR));

export const SIN_BITS = 12;
export const SIN_SIZE = 1 << SIN_BITS;
let sinTable: Float32Array | undefined;
/** A sine table (one extra point for interpolation): a table read is several times cheaper than Math.sin in a hot loop. */
export function sine(): Float32Array {
  if (!sinTable) {
    sinTable = new Float32Array(SIN_SIZE + 1);
    for (let i = 0; i <= SIN_SIZE; i++) sinTable[i] = Math.sin((2 * Math.PI * i) / SIN_SIZE);
  }
  return sinTable;
}

export const NOISE_BITS = 17;
export const NOISE_SIZE = 1 << NOISE_BITS;
export const NOISE_MASK = NOISE_SIZE - 1;
/**
 * White noise in [-1, 1) from the song's seed, read by every noisy sound at its own offset: a table
 * keeps a PRNG call (and its closure) out of the sample loops, and 3 s of noise never audibly repeats
 * within one short drum hit or consonant.
 */
export function noiseTable(seed: number): Float32Array {
  const rng = mulberry32(seed ^ 0x5eed5);
  const t = new Float32Array(NOISE_SIZE);
  for (let i = 0; i < NOISE_SIZE; i++) t[i] = rng() * 2 - 1;
  return t;
}

/** A deterministic 32-bit hash for per-note choices (offsets, small random variations) without consuming a shared stream. */
export function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
export const unit = (a: number, b: number) => hash32(a, b) / 4294967296;

/**
 * The polyBLEP residual for a unit step at phase 0, `t` the phase since the step and `dt` the phase
 * increment: added as (height / 2) × polyBlep it removes most of the aliasing a hard edge would fold
 * back into the audible band.
 */
export function polyBlep(t: number, dt: number): number {
  if (t < dt) {
    const x = t / dt;
    return x + x - x * x - 1;
  }
  if (t > 1 - dt) {
    const x = (t - 1) / dt;
    return x * x + x + x + 1;
  }
  return 0;
}

export const WT_BITS = 11;
export const WT_SIZE = 1 << WT_BITS;
const WT_MASK = WT_SIZE - 1;

/**
 * Band-limited single-cycle tables, one per octave of harmonic count (1, 2, 4 … 128 harmonics), built
 * from the sine table by index arithmetic so that building them costs no transcendental calls.
 */
export type Wavetable = Float32Array[];
export function buildWavetable(amp: (k: number) => number): Wavetable {
  const s = sine();
  const levels: Float32Array[] = [];
  for (let level = 0; level <= 7; level++) {
    const harmonics = 1 << level;
    const t = new Float32Array(WT_SIZE + 1);
    let peak = 0;
    for (let k = 1; k <= harmonics; k++) {
      const a = amp(k);
      if (a === 0) continue;
      for (let i = 0; i < WT_SIZE; i++) t[i]! += a * s[((k * i) & WT_MASK) << (SIN_BITS - WT_BITS)]!;
    }
    for (let i = 0; i < WT_SIZE; i++) peak = Math.max(peak, Math.abs(t[i]!));
    for (let i = 0; i < WT_SIZE; i++) t[i]! /= peak || 1;
    t[WT_SIZE] = t[0]!;
    levels.push(t);
  }
  return levels;
}

/** The table with the most harmonics that all stay below `limitHz` for a fundamental `hz`. */
export function tableFor(wt: Wavetable, hz: number, limitHz = SR * 0.45): Float32Array {
  const maxHarmonics = Math.max(1, Math.floor(limitHz / hz));
  let level = 0;
  while (level < wt.length - 1 && 1 << (level + 1) <= maxHarmonics) level++;
  return wt[level]!;
}

let warmSaw: Wavetable | undefined;
let hollow: Wavetable | undefined;
let brightSaw: Wavetable | undefined;
/** A saw with its top rolled off, as if low-passed: the pad needs no per-note filter then. */
export const warmSawTable = () => (warmSaw ??= buildWavetable((k) => Math.exp(-k / 10) / k));
/** Odd harmonics stronger than even: a clarinet-like hollow tone for the instrumental lead. */
export const hollowTable = () => (hollow ??= buildWavetable((k) => (k % 2 === 1 ? 1 / k : 0.35 / k) * Math.exp(-k / 24)));
/** A full saw for the bass, which has its own moving filter. */
export const sawTable = () => (brightSaw ??= buildWavetable((k) => 1 / k));
