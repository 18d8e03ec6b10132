import type { DrumHit } from "../types.ts";
import { NOISE_MASK, SIN_SIZE, SR, frameOf, hash32, sine } from "./dsp.ts";

/**
 * Synthesised drums on General MIDI numbers: a pitch-swept sine kick (and toms), a snare of a short
 * tone and band-passed noise, hats and cymbals of high-passed noise. Every hit reads the song's noise
 * table at its own seeded offset, so two hits never sound exactly alike but a render always does.
 */

type Kind = "kick" | "tom" | "snare" | "clap" | "stick" | "hat" | "open" | "crash" | "ride";

type Hit = {
  kind: Kind;
  start: number;
  stop: number;
  chokeAt: number;
  gl: number;
  gr: number;
  // tone: phase, sweep start (Hz above the base), base Hz, sweep and amplitude decay per frame
  phase: number;
  sweep: number;
  base: number;
  sweepK: number;
  toneAmp: number;
  toneK: number;
  // noise: read head, amplitude and decay per frame, and a TPT state-variable filter (mode, coefficients, states)
  pos: number;
  noiseAmp: number;
  noiseK: number;
  hp: boolean;
  c1: number;
  c2: number;
  c3: number;
  k: number;
  s1: number;
  s2: number;
};

const decay = (tau: number) => Math.exp(-1 / (tau * SR));
const NOISY = new Set<Kind>(["hat", "open", "crash", "ride"]);
/** A choked hit fades by 0.997 a frame (τ ≈ 7.5 ms): 40 ms takes it 45 dB down. */
const CHOKE_FRAMES = Math.round(0.04 * SR);

function classify(midi: number): Kind {
  if (midi === 35 || midi === 36) return "kick";
  if (midi === 38 || midi === 40) return "snare";
  if (midi === 39) return "clap";
  if (midi === 37) return "stick";
  if (midi === 42 || midi === 44) return "hat";
  if (midi === 46) return "open";
  if (midi === 51 || midi === 53 || midi === 59) return "ride";
  if (midi === 49 || midi === 52 || midi === 55 || midi === 57) return "crash";
  if (midi >= 41 && midi <= 50) return "tom";
  return "hat"; // any other percussion: a light tick rather than nothing
}

const TOM_HZ: Record<number, number> = { 41: 82, 43: 98, 45: 112, 47: 130, 48: 150, 50: 175 };

function hit(h: DrumHit, index: number, seed: number): Hit {
  const kind = classify(h.midi);
  const vel = Math.min(1, Math.max(0, h.velocity));
  // [pan -1…1, tone Hz, sweep Hz, sweep τ, tone level, tone τ, noise level, noise τ, filter Hz, high-pass?, filter damping]
  const p: Record<Kind, [number, number, number, number, number, number, number, number, number, boolean, number]> = {
    kick: [0, 47, 115, 0.032, 1, 0.12, 0.25, 0.004, 3000, false, 1.4],
    tom: [((h.midi - 45) / 5) * 0.3, TOM_HZ[h.midi] ?? 110, 45, 0.05, 0.8, 0.18, 0.15, 0.01, 2500, false, 1.4],
    snare: [0.05, 185, 60, 0.02, 0.5, 0.06, 0.6, 0.085, 3200, false, 0.8],
    clap: [-0.05, 0, 0, 1, 0, 1, 0.8, 0.08, 1300, false, 0.7],
    stick: [0.1, 880, 0, 1, 0.5, 0.015, 0.4, 0.01, 2200, false, 1],
    hat: [0.3, 0, 0, 1, 0, 1, h.midi === 44 ? 0.18 : 0.28, h.midi === 44 ? 0.014 : 0.022, 7500, true, 1],
    open: [0.3, 0, 0, 1, 0, 1, 0.25, 0.16, 7000, true, 1],
    crash: [-0.35, 0, 0, 1, 0, 1, 0.35, 0.55, 4500, true, 1.2],
    ride: [0.35, 3150, 0, 1, 0.05, 0.4, 0.15, 0.3, 6000, true, 1.2],
  };
  const [pan, base, sweep, sweepTau, tone, toneTau, noise, noiseTau, fc, hp, k] = p[kind];
  // A hit ends when its slowest part has fallen 40 dB (4.6 time constants): cut there, it cannot click.
  const len = 4.6 * Math.max(tone > 0 ? toneTau : 0, noise > 0 ? noiseTau : 0);
  const g = Math.tan((Math.PI * fc) / SR);
  const c1 = 1 / (1 + g * (g + k));
  const angle = ((pan + 1) * Math.PI) / 4; // constant-power pan
  const start = frameOf(h.time);
  return {
    kind,
    start,
    stop: start + Math.round(len * SR),
    chokeAt: Infinity,
    gl: Math.cos(angle),
    gr: Math.sin(angle),
    phase: 0,
    sweep,
    base,
    sweepK: decay(sweepTau),
    toneAmp: tone * vel,
    toneK: decay(toneTau),
    pos: hash32(seed, index + 7777) & NOISE_MASK,
    noiseAmp: noise * vel,
    noiseK: decay(noiseTau),
    hp,
    c1,
    c2: g * c1,
    c3: g * g * c1,
    k,
    s1: 0,
    s2: 0,
  };
}

export class Drums {
  private readonly hits: DrumHit[];
  private next = 0;
  private active: Hit[] = [];
  private readonly sin = sine();
  constructor(
    hits: readonly DrumHit[],
    private readonly seed: number,
    private readonly noise: Float32Array,
  ) {
    this.hits = [...hits].sort((a, b) => a.time - b.time);
  }

  /** Adds frames [frame0, frame0 + n) × gain into L and R. */
  process(frame0: number, n: number, L: Float32Array, R: Float32Array, gain: number) {
    const end = frame0 + n;
    while (this.next < this.hits.length && frameOf(this.hits[this.next]!.time) < end) {
      const h = hit(this.hits[this.next]!, this.next, this.seed);
      // A closed hat silences a ringing open one, as the pedal does on a real kit; a cymbal or hat
      // struck again takes over from its own ringing tail (masked anyway, and it bounds the voices).
      for (const o of this.active)
        if (o.chokeAt === Infinity && (o.kind === h.kind || (h.kind === "hat" && o.kind === "open")) && NOISY.has(o.kind)) {
          o.chokeAt = h.start;
          o.stop = Math.min(o.stop, h.start + CHOKE_FRAMES);
        }
      this.active.push(h);
      this.next++;
    }
    for (const h of this.active) {
      const from = Math.max(h.start, frame0);
      const to = Math.min(h.stop, end);
      if (to > from) this.render(h, from, to, frame0, L, R, gain);
    }
    this.active = this.active.filter((h) => h.stop > end);
  }

  private render(h: Hit, from: number, to: number, frame0: number, L: Float32Array, R: Float32Array, gain: number) {
    const sin = this.sin, noise = this.noise;
    const { base, sweepK, toneK, noiseK, hp, c1, c2, c3, k, chokeAt } = h;
    const gl = h.gl * gain, gr = h.gr * gain;
    const clap = h.kind === "clap";
    const kick = h.kind === "kick" || h.kind === "tom";
    let { phase, sweep, toneAmp, pos, noiseAmp, s1, s2 } = h;
    for (let f = from; f < to; f++) {
      let out = 0;
      if (toneAmp > 1e-5) {
        phase += (base + sweep) / SR;
        if (phase >= 1) phase -= 1;
        const i = phase * SIN_SIZE, j = i | 0;
        out += (sin[j]! + (sin[j + 1]! - sin[j]!) * (i - j)) * toneAmp;
        sweep *= sweepK;
        toneAmp *= toneK;
      }
      if (noiseAmp > 1e-5) {
        const x = noise[pos]!;
        pos = (pos + 1) & NOISE_MASK;
        const v3 = x - s2;
        const v1 = c1 * s1 + c2 * v3;
        const v2 = s2 + c2 * s1 + c3 * v3;
        s1 = 2 * v1 - s1;
        s2 = 2 * v2 - s2;
        let env = noiseAmp;
        // A clap is three quick slaps before its tail.
        if (clap) {
          const ms = ((f - h.start) * 1000) / SR;
          if (ms < 30) env *= 0.4 + 0.6 * Math.exp(-(ms % 10) / 2.5);
        }
        out += (hp ? x - k * v1 - v2 : v1) * env;
        noiseAmp *= noiseK;
      }
      if (kick) out = (1.5 * out) / (1 + Math.abs(1.5 * out)); // a little saturation gives the kick its punch
      if (f >= chokeAt) {
        noiseAmp *= 0.997;
        toneAmp *= 0.997;
      }
      L[f - frame0]! += out * gl;
      R[f - frame0]! += out * gr;
    }
    Object.assign(h, { phase, sweep, toneAmp, pos, noiseAmp, s1, s2 });
  }
}
