import { describe, expect, it } from "vitest";
import { renderCover } from "../tools/songs/cover.ts";
import { CEILING, renderWav } from "../tools/songs/synth/index.ts";
import { AI_LABEL, GENERATOR, type Arrangement, type DrumHit, type Note, type SungNote } from "../tools/songs/types.ts";

/**
 * The audio and cover stage on hand-made arrangements (the music stage is built separately): the WAV
 * container and its label, length, determinism, level, stems, that the lead really is a voice singing
 * vowels at the note's pitch (checked by FFT), and the SVG cover.
 */

const SR = 44100;
const CHORDS = [
  [60, 64, 67],
  [55, 59, 62],
  [57, 60, 64],
  [53, 57, 60],
];
const ZH = [..."夏天的风吹过城市我们一起唱着歌"];
const ZH_VOWELS: SungNote["vowel"][] = ["a", "a", "e", "e", "u", "o", "e", "i", "o", "e", "i", "i", "a", "e", "e"];
const EN: [string, SungNote["vowel"]][] = [["sun", "a"], ["shine", "a"], ["on", "o"], ["my", "a"], ["way", "e"], ["home", "o"], ["to", "u"], ["night", "a"]];
const MELODY = [64, 65, 67, 67, 69, 67, 64, 62, 60, 62, 64, 67, 65, 64, 62];

/** A few bars of pop: a pad chord per bar, bass on the beats, kick/snare/hats, a sung line every other bar. */
function song(durationSec: number, opts: { bpm?: number; language?: "zh" | "en"; velocity?: number } = {}): Arrangement {
  const bpm = opts.bpm ?? 96, beat = 60 / bpm, bar = 4 * beat, vel = opts.velocity ?? 0.8;
  const harmony: Note[] = [], bass: Note[] = [], drums: DrumHit[] = [], lead: SungNote[] = [];
  const chords = [];
  for (let b = 0; b * bar < durationSec; b++) {
    const t = b * bar, notes = CHORDS[b % 4]!;
    chords.push({ symbol: ["C", "G", "Am", "F"][b % 4]!, time: t, duration: bar, notes });
    for (const m of notes) harmony.push({ midi: m, time: t, duration: bar * 0.98, velocity: vel * 0.75 });
    for (let q = 0; q < 4; q++) bass.push({ midi: notes[0]! - 24, time: t + q * beat, duration: beat * 0.8, velocity: vel });
    for (let e = 0; e < 8; e++) drums.push({ midi: 42, time: t + (e * beat) / 2, velocity: vel * 0.7 });
    drums.push({ midi: 36, time: t, velocity: vel }, { midi: 38, time: t + beat, velocity: vel }, { midi: 36, time: t + 2 * beat, velocity: vel }, { midi: 38, time: t + 3 * beat, velocity: vel });
    if (b % 4 === 0) drums.push({ midi: 49, time: t, velocity: vel });
    if (b % 2 === 1 && t + bar <= durationSec) {
      for (let i = 0; i < 6; i++) {
        const k = (b * 6 + i) % 15;
        const [text, vowel] = opts.language === "en" ? EN[(b * 6 + i) % EN.length]! : [ZH[k]!, ZH_VOWELS[k]!];
        const d = i === 5 ? 1.5 * beat : beat / 2;
        lead.push({ midi: MELODY[k]!, time: t + (i * beat) / 2, duration: d * 0.95, velocity: vel, section: 0, line: b, syllable: i, text, vowel });
      }
    }
  }
  return { key: "C", mode: "major", bpm, beatsPerBar: 4, durationSec, sections: [{ kind: "verse", start: 0, end: durationSec }], chords, lead, harmony, bass, drums };
}

/** One sustained sung note and nothing else. */
function sustained(vowel: SungNote["vowel"], midi: number, text = "啊"): Arrangement {
  return {
    key: "C", mode: "major", bpm: 90, beatsPerBar: 4, durationSec: 2, sections: [], chords: [], harmony: [], bass: [], drums: [],
    lead: [{ midi, time: 0.1, duration: 1.8, velocity: 0.8, section: 0, line: 0, syllable: 0, text, vowel }],
  };
}

type Wav = { format: number; channels: number; rate: number; byteRate: number; blockAlign: number; bits: number; dataSize: number; info: Record<string, string>; order: string[]; L: Float64Array; R: Float64Array; raw: Int16Array };

function parseWav(b: Uint8Array): Wav {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const id = (at: number) => String.fromCharCode(...b.subarray(at, at + 4));
  expect(id(0)).toBe("RIFF");
  expect(v.getUint32(4, true)).toBe(b.length - 8);
  expect(id(8)).toBe("WAVE");
  const w: Partial<Wav> = { info: {}, order: [] };
  for (let at = 12; at < b.length; ) {
    const chunk = id(at), size = v.getUint32(at + 4, true);
    w.order!.push(chunk);
    if (chunk === "fmt ") {
      w.format = v.getUint16(at + 8, true);
      w.channels = v.getUint16(at + 10, true);
      w.rate = v.getUint32(at + 12, true);
      w.byteRate = v.getUint32(at + 16, true);
      w.blockAlign = v.getUint16(at + 20, true);
      w.bits = v.getUint16(at + 22, true);
    } else if (chunk === "LIST") {
      expect(id(at + 8)).toBe("INFO");
      for (let s = at + 12; s < at + 8 + size; ) {
        const len = v.getUint32(s + 4, true);
        expect(b[s + 8 + len - 1]).toBe(0); // NUL-terminated
        w.info![id(s)] = new TextDecoder().decode(b.subarray(s + 8, s + 8 + len - 1));
        s += 8 + len + (len & 1);
      }
    } else if (chunk === "data") {
      w.dataSize = size;
      const raw = new Int16Array(size / 2);
      for (let i = 0; i < raw.length; i++) raw[i] = v.getInt16(at + 8 + 2 * i, true);
      w.raw = raw;
    }
    at += 8 + size + (size & 1);
  }
  const ch = w.channels!, frames = w.raw!.length / ch;
  w.L = new Float64Array(frames);
  w.R = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    w.L[i] = w.raw![i * ch]! / 32768;
    w.R[i] = w.raw![i * ch + ch - 1]! / 32768;
  }
  return w as Wav;
}

function fft(re: Float64Array, im: Float64Array) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len)
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
        const a = i + k, c = i + k + len / 2;
        const xr = re[c]! * wr - im[c]! * wi, xi = re[c]! * wi + im[c]! * wr;
        re[c] = re[a]! - xr;
        im[c] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
  }
}

/** Power spectrum of a Hann-windowed stretch of x. */
function power(x: Float64Array, start: number, n: number): Float64Array {
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = (x[start + i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  fft(re, im);
  const p = new Float64Array(n / 2);
  for (let i = 0; i < n / 2; i++) p[i] = re[i]! ** 2 + im[i]! ** 2;
  return p;
}

const N = 16384;
const bandPower = (p: Float64Array, lo: number, hi: number) => {
  let s = 0;
  for (let k = Math.ceil((lo * N) / SR); k <= Math.floor((hi * N) / SR); k++) s += p[k] ?? 0;
  return s;
};
/** The spectral envelope sampled at the harmonics: power within ±30 % of the spacing around each k·f0 (robust to vibrato). */
const harmonics = (p: Float64Array, f0: number, maxHz: number) => {
  const out: { hz: number; power: number }[] = [];
  for (let k = 1; k * f0 < maxHz; k++) out.push({ hz: k * f0, power: bandPower(p, (k - 0.3) * f0, (k + 0.3) * f0) });
  return out;
};
const strongest = (h: { hz: number; power: number }[], lo: number, hi: number) => h.filter((x) => x.hz >= lo && x.hz <= hi).reduce((a, b) => (b.power > a.power ? b : a));
/** Harmonic-sum pitch estimate: the f0 whose first five multiples gather the most log power. */
function pitchOf(p: Float64Array): number {
  let best = 0, bestScore = -Infinity;
  for (let f = 80; f <= 700; f += 0.5) {
    let score = 0;
    for (let k = 1; k <= 5; k++) score += Math.log(bandPower(p, k * f - 4, k * f + 4) + 1e-12);
    if (score > bestScore) [best, bestScore] = [f, score];
  }
  return best;
}
/** Frame-by-frame f0 by autocorrelation with parabolic interpolation. */
function pitchTrack(x: Float64Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let s = from; s + 2048 < to; s += 441) {
    const r = (lag: number) => {
      let acc = 0;
      for (let i = 0; i < 1536; i++) acc += x[s + i]! * x[s + i + lag]!;
      return acc;
    };
    const rs = Array.from({ length: 500 }, (_, lag) => (lag < 60 ? 0 : r(lag)));
    const max = Math.max(...rs);
    // The first strong peak is the period; later ones of nearly equal height are its multiples.
    let bestLag = 61;
    while (!(rs[bestLag]! >= 0.85 * max && rs[bestLag]! >= rs[bestLag - 1]! && rs[bestLag]! >= rs[bestLag + 1]!)) bestLag++;
    const best = rs[bestLag]!, a = rs[bestLag - 1]!, c = rs[bestLag + 1]!;
    out.push(SR / (bestLag + (0.5 * (a - c)) / (a - 2 * best + c)));
  }
  return out;
}
const hz = (midi: number) => 440 * 2 ** ((midi - 69) / 12);
const rms = (x: Float64Array, from = 0, to = x.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
};
const peakOf = (x: Int16Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe("renderWav: the container", () => {
  it.each([10, 30, 61])("a %i s song is a valid 44.1 kHz 16-bit stereo PCM WAV of exactly that length", (sec) => {
    const w = parseWav(renderWav(song(sec), { seed: 3, title: "夏天" }));
    expect([w.format, w.channels, w.rate, w.bits, w.blockAlign, w.byteRate]).toEqual([1, 2, 44100, 16, 4, 44100 * 4]);
    expect(w.dataSize).toBe(sec * 44100 * 2 * 2);
    expect(w.L.length).toBe(sec * 44100);
  });

  it("carries the title, generator and AI label in LIST/INFO (before the data, no creation date)", () => {
    const w = parseWav(renderWav(song(10), { seed: 3, title: "夏天的风 & <me>" }));
    expect(w.info).toEqual({ INAM: "夏天的风 & <me>", ISFT: `${GENERATOR.name} ${GENERATOR.version}`, ICMT: AI_LABEL });
    expect(w.order).toEqual(["fmt ", "LIST", "data"]);
  });

  it("is byte-identical for the same arrangement and seed; the seed changes the noise, not the length", () => {
    const a = renderWav(song(10), { seed: 11, title: "t" });
    expect(same(a, renderWav(song(10), { seed: 11, title: "t" }))).toBe(true);
    const other = renderWav(song(10), { seed: 12, title: "t" });
    expect(other.length).toBe(a.length);
    expect(same(a, other)).toBe(false);
    // The title lives only in the header: the samples are the same.
    const retitled = parseWav(renderWav(song(10), { seed: 11, title: "another title" })).raw, original = parseWav(a).raw;
    expect(retitled.every((x, i) => x === original[i])).toBe(true);
  });
});

describe("renderWav: level", () => {
  it("is not silent anywhere the band plays, and never goes past the limiter's ceiling", () => {
    const w = parseWav(renderWav(song(30), { seed: 5, title: "t" }));
    expect(20 * Math.log10(rms(w.L))).toBeGreaterThan(-30);
    for (let s = 0; s < 29; s++) expect(rms(w.L, s * SR, (s + 1) * SR)).toBeGreaterThan(0.003);
    const peak = peakOf(w.raw);
    expect(peak).toBeLessThanOrEqual(Math.ceil(CEILING * 32767));
  });

  it("a hot arrangement (every velocity at 1, chords doubled, drums on every sixteenth) is held at the ceiling, not clipped", () => {
    const hot = song(10, { velocity: 1 });
    hot.harmony = [...hot.harmony, ...hot.harmony.map((n) => ({ ...n, midi: n.midi + 12 })), ...hot.harmony.map((n) => ({ ...n, midi: n.midi - 12 }))];
    hot.drums = Array.from({ length: 160 }, (_, i) => ({ midi: [36, 38, 42, 49][i % 4]!, time: i * 0.0625, velocity: 1 }));
    const w = parseWav(renderWav(hot, { seed: 5, title: "t" }));
    const peak = peakOf(w.raw);
    expect(peak).toBeLessThanOrEqual(Math.ceil(CEILING * 32767));
    expect(peak).toBeGreaterThan(0.95 * CEILING * 32767); // the limiter was working, not idle
    expect(w.raw.some((x) => Math.abs(x) >= 32767)).toBe(false);
  });
});

describe("renderWav: the voice is a voice", () => {
  const lead = (a: Arrangement) => parseWav(renderWav(a, { seed: 1, title: "v", stem: "lead" })).L;
  const spectrumOf = (a: Arrangement) => power(lead(a), Math.round(0.7 * SR), N);

  it('a sustained "a" at A3 has its spectral envelope peak at F1 ≈ 700–1000 Hz, and its fundamental is the note', () => {
    const p = spectrumOf(sustained("a", 57));
    const h = harmonics(p, 220, 5000);
    const f1 = strongest(h, 150, 1500);
    expect(f1.hz).toBeGreaterThanOrEqual(600);
    expect(f1.hz).toBeLessThanOrEqual(1000);
    expect(Math.abs(pitchOf(p) - 220) / 220).toBeLessThan(0.02);
  });

  it('a sustained "i" has a low F1 (< 500 Hz) and F2 above 2000 Hz; "a" has no such high peak', () => {
    const pi = spectrumOf(sustained("i", 57)), pa = spectrumOf(sustained("a", 57));
    const hi = harmonics(pi, 220, 5000);
    expect(strongest(hi, 150, 1200).hz).toBeLessThan(500);
    const f2 = strongest(hi, 1200, 4000);
    expect(f2.hz).toBeGreaterThan(2000);
    // F2 stands out as a peak: louder than the trough between F1 and F2.
    expect(f2.power).toBeGreaterThan(10 * strongest(hi, 900, 1500).power);
    // Where "a" has its F2 (1–1.5 kHz) "i" has a trough, and where "i" has F2/F3 (2–3.2 kHz) "a" is weak.
    const ratio = (p: Float64Array) => bandPower(p, 1900, 3200) / bandPower(p, 1000, 1500);
    expect(10 * Math.log10(ratio(pi) / ratio(pa))).toBeGreaterThan(20);
    expect(Math.abs(pitchOf(pi) - 220) / 220).toBeLessThan(0.02);
  });

  it("follows the note: an \"i\" on D4 is sung at 293.7 Hz, and the other vowels sit where their formants say", () => {
    expect(Math.abs(pitchOf(spectrumOf(sustained("i", 62))) - hz(62)) / hz(62)).toBeLessThan(0.02);
    // F2 of each vowel, found as the strongest harmonic above 1.5 × its F1, lies in the range the
    // literature gives (Peterson & Barney; Mandarin vowel studies), at the 220 Hz spacing of A3's harmonics.
    const expected: Record<SungNote["vowel"], [number, number, number]> = {
      a: [1230, 1000, 1550], // [search from, F2 low, F2 high]
      e: [780, 1000, 1500], // Mandarin [ɤ]
      o: [825, 750, 1100],
      u: [600, 600, 1000],
      ü: [450, 1700, 2300],
      i: [450, 2000, 2800],
    };
    for (const [v, [from, lo, hi]] of Object.entries(expected)) {
      const f2 = strongest(harmonics(spectrumOf(sustained(v as SungNote["vowel"], 57)), 220, 3000), from, 3000).hz;
      expect([v, f2 >= lo && f2 <= hi]).toEqual([v, true]);
    }
  });

  it("sings, not beeps: the pitch starts steady and then moves with a 5–6 Hz vibrato of a few tenths of a semitone", () => {
    const x = lead(sustained("a", 57));
    const early = pitchTrack(x, Math.round(0.15 * SR), Math.round(0.3 * SR));
    const late = pitchTrack(x, Math.round(0.8 * SR), Math.round(1.8 * SR));
    const cents = (f: number) => 1200 * Math.log2(f / 220);
    const spread = (t: number[]) => Math.max(...t.map(cents)) - Math.min(...t.map(cents));
    expect(spread(early)).toBeLessThan(25);
    expect(spread(late)).toBeGreaterThan(30);
    expect(spread(late)).toBeLessThan(90);
    expect(Math.abs(cents(late.reduce((a, b) => a + b) / late.length))).toBeLessThan(15);
    // Vibrato rate: count the crossings of the mean over the 1 s track (10 ms steps).
    const mean = late.reduce((a, b) => a + b) / late.length;
    const crossings = late.slice(1).filter((f, i) => (f - mean) * (late[i]! - mean) < 0).length;
    expect(crossings / 2).toBeGreaterThanOrEqual(4);
    expect(crossings / 2).toBeLessThanOrEqual(7);
  });

  it("starts a syllable with its consonant: 是 (sh) opens with a hiss above 2.5 kHz before the vowel, 啊 does not", () => {
    const hiss = (text: string) => {
      const x = lead(sustained("a", 57, text));
      const p = power(x, Math.round(0.1 * SR), 2048); // the first 46 ms
      const v = power(x, Math.round(0.5 * SR), 2048);
      const share = (q: Float64Array) => {
        let hi = 0, all = 0;
        for (let k = 1; k < q.length; k++) {
          all += q[k]!;
          if ((k * SR) / 2048 > 2500) hi += q[k]!;
        }
        return hi / all;
      };
      return share(p) / share(v);
    };
    expect(hiss("是")).toBeGreaterThan(10);
    expect(hiss("啊")).toBeLessThan(3);
  });
});

describe("renderWav: stems", () => {
  const arr = song(10);
  const mix = parseWav(renderWav(arr, { seed: 9, title: "t" }));
  const stems = Object.fromEntries((["lead", "harmony", "bass", "drums"] as const).map((t) => [t, renderWav(arr, { seed: 9, title: "t", stem: t })]));

  it("each stem is its track alone: the same bytes as the arrangement with the other tracks emptied", () => {
    const only = (keep: "lead" | "harmony" | "bass" | "drums"): Arrangement => ({ ...arr, lead: keep === "lead" ? arr.lead : [], harmony: keep === "harmony" ? arr.harmony : [], bass: keep === "bass" ? arr.bass : [], drums: keep === "drums" ? arr.drums : [] });
    for (const t of ["lead", "harmony", "bass", "drums"] as const) {
      expect(stems[t]!.length).toBe(renderWav(arr, { seed: 9, title: "t" }).length);
      expect(same(stems[t]!, renderWav(only(t), { seed: 9, title: "t" }))).toBe(true);
    }
  });

  it("the stems add up to the mix (the mix's effects are linear up to the limiter)", () => {
    const parsed = Object.values(stems).map(parseWav);
    let dot = 0, a2 = 0, b2 = 0;
    for (let i = 0; i < mix.L.length; i++) {
      const sum = parsed.reduce((s, w) => s + w.L[i]!, 0);
      dot += sum * mix.L[i]!;
      a2 += sum * sum;
      b2 += mix.L[i]! ** 2;
    }
    expect(dot / Math.sqrt(a2 * b2)).toBeGreaterThan(0.99);
  });

  it("each stem sounds like its instrument: lead silent before its first note, bass low, drums bright, pad wide", () => {
    const w = Object.fromEntries(Object.entries(stems).map(([t, b]) => [t, parseWav(b)]));
    const firstSung = Math.round(arr.lead[0]!.time * SR);
    expect(rms(w.lead!.L, 0, firstSung - 10)).toBe(0);
    expect(rms(w.lead!.L, firstSung, firstSung + SR)).toBeGreaterThan(0.01);
    const share = (x: Float64Array, lo: number, hi: number) => {
      const p = power(x, 2 * SR, N);
      return bandPower(p, lo, hi) / bandPower(p, 20, 20000);
    };
    expect(share(w.bass!.L, 20, 400)).toBeGreaterThan(0.9);
    expect(share(w.drums!.L, 5000, 20000)).toBeGreaterThan(share(mix.L, 5000, 20000));
    let side = 0;
    for (let i = 0; i < w.harmony!.L.length; i++) side += Math.abs(w.harmony!.L[i]! - w.harmony!.R[i]!);
    expect(side / w.harmony!.L.length).toBeGreaterThan(0.005);
  });

  it("instrumental: the lead is an instrument at the melody's pitch, not the voice", () => {
    const sungLead = stems.lead!;
    const played = renderWav(arr, { seed: 9, title: "t", stem: "lead", instrumental: true });
    expect(same(played, sungLead)).toBe(false);
    const p = power(parseWav(renderWav(sustained("a", 57), { seed: 1, title: "t", stem: "lead", instrumental: true })).L, Math.round(0.7 * SR), N);
    expect(Math.abs(pitchOf(p) - 220) / 220).toBeLessThan(0.02);
  });

  it("English lyrics render too (onsets from the spelling), and differ from the Chinese ones", () => {
    const en = renderWav(song(10, { language: "en" }), { seed: 9, title: "t", stem: "lead" });
    expect(rms(parseWav(en).L)).toBeGreaterThan(0.01);
    expect(same(en, stems.lead!)).toBe(false);
  });
});

/** A small XML well-formedness check: balanced tags, quoted attributes, only the five entities. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "");
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (const m of body.matchAll(tag)) {
    if (/[<>]/.test(body.slice(last, m.index))) return false;
    last = m.index + m[0].length;
    if (m[0].startsWith("<!--")) continue;
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClose) stack.push(name!);
  }
  // No bare "&" anywhere, attribute values included.
  return stack.length === 0 && body.slice(last).trim() === "" && !/&(?!(amp|lt|gt|quot|apos);)/.test(body);
}

describe("renderCover", () => {
  const opts = { title: "Tom & Jerry <3 \"夏天\"", mood: "happy", style: "pop", seed: 7, language: "zh" } as const;

  it("is well-formed SVG with the escaped title, a <title>, and the AI label and generator version in <metadata>", () => {
    const svg = renderCover(opts);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toMatch(/^<\?xml[^>]*\?>\s*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("<title id=\"cover-title\">Tom &amp; Jerry &lt;3 &quot;夏天&quot;</title>");
    expect(svg).not.toContain("<3");
    const metadata = svg.match(/<metadata>([\s\S]*?)<\/metadata>/)![1]!;
    expect(metadata).toContain(AI_LABEL);
    expect(metadata).toContain(GENERATOR.version);
    expect(metadata).toContain(GENERATOR.name);
  });

  it("the checker itself rejects broken XML", () => {
    expect(wellFormed("<svg><g></svg>")).toBe(false);
    expect(wellFormed("<svg><text>a < b</text></svg>")).toBe(false);
    expect(wellFormed("<svg><text>a & b</text></svg>")).toBe(false);
    expect(wellFormed("<svg><g/><text>ok &amp; fine</text></svg>")).toBe(true);
  });

  it("is deterministic; the seed moves the shapes, the mood changes the palette, every style and mood renders", () => {
    expect(renderCover(opts)).toBe(renderCover(opts));
    expect(renderCover({ ...opts, seed: 8 })).not.toBe(renderCover(opts));
    const colours = (svg: string) => new Set(svg.match(/#[0-9a-f]{6}/g));
    expect(colours(renderCover({ ...opts, mood: "sad" }))).not.toEqual(colours(renderCover(opts)));
    for (const style of ["pop", "rock", "folk", "ballad", "electronic", "lofi"] as const)
      for (const mood of ["happy", "sad", "calm", "energetic", "romantic", "nostalgic"] as const) {
        const svg = renderCover({ ...opts, style, mood, title: "城市的夜晚 City Nights", language: "en" });
        expect(wellFormed(svg)).toBe(true);
        expect(svg).toContain("城市的夜晚");
      }
  });

  it("fits a long title on two lines and shows a visible label in the user's language", () => {
    const svg = renderCover({ ...opts, title: "一首关于夏天和远方的很长很长的歌", language: "zh" });
    expect(svg.match(/<tspan/g)).toHaveLength(2);
    expect(svg).toMatch(/>AI生成<\/text>/);
    expect(renderCover({ ...opts, language: "en" })).toMatch(/>AI-generated<\/text>/);
  });
});
