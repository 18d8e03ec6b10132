import type { Note } from "../types.ts";
import { BLOCK, HALF, SR, Upsampler, WT_SIZE, frameOf, hollowTable, midiHz, sawTable, smooth, tableFor, unit, warmSawTable } from "./dsp.ts";

/**
 * The pitched instruments: a stereo pad for the harmony, a filtered saw bass, and (for instrumental
 * songs) a lead instrument. Each renders block by block, adding into the mix buffers it is given. The
 * pad and bass run at half rate (see Upsampler): voices, envelopes and filters count half-rate frames.
 */

/**
 * A note being played, its envelope in frames, and its oscillator and filter state. A class with every
 * field a number from the start keeps one hidden class for all voices, so the sample loops stay optimised.
 */
class Voice {
  readonly start: number;
  gateEnd: number;
  stop: number;
  readonly hz: number;
  readonly vel: number;
  readonly attack: number;
  readonly sustain: number;
  readonly decayK: number;
  releaseK: number;
  readonly midi: number;
  env = 0.0;
  a = 0.0;
  b = 0.0;
  s1 = 0.0;
  s2 = 0.0;
  constructor(n: Note, attackSec: number, sustain: number, decaySec: number, releaseSec: number) {
    this.start = frameOf(n.time, HALF);
    this.gateEnd = Math.max(this.start + 1, frameOf(n.time + n.duration, HALF));
    // 4.6 time constants: the release has fallen 40 dB and can be cut without a click.
    this.stop = this.gateEnd + Math.ceil(4.6 * releaseSec * HALF);
    this.midi = n.midi;
    this.hz = midiHz(n.midi);
    this.vel = Math.min(1, Math.max(0, n.velocity));
    this.attack = Math.max(1, Math.round(attackSec * HALF));
    this.sustain = sustain;
    this.decayK = smooth(decaySec, 2);
    this.releaseK = smooth(releaseSec, 2);
  }
}

/** Plays a sorted note list as a set of voices, calling `render` for the part of each voice in a block. */
abstract class Poly {
  private readonly notes: Note[];
  private next = 0;
  protected active: Voice[] = [];
  constructor(notes: readonly Note[]) {
    this.notes = [...notes].sort((a, b) => a.time - b.time);
  }
  protected abstract voice(n: Note, index: number): Voice;
  protected abstract render(v: Voice, from: number, to: number, frame0: number): void;
  protected step(frame0: number, n: number) {
    const end = frame0 + n;
    while (this.next < this.notes.length && frameOf(this.notes[this.next]!.time, HALF) < end) {
      const v = this.voice(this.notes[this.next]!, this.next);
      // A repeated pitch takes over from the voice still sounding it (a quick 6 ms fade), as a
      // player's key would: two copies of one pitch only beat against each other, and cost twice.
      // (An old voice already releasing gets the fast release from this block's start, up to 12 ms early.)
      for (const old of this.active)
        if (old.midi === v.midi && old.stop > v.start) {
          const at = Math.max(old.start + 1, v.start);
          if (old.gateEnd > at) old.gateEnd = at;
          old.releaseK = Math.max(old.releaseK, smooth(0.006, 2));
          old.stop = Math.min(old.stop, Math.max(at, old.gateEnd) + Math.ceil(0.03 * HALF));
        }
      this.active.push(v);
      this.next++;
    }
    for (const v of this.active) {
      const from = Math.max(v.start, frame0);
      const to = Math.min(v.stop, end);
      if (to > from) this.render(v, from, to, frame0);
    }
    this.active = this.active.filter((v) => v.stop > end);
  }
}

/**
 * Harmony: two detuned warm saws per note, one leaning left and one right, so chords are wide without
 * a chorus effect. Long notes swell like a pad; short ones (comping) speak at once and fade.
 */
export class Pad extends Poly {
  private readonly L = new Float32Array(BLOCK / 2);
  private readonly R = new Float32Array(BLOCK / 2);
  private readonly up = new Upsampler();
  constructor(
    notes: readonly Note[],
    private readonly seed: number,
  ) {
    super(notes);
  }
  protected voice(n: Note, i: number): Voice {
    const long = n.duration >= 0.9;
    const v = new Voice(n, long ? 0.09 : 0.006, long ? 0.75 : 0.35, long ? 0.6 : 0.25, long ? 0.22 : 0.12);
    // Random start phases: two saws starting in phase would sound like one with a flanged attack.
    v.a = unit(this.seed, i * 2 + 100);
    v.b = unit(this.seed, i * 2 + 101);
    return v;
  }
  protected render(v: Voice, from: number, to: number, frame0: number) {
    const t = tableFor(warmSawTable(), v.hz * 1.004, 9_000);
    const incA = (v.hz * 1.0035) / HALF; // ±6 cents
    const incB = (v.hz * 0.9965) / HALF;
    const gain = 0.16 * (0.5 + 0.5 * v.vel);
    const L = this.L, R = this.R;
    const { start, attack, gateEnd, sustain, decayK, releaseK } = v;
    let a = v.a, b = v.b, e = v.env;
    for (let f = from; f < to; f++) {
      const pos = f - start;
      if (pos < attack) e = pos / attack;
      else if (f < gateEnd) e += (sustain - e) * decayK;
      else e -= e * releaseK;
      const env = e * gain;
      a += incA;
      if (a >= 1) a -= 1;
      b += incB;
      if (b >= 1) b -= 1;
      const ia = a * WT_SIZE, ib = b * WT_SIZE;
      const ja = ia | 0, jb = ib | 0;
      const sa = (t[ja]! + (t[ja + 1]! - t[ja]!) * (ia - ja)) * env;
      const sb = (t[jb]! + (t[jb + 1]! - t[jb]!) * (ib - jb)) * env;
      L[f - frame0]! += 0.85 * sa + 0.35 * sb;
      R[f - frame0]! += 0.35 * sa + 0.85 * sb;
    }
    v.a = a;
    v.b = b;
    v.env = e;
  }
  /** Adds frames [frame0, frame0 + n) × gain to L and R, and × sendGain to the reverb send. */
  process(frame0: number, n: number, L: Float32Array, R: Float32Array, gain: number, send: Float32Array, sendGain: number) {
    this.L.fill(0);
    this.R.fill(0);
    this.step(frame0 / 2, n / 2);
    this.up.add(this.L, this.R, L, R, n, gain, send, sendGain);
  }
}

const BASS_CTRL = 16; // half-rate frames
/** Bass: a saw and a sine an octave below through a resonant low-pass whose cutoff falls after each pluck. */
export class Bass extends Poly {
  private readonly out = new Float32Array(BLOCK / 2);
  private readonly up = new Upsampler();
  constructor(notes: readonly Note[]) {
    super(notes);
  }
  protected voice(n: Note): Voice {
    return new Voice(n, 0.004, 0.8, 0.4, 0.04);
  }
  protected render(v: Voice, from: number, to: number, frame0: number) {
    const t = tableFor(sawTable(), v.hz, 9_000);
    const inc = v.hz / HALF;
    const out = this.out;
    const gain = 0.5 * (0.6 + 0.4 * v.vel);
    const { start, attack, gateEnd, sustain, decayK, releaseK } = v;
    let a = v.a, sub = v.b, s1 = v.s1, s2 = v.s2, e = v.env;
    for (let f0 = from; f0 < to; f0 += BASS_CTRL) {
      const age = (f0 - v.start) / HALF;
      // The pluck: cutoff from ~9 harmonics down to ~3 within a fifth of a second.
      const cutoff = Math.min(5000, v.hz * (2.5 + 7 * v.vel * Math.exp(-age / 0.12)));
      const g = Math.tan((Math.PI * cutoff) / HALF);
      const k = 0.9;
      const c1 = 1 / (1 + g * (g + k)), c2 = g * c1, c3 = g * c2;
      const end = Math.min(to, f0 + BASS_CTRL);
      for (let f = f0; f < end; f++) {
        const pos = f - start;
        if (pos < attack) e = pos / attack;
        else if (f < gateEnd) e += (sustain - e) * decayK;
        else e -= e * releaseK;
        const env = e * gain;
        a += inc;
        if (a >= 1) a -= 1;
        sub += inc * 0.5;
        if (sub >= 1) sub -= 1;
        const i = a * WT_SIZE, j = i | 0;
        const saw = t[j]! + (t[j + 1]! - t[j]!) * (i - j);
        const v3 = saw - s2;
        const v1 = c1 * s1 + c2 * v3;
        const v2 = s2 + c2 * s1 + c3 * v3;
        s1 = 2 * v1 - s1;
        s2 = 2 * v2 - s2;
        // A triangle an octave down: a cheap round sub (its odd harmonics fall 12 dB per octave).
        const tri = sub < 0.5 ? 4 * sub - 1 : 3 - 4 * sub;
        out[f - frame0]! += (v2 + 0.45 * tri) * env;
      }
    }
    v.a = a;
    v.b = sub;
    v.s1 = s1;
    v.s2 = s2;
    v.env = e;
  }
  process(frame0: number, n: number, L: Float32Array, R: Float32Array, gain: number) {
    this.out.fill(0);
    this.step(frame0 / 2, n / 2);
    this.up.add(this.out, this.out, L, R, n, gain);
  }
}

const LEAD_CTRL = 32;
/** The instrumental lead: a hollow, clarinet-like tone that glides between close notes and adds vibrato on long ones. */
export class LeadSynth {
  private readonly notes: { start: number; end: number; midi: number; vel: number }[];
  private next = 0;
  private cur = -1;
  private pitch = 60;
  private amp = 0;
  private phase = 0;
  private lp = 0;
  private vib = 0;
  constructor(
    notes: readonly Note[],
    private readonly out: Float32Array,
  ) {
    const sorted = [...notes].sort((a, b) => a.time - b.time);
    this.notes = sorted.map((n, i) => ({
      start: frameOf(n.time),
      end: Math.min(frameOf(n.time + n.duration), i + 1 < sorted.length ? frameOf(sorted[i + 1]!.time) : Infinity),
      midi: n.midi,
      vel: Math.min(1, Math.max(0, n.velocity)),
    }));
  }
  process(frame0: number, n: number) {
    const out = this.out;
    let { phase, amp, lp } = this;
    for (let off = 0; off < n; off += LEAD_CTRL) {
      const frame = frame0 + off;
      while (this.next < this.notes.length && this.notes[this.next]!.start <= frame) {
        const prev = this.notes[this.cur];
        const note = this.notes[this.next]!;
        if (!prev || frame - prev.end > 0.05 * SR || amp < 0.02) this.pitch = note.midi;
        this.cur = this.next++;
      }
      const note = this.notes[this.cur];
      const active = note !== undefined && frame < note.end;
      if (!active && amp < 1e-5) {
        amp = lp = 0;
        continue;
      }
      let target = 0;
      if (active) {
        const age = (frame - note.start) / SR;
        this.pitch += (note.midi - this.pitch) * smooth(0.025, LEAD_CTRL);
        this.vib += (2 * Math.PI * 5.5 * LEAD_CTRL) / SR;
        const depth = 0.2 * Math.min(1, Math.max(0, (age - 0.25) / 0.4));
        this.hz = midiHz(this.pitch + depth * Math.sin(this.vib));
        target = 0.3 * (0.5 + 0.5 * note.vel);
      }
      const ampEnd = amp + (target - amp) * smooth(target > amp ? 0.01 : 0.05, LEAD_CTRL);
      const dAmp = (ampEnd - amp) / LEAD_CTRL;
      const t = tableFor(hollowTable(), this.hz, 9000);
      const inc = this.hz / SR;
      const len = Math.min(LEAD_CTRL, n - off);
      for (let j = 0; j < len; j++) {
        phase += inc;
        if (phase >= 1) phase -= 1;
        const i = phase * WT_SIZE, k = i | 0;
        const s = t[k]! + (t[k + 1]! - t[k]!) * (i - k);
        lp += (s - lp) * 0.5;
        out[off + j]! += lp * amp;
        amp += dAmp;
      }
    }
    this.phase = phase;
    this.amp = amp;
    this.lp = lp;
  }
  private hz = 261.6;
}
