import type { SungNote } from "../types.ts";
import { NOISE_MASK, SR, hash32, midiHz, polyBlep, smooth } from "./dsp.ts";
import { F4, F5 } from "./phonetics.ts";
import { prepareNotes, type Prepared } from "./score.ts";
import { OPEN_QUOTIENT, TILT, resonator, vowelLevel } from "./tract.ts";

/**
 * A formant singer (Klatt-style cascade): a glottal pulse train with vibrato, drift and breath, through
 * five resonators whose lower three glide to each syllable's vowel, with a consonant-like onset per
 * syllable. Controls (pitch, formants, levels) move every CTRL frames; the sample loop only runs the
 * oscillator and the filters. State persists across blocks so the song streams in small buffers.
 */

const CTRL = 32;
const BREATH = 0.04;
const OUT_GAIN = 0.1;
/** Sibilants about 8 dB under the vowels, as in speech. */
const FRIC_GAIN = 0.2;
const K_GLIDE = smooth(0.03, CTRL);
const K_FORMANT = smooth(0.028, CTRL);
const K_ATTACK = smooth(0.012, CTRL);
const K_RELEASE = smooth(0.035, CTRL);
/** Voicing stops faster for a consonant inside a phrase than at a phrase's end. */
const K_CUT = smooth(0.008, CTRL);
const K_ASP = smooth(0.006, CTRL);
const K_FRIC = smooth(0.004, CTRL);
const VIB_STEP = (2 * Math.PI * CTRL) / SR;
const INV_OQ = 1 / OPEN_QUOTIENT;
const FIXED = new Float64Array(6);
resonator(3, F4, FIXED, 0);
resonator(4, F5, FIXED, 3);
const [A3, B3, C3, A4, B4, C4] = FIXED as unknown as [number, number, number, number, number, number];

/** How far the pitch starts from the note for each Mandarin tone, in semitones, decaying within ~0.2 s. */
const TONE_CONTOUR = [0, 0, -0.8, -0.6, 0.9];

export class Singer {
  private readonly notes: Prepared[];
  private next = 0;
  private cur: Prepared | undefined;
  private lastEnd = -1e9;
  private legato = false;
  private phase = 0;
  private pitch = 60;
  private hz = 261.6;
  private amp = 0;
  private asp = 0;
  private fric = 0;
  private vibPhase = 0;
  private drift = 0;
  private tilt = 0;
  private readonly f = [500, 1500, 2500];
  /** 1 / the tract's output level at the pitch and formants it was last computed for (see vowelLevel). */
  private norm = 1;
  private nrm = 1;
  private readonly normAt = [0, 0, 0, 0];
  /** y[n−1], y[n−2] for each of the five resonators. */
  private readonly y = new Float64Array(10);
  /** The three moving resonators' coefficients (a, b, c each). */
  private readonly k = new Float64Array(9);
  private ic1 = 0;
  private ic2 = 0;
  private noisePos: number;
  private fricPos: number;

  constructor(
    notes: readonly SungNote[],
    seed: number,
    private readonly noise: Float32Array,
  ) {
    this.notes = prepareNotes(notes, seed);
    this.noisePos = hash32(seed, 1) & NOISE_MASK;
    this.fricPos = hash32(seed, 2) & NOISE_MASK;
  }

  private noteOn(n: Prepared, frame: number, amp: number) {
    const legato = frame - this.lastEnd < 0.06 * SR && amp > 0.02 * n.level;
    if (!legato) {
      // From silence a singer lands slightly flat and slides up; the tract is already in place.
      this.pitch = n.midi - 0.35;
      const from = n.onset.from ?? n.shape.glide ?? n.vowel;
      for (let i = 0; i < 3; i++) this.f[i] = from[i]!;
      this.vibPhase = 0;
    }
    this.legato = legato;
    this.cur = n;
  }

  /**
   * Keeps every syllable equally loud whatever its pitch and vowel (and through the formant moves
   * between them), recomputing the level only when the pitch or a formant has moved by 3 %.
   */
  private normalise(f1: number) {
    const at = this.normAt, f = this.f, hz = this.hz;
    if (Math.abs(hz - at[0]!) > 0.03 * hz || Math.abs(f1 - at[1]!) > 0.03 * f1 || Math.abs(f[1]! - at[2]!) > 0.03 * f[1]! || Math.abs(f[2]! - at[3]!) > 0.03 * f[2]!) {
      this.norm = 1 / vowelLevel(this.hz, [f1, this.f[1]!, this.f[2]!]);
      at[0] = this.hz;
      at[1] = f1;
      at[2] = this.f[1]!;
      at[3] = this.f[2]!;
    }
    return this.norm;
  }

  /** This control step's targets, reused so the control path allocates nothing. */
  private readonly t = { ampT: 0, aspT: 0, fricT: 0, fricHz: 4000, cut: false };

  /** Targets for one control step of the current note: voice, aspiration and frication levels, formants. */
  private control(note: Prepared, frame: number) {
    const age = (frame - note.start) / SR;
    const o = note.onset;
    const gap = o.gapSec * note.scale;
    const noiseEnd = gap + o.noiseSec * note.scale;
    let voiceAt = 0, murmur = 1, aspT = 0, fricT = 0;
    switch (o.kind) {
      case "stop": // closure, a short burst, voicing from its middle
        voiceAt = gap + (noiseEnd - gap) * 0.5;
        if (age >= gap && age < noiseEnd) fricT = o.level;
        break;
      case "aspirated": // closure, burst, then breath through the vowel's tract before the voice
        voiceAt = noiseEnd;
        if (age >= gap && age < gap + 0.012) fricT = o.level;
        else if (age >= gap && age < noiseEnd) aspT = o.level;
        break;
      case "fricative":
      case "affricate":
        voiceAt = gap + (noiseEnd - gap) * 0.75;
        if (age >= gap && age < noiseEnd) fricT = o.level;
        break;
      case "breath":
        voiceAt = noiseEnd * 0.8;
        if (age < noiseEnd) aspT = o.level;
        break;
      case "nasal":
      case "liquid":
      case "glide":
        if (age < noiseEnd) murmur = o.kind === "nasal" ? 0.4 : o.kind === "liquid" ? 0.6 : 0.85;
        break;
      case "none": // a vowel after a vowel: a slight re-attack, or two syllables would blur into one
        if (this.legato && age < 0.025) murmur = 0.55;
        break;
    }
    // Pitch: glide to the note, the tone's onset contour, vibrato after 0.2 s, a slow random drift.
    const target = note.midi + TONE_CONTOUR[note.tone]! * Math.exp(-age / 0.09);
    this.pitch += (target - this.pitch) * K_GLIDE;
    const depth = 0.28 * Math.min(1, Math.max(0, (age - 0.2) / 0.35));
    this.vibPhase += note.vibRate * VIB_STEP;
    if (this.vibPhase > 2 * Math.PI) this.vibPhase -= 2 * Math.PI;
    this.drift += (this.noise[(this.noisePos + 7919) & NOISE_MASK]! * 0.12 - this.drift) * 0.03;
    const vib = depth * Math.sin(this.vibPhase);
    this.hz = midiHz(this.pitch + vib + this.drift);
    const sh = note.shape;
    let ft = note.vowel;
    if (o.from && age < noiseEnd) ft = o.from;
    else if (sh.glide && age < noiseEnd + 0.05) ft = sh.glide;
    else if (sh.coda && frame >= note.codaAt) {
      ft = sh.coda;
      if (sh.nasalCoda) murmur = 0.5;
    }
    for (let i = 0; i < 3; i++) this.f[i]! += (ft[i]! - this.f[i]!) * K_FORMANT;
    // Loudness follows the vibrato a little, as a singer's does.
    const t = this.t;
    t.ampT = age >= voiceAt ? note.level * murmur * (1 + 0.12 * vib) : 0;
    t.aspT = aspT * note.level;
    t.fricT = fricT;
    t.fricHz = o.noiseHz || 4000;
    t.cut = age < voiceAt || murmur < 1;
  }

  /** Adds `n` frames starting at song frame `frame0` into `out`. */
  process(out: Float32Array, frame0: number, n: number) {
    const noise = this.noise, y = this.y;
    let { phase, amp, asp, fric, tilt, ic1, ic2, noisePos, fricPos, nrm } = this;
    for (let off = 0; off < n; off += CTRL) {
      const frame = frame0 + off;
      const len = Math.min(CTRL, n - off);
      while (this.next < this.notes.length && this.notes[this.next]!.start <= frame) this.noteOn(this.notes[this.next++]!, frame, amp);
      const note = this.cur;
      const active = note !== undefined && frame < note.end;
      if (note && !active && this.lastEnd < note.end) this.lastEnd = note.end;
      if (!active && amp < 1e-6 && asp < 1e-6 && fric < 1e-6) {
        // Silence: nothing to compute; clear the filters so no denormals linger.
        amp = asp = fric = tilt = ic1 = ic2 = 0;
        nrm = this.normalise(Math.max(this.f[0]!, this.hz * 1.1));
        y.fill(0);
        continue;
      }
      this.noisePos = noisePos;
      const c = this.t;
      if (active) this.control(note, frame);
      else c.ampT = c.aspT = c.fricT = 0;

      // Per-sample ramps from the smoothed values at this step's start to its end.
      const dAmp = ((c.ampT - amp) * (c.ampT > amp ? K_ATTACK : c.cut ? K_CUT : K_RELEASE)) / CTRL;
      const dAsp = ((c.aspT - asp) * K_ASP) / CTRL;
      const dFric = ((c.fricT - fric) * K_FRIC) / CTRL;
      const hz = this.hz;
      // The level correction moves sample by sample from its last value to this step's: it must
      // follow the formants as fast as they move, or a formant crossing a harmonic would swell.
      const normEnd = this.normalise(Math.max(this.f[0]!, hz * 1.1));
      const dNorm = (normEnd - nrm) / CTRL;
      // Sopranos raise F1 to the fundamental on high notes (formant tuning); without it a high "i" thins to a whistle.
      const k = this.k;
      resonator(0, Math.max(this.f[0]!, hz * 1.1), k, 0);
      resonator(1, this.f[1]!, k, 3);
      resonator(2, this.f[2]!, k, 6);
      const a0 = k[0]!, b0 = k[1]!, c0 = k[2]!, a1 = k[3]!, b1 = k[4]!, c1 = k[5]!, a2 = k[6]!, b2 = k[7]!, c2 = k[8]!;
      let y0 = y[0]!, y0b = y[1]!, y1 = y[2]!, y1b = y[3]!, y2 = y[4]!, y2b = y[5]!, y3 = y[6]!, y3b = y[7]!, y4 = y[8]!, y4b = y[9]!;
      // A TPT state-variable band-pass (Q ≈ 1.4) shapes the consonant's hiss.
      const g = Math.tan((Math.PI * c.fricHz) / SR);
      const s1 = 1 / (1 + g * (g + 0.7)), s2 = g * s1, s3 = g * s2;
      const inc = hz / SR;

      for (let j = 0; j < len; j++) {
        phase += inc;
        if (phase >= 1) phase -= 1;
        const open = phase < OPEN_QUOTIENT;
        let src = 0;
        if (open) {
          const u = phase * INV_OQ;
          src = u * (2 - 3 * u);
        }
        // The closure is a step from −1 to 0: band-limit it (only the two samples around it need it).
        let d = phase - OPEN_QUOTIENT;
        if (d < 0) d += 1;
        if (d < inc || d > 1 - inc) src += 0.5 * polyBlep(d, inc);
        tilt += (src - tilt) * TILT;
        const x = (tilt * amp + noise[noisePos]! * (asp + amp * BREATH * (open ? 1 : 0.3))) * nrm;
        noisePos = (noisePos + 1) & NOISE_MASK;
        const n0 = a0 * x + b0 * y0 + c0 * y0b;
        y0b = y0;
        y0 = n0;
        const n1 = a1 * n0 + b1 * y1 + c1 * y1b;
        y1b = y1;
        y1 = n1;
        const n2 = a2 * n1 + b2 * y2 + c2 * y2b;
        y2b = y2;
        y2 = n2;
        const n3 = A3 * n2 + B3 * y3 + C3 * y3b;
        y3b = y3;
        y3 = n3;
        const n4 = A4 * n3 + B4 * y4 + C4 * y4b;
        y4b = y4;
        y4 = n4;
        let o = n4 * OUT_GAIN;
        if (fric > 1e-6 || dFric > 0) {
          const v3 = noise[fricPos]! - ic2;
          const v1 = s1 * ic1 + s2 * v3;
          const v2 = ic2 + s2 * ic1 + s3 * v3;
          ic1 = 2 * v1 - ic1;
          ic2 = 2 * v2 - ic2;
          o += v1 * fric * FRIC_GAIN;
        }
        fricPos = (fricPos + 1) & NOISE_MASK;
        out[off + j]! += o;
        amp += dAmp;
        asp += dAsp;
        fric += dFric;
        nrm += dNorm;
      }
      y[0] = y0; y[1] = y0b; y[2] = y1; y[3] = y1b; y[4] = y2; y[5] = y2b; y[6] = y3; y[7] = y3b; y[8] = y4; y[9] = y4b;
    }
    this.phase = phase;
    this.amp = amp;
    this.asp = asp;
    this.fric = fric;
    this.tilt = tilt;
    this.ic1 = ic1;
    this.ic2 = ic2;
    this.noisePos = noisePos;
    this.fricPos = fricPos;
    this.nrm = nrm;
  }
}
