import { SR } from "./dsp.ts";

/**
 * The mix's effects: a small feedback-delay-network reverb, a tempo-synced ping-pong echo and a
 * look-ahead peak limiter. All stream block by block and keep their state between blocks.
 */

/**
 * A four-line FDN with a Hadamard feedback matrix, damped in the loop, after two diffusing all-passes,
 * and beside it a ping-pong echo of a dotted eighth for the voice. Both run at half the sample rate
 * (inputs averaged in pairs, outputs interpolated back): their loops are damped above a few kHz
 * anyway, and this halves the cost of the most expensive effects.
 */
export class Reverb {
  private readonly lines: Float32Array[];
  private readonly idx = [0, 0, 0, 0];
  private readonly gains: number[];
  private readonly lp = [0, 0, 0, 0];
  private readonly ap1 = new Float32Array(163);
  private readonly ap2 = new Float32Array(373);
  private i1 = 0;
  private i2 = 0;
  private readonly echoL: Float32Array;
  private readonly echoR: Float32Array;
  private ei = 0;
  private eLpL = 0;
  private eLpR = 0;
  private lastL = 0;
  private lastR = 0;

  constructor(bpm: number, rt60 = 1.7) {
    // Mutually prime lengths (in half-rate frames, 25–43 ms) so the echoes never pile up on one period.
    const lengths = [557, 647, 773, 947];
    this.lines = lengths.map((l) => new Float32Array(l));
    this.gains = lengths.map((l) => Math.pow(10, (-3 * l) / ((SR / 2) * rt60)));
    const echoLen = Math.max(1, Math.round(((0.75 * 60) / Math.max(40, Math.min(240, bpm))) * (SR / 2)));
    this.echoL = new Float32Array(echoLen);
    this.echoR = new Float32Array(echoLen);
  }

  /** Reads `n` (even) frames of the reverb and echo sends, adds the wet signals to L and R. */
  process(send: Float32Array, echoSend: Float32Array, L: Float32Array, R: Float32Array, n: number, wet: number, echoWet: number) {
    const [d0, d1, d2, d3] = this.lines as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [g0, g1, g2, g3] = this.gains as [number, number, number, number];
    const ap1 = this.ap1, ap2 = this.ap2, eL = this.echoL, eR = this.echoR, eLen = eL.length;
    const n0 = d0.length, n1 = d1.length, n2 = d2.length, n3 = d3.length, na = ap1.length, nb = ap2.length;
    const damp = 0.65; // one-pole low-pass in each loop: highs die faster, as in a real room
    let [i0, j1, j2, j3] = this.idx as [number, number, number, number];
    let [l0, l1, l2, l3] = this.lp as [number, number, number, number];
    let { i1, i2, ei, eLpL, eLpR, lastL, lastR } = this;
    for (let f = 0; f < n; f += 2) {
      let x = (send[f]! + send[f + 1]!) * 0.5;
      // Two Schroeder all-passes smear the input into a dense onset.
      let b = ap1[i1]!;
      let v = x + 0.6 * b;
      ap1[i1] = v;
      x = b - 0.6 * v;
      if (++i1 === na) i1 = 0;
      b = ap2[i2]!;
      v = x + 0.6 * b;
      ap2[i2] = v;
      x = b - 0.6 * v;
      if (++i2 === nb) i2 = 0;

      l0 += (d0[i0]! - l0) * damp;
      l1 += (d1[j1]! - l1) * damp;
      l2 += (d2[j2]! - l2) * damp;
      l3 += (d3[j3]! - l3) * damp;
      const a = l0 + l1, c = l0 - l1, e = l2 + l3, h = l2 - l3;
      d0[i0] = x + g0 * 0.5 * (a + e);
      d1[j1] = x + g1 * 0.5 * (c + h);
      d2[j2] = x + g2 * 0.5 * (a - e);
      d3[j3] = x + g3 * 0.5 * (c - h);
      if (++i0 === n0) i0 = 0;
      if (++j1 === n1) j1 = 0;
      if (++j2 === n2) j2 = 0;
      if (++j3 === n3) j3 = 0;

      // Ping-pong: the send enters on the left, each repeat crosses sides, darker and 7 dB quieter.
      const echoOutL = eL[ei]!, echoOutR = eR[ei]!;
      eLpL += (echoOutR - eLpL) * 0.5;
      eLpR += (echoOutL - eLpR) * 0.5;
      eL[ei] = (echoSend[f]! + echoSend[f + 1]!) * 0.5 + eLpL * 0.45;
      eR[ei] = eLpR * 0.45;
      if (++ei === eLen) ei = 0;

      const outL = (l0 + l2) * wet + echoOutL * echoWet, outR = (l1 + l3) * wet + echoOutR * echoWet;
      L[f]! += (lastL + outL) * 0.5;
      R[f]! += (lastR + outR) * 0.5;
      L[f + 1]! += outL;
      R[f + 1]! += outR;
      lastL = outL;
      lastR = outR;
    }
    this.idx.splice(0, 4, i0, j1, j2, j3);
    this.lp.splice(0, 4, l0, l1, l2, l3);
    Object.assign(this, { i1, i2, ei, eLpL, eLpR, lastL, lastR });
  }
}

const CHUNK = 64;
/**
 * A look-ahead peak limiter that also writes the file. It works one block behind the renderer (two
 * buffer pairs, swapped, so nothing is copied): the gain at each 64-frame chunk boundary is the lower
 * of the two neighbouring chunks' needs, and within a chunk it moves linearly between its boundaries,
 * so every sample is at or under the ceiling with no hard gain steps. It releases over ~100 ms.
 */
export class Limiter {
  private readonly pairs: [Float32Array, Float32Array][];
  private cur = 0;
  private readonly needs: Float32Array;
  private readonly heldNeeds: Float32Array;
  private heldFrame = -1;
  private gain = -1;
  private readonly release = 1 - Math.exp(-CHUNK / (0.1 * SR));
  constructor(
    private readonly block: number,
    private readonly ceiling: number,
    private readonly write: (L: Float32Array, R: Float32Array, off: number, frame: number, n: number, g0: number, g1: number) => void,
  ) {
    const pair = (): [Float32Array, Float32Array] => [new Float32Array(block), new Float32Array(block)];
    this.pairs = [pair(), pair()];
    this.needs = new Float32Array(block / CHUNK);
    this.heldNeeds = new Float32Array(block / CHUNK);
  }

  /** The buffers to mix the next block into (cleared). */
  get L() {
    return this.pairs[this.cur]![0];
  }
  get R() {
    return this.pairs[this.cur]![1];
  }

  /** Takes the block just mixed (frames [frame, frame + block)), writes out the one before it. */
  commit(frame: number) {
    const [L, R] = this.pairs[this.cur]!;
    const needs = this.needs;
    for (let c = 0, off = 0; off < this.block; c++, off += CHUNK) {
      let peak = 0;
      for (let j = off; j < off + CHUNK; j++) peak = Math.max(peak, Math.abs(L[j]!), Math.abs(R[j]!));
      needs[c] = peak > this.ceiling ? this.ceiling / peak : 1;
    }
    if (this.gain < 0) this.gain = needs[0]!; // the song's first chunk: nothing before it to ramp from
    this.flush(needs[0]!);
    this.heldNeeds.set(needs);
    this.heldFrame = frame;
    this.cur ^= 1;
    this.pairs[this.cur]![0].fill(0);
    this.pairs[this.cur]![1].fill(0);
  }

  /** Writes the held block, given the need of the chunk after it (1 after the song's end). */
  flush(nextNeed = 1) {
    if (this.heldFrame < 0) return;
    const [L, R] = this.pairs[this.cur ^ 1]!;
    const needs = this.heldNeeds, last = needs.length - 1;
    let g0 = this.gain;
    for (let c = 0; c <= last; c++) {
      const g1 = Math.min(needs[c]!, c < last ? needs[c + 1]! : nextNeed, g0 + (1 - g0) * this.release);
      this.write(L, R, c * CHUNK, this.heldFrame + c * CHUNK, CHUNK, g0, g1);
      g0 = g1;
    }
    this.gain = g0;
    this.heldFrame = -1;
  }
}
