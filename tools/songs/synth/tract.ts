import { SR } from "./dsp.ts";
import { BANDWIDTHS, F4, F5 } from "./phonetics.ts";

/**
 * The glottal source and the vocal tract's transfer function, shared by the singer's sample loop and
 * its level control. A cascade of resonators gives each vowel its natural relative formant levels, but
 * its overall gain swings by 10 dB as harmonics fall on or between formant peaks; the singer divides
 * by the level computed here so every syllable comes out equally loud, as a singer would make it.
 */

export const OPEN_QUOTIENT = 0.6;
/** One-pole smoothing of the source: a little softer than a pressed voice. */
export const TILT = 0.7;

/**
 * The flow derivative of the pulse u²(1 − u) over the open phase u = phase / OQ; zero while closed.
 * (The singer's loop computes the same expression inline, band-limiting the closure.)
 */
export const glottal = (phase: number) => {
  if (phase >= OPEN_QUOTIENT) return 0;
  const u = phase / OPEN_QUOTIENT;
  return u * (2 - 3 * u);
};

const RADIUS = [...BANDWIDTHS].map((bw) => Math.exp((-Math.PI * bw) / SR));
/**
 * Klatt resonator coefficients for formant i at `hz` (y = a·x + b·y[n−1] + c·y[n−2], unity gain at
 * DC), written into out[at…at+2] so the singer's control path allocates nothing.
 */
export function resonator(i: number, hz: number, out: Float64Array, at: number) {
  const r = RADIUS[i]!;
  const b = 2 * r * Math.cos((2 * Math.PI * hz) / SR);
  const c = -r * r;
  out[at] = 1 - b - c;
  out[at + 1] = b;
  out[at + 2] = c;
}

const HARMONICS = 48;
const coeffs = new Float64Array(15);
let source: Float64Array | undefined;
/** Power of the source's first HARMONICS harmonics (a 1024-point DFT of one period, computed once). */
function sourcePower(): Float64Array {
  if (source) return source;
  const n = 1024;
  source = new Float64Array(HARMONICS + 1);
  for (let k = 1; k <= HARMONICS; k++) {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const g = glottal(i / n);
      re += g * Math.cos((2 * Math.PI * k * i) / n);
      im -= g * Math.sin((2 * Math.PI * k * i) / n);
    }
    source[k] = (re * re + im * im) / (n * n);
  }
  return source;
}

/**
 * The RMS the cascade would put out for a steady vowel at `f0` with formants `f` (F1–F3; F4 and F5
 * fixed) and unit source amplitude, over the harmonics below 4 kHz (where nearly all of a vowel's
 * energy is). Cheap enough to call whenever the formants or the pitch move: cos(kw) and sin(kw) come
 * from a rotation, not from trigonometric calls per harmonic.
 */
export function vowelLevel(f0: number, f: ArrayLike<number>): number {
  const src = sourcePower();
  const k = coeffs;
  resonator(0, f[0]!, k, 0);
  resonator(1, f[1]!, k, 3);
  resonator(2, f[2]!, k, 6);
  resonator(3, F4, k, 9);
  resonator(4, F5, k, 12);
  const a0 = k[0]!, b0 = k[1]!, c0 = k[2]!, a1 = k[3]!, b1 = k[4]!, c1 = k[5]!, a2 = k[6]!, b2 = k[7]!, c2 = k[8]!;
  const a3 = k[9]!, b3 = k[10]!, c3 = k[11]!, a4 = k[12]!, b4 = k[13]!, c4 = k[14]!;
  const num = a0 * a0 * a1 * a1 * a2 * a2 * a3 * a3 * a4 * a4 * TILT * TILT;
  const w = (2 * Math.PI * f0) / SR;
  const cw1 = Math.cos(w), sw1 = Math.sin(w);
  let cw = cw1, sw = sw1;
  let power = 0;
  for (let k = 1; k <= HARMONICS && k * f0 < 4000; k++) {
    const c2w = cw * cw - sw * sw, s2w = 2 * cw * sw;
    const tre = 1 - (1 - TILT) * cw, tim = (1 - TILT) * sw;
    const den =
      den2(b0, c0, cw, sw, c2w, s2w) * den2(b1, c1, cw, sw, c2w, s2w) * den2(b2, c2, cw, sw, c2w, s2w) * den2(b3, c3, cw, sw, c2w, s2w) * den2(b4, c4, cw, sw, c2w, s2w);
    power += (src[k]! * num) / (den * (tre * tre + tim * tim));
    const nc = cw * cw1 - sw * sw1;
    sw = sw * cw1 + cw * sw1;
    cw = nc;
  }
  return Math.sqrt(power / 2);
}

/** |1 − b·e^{−jw} − c·e^{−2jw}|²: a resonator's denominator at one frequency. */
function den2(b: number, c: number, cw: number, sw: number, c2w: number, s2w: number) {
  const re = 1 - b * cw - c * c2w, im = b * sw + c * s2w;
  return re * re + im * im;
}
