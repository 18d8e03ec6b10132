import { mulberry32 } from "../../../lib/prng.ts";
import type { Arrangement, ChordEvent, Lyrics, Mood, Note, SectionKind, Style, SungNote } from "../types.ts";
import { backing, type Bar } from "./backing.ts";
import { CONTOURS, fitMelody } from "./melody.ts";
import { barsNeeded, planInstrumental, planVocal, type Block, type LinePlan } from "./plan.ts";
import { minGapFor, phraseRhythm, type Onset } from "./rhythm.ts";
import { harmonyFor, modeFor, roleOf, targetBpm, tonicFor, voice, type RealChord, type Role } from "./theory.ts";

export type ArrangeOptions = { style: Style; mood: Mood; durationSec: number; seed: number };

/** Singable range A3–E5, and where each role sits in it: the chorus lifts. */
const RANGE: Record<Role, { lo: number; hi: number; center: number }> = {
  verse: { lo: 57, hi: 72, center: 64 },
  prechorus: { lo: 59, hi: 74, center: 66 },
  chorus: { lo: 60, hi: 76, center: 69 },
  bridge: { lo: 59, hi: 74, center: 67 },
};

/** A seed for one decision, so a line's choices depend on its role and place, not on what came before. */
export function subSeed(seed: number, ...parts: (string | number)[]): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of parts.join("|")) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

type PlacedLine = LinePlan & { at: number; onsets: Onset[] };

/**
 * The song's music: key, tempo, chords, a melody with one note per syllable, and the backing. Pure and
 * seed-reproducible (mulberry32 only). `lyrics` null makes an instrumental (no lead).
 */
export function arrange(lyrics: Lyrics | null, opts: ArrangeOptions): Arrangement {
  const { style, mood, durationSec: d, seed } = opts;
  if (!Number.isFinite(d) || d < 5 || d > 600) throw new RangeError(`durationSec must be 5–600, got ${d}`);
  const rng = mulberry32(subSeed(seed, "song"));
  const mode = modeFor(mood);
  const harmony = harmonyFor(style, tonicFor(mode, rng), mode);
  // Bend the tempo so that whole bars fill the duration exactly, and up to 50% faster when that lets
  // every line be sung.
  const target = targetBpm(style, mood, rng);
  let totalBars = Math.max(4, Math.round((d * target) / 240));
  const fastest = Math.floor((d * Math.min(150, target * 1.5)) / 240);
  for (let bars = totalBars; lyrics && bars <= fastest; bars++) {
    if (barsNeeded(lyrics, minGapFor((bars * 240) / d)) > bars) continue;
    totalBars = bars;
    break;
  }
  const bpm = (totalBars * 240) / d;
  const end = totalBars * 16;
  const time = (s16: number) => (s16 * d) / end;
  const minGap = minGapFor(bpm);
  const blocks: Block[] = lyrics ? planVocal(lyrics, totalBars, minGap, d) : planInstrumental(totalBars);

  // Rhythms first: the bar where the last phrase ends takes the tonic chord.
  const placed: PlacedLine[][] = [];
  let at = 0;
  for (const b of blocks) {
    let cursor = at;
    placed.push(
      b.lines.map((l, i) => {
        const syl = lyrics!.sections[l.section]!.lines[l.line]!.syllables;
        const onsets = phraseRhythm(syl, l.bars, minGap, mulberry32(subSeed(seed, "rhythm", b.kind, i, l.bars)));
        const p = { ...l, at: cursor, onsets };
        cursor += 16 * l.bars;
        return p;
      }),
    );
    at += 16 * b.bars;
  }
  const sung = placed.flat();
  const finalLine = sung[sung.length - 1];
  const finalBar = finalLine ? Math.floor((finalLine.at + finalLine.onsets[finalLine.onsets.length - 1]!.pos) / 16) : -1;

  const bars: Bar[] = [];
  let prevVoicing: number[] | null = null;
  blocks.forEach((b, bi) => {
    const prog = harmony.progression(b.kind === "intro" && b.bars >= 4 ? "chorus" : roleOf(b.kind));
    for (let k = 0; k < b.bars; k++) {
      const index = bars.length;
      const fromEnd = b.bars - k;
      let chord: RealChord = prog[k % prog.length]!;
      if (b.kind === "outro" && fromEnd <= harmony.cadence.length) chord = harmony.cadence[harmony.cadence.length - fromEnd]!;
      if (index === finalBar) chord = harmony.tonicChord;
      prevVoicing = voice(chord, prevVoicing);
      const next = blocks[bi + 1];
      bars.push({
        at: index * 16,
        chord,
        voicing: prevVoicing,
        kind: b.kind,
        sectionStart: k === 0,
        beforeChorus: fromEnd === 1 && next?.kind === "chorus",
        last: index === totalBars - 1,
      });
    }
  });

  const lead: SungNote[] = [];
  let prevPitch: number | null = null;
  for (const [bi, lines] of placed.entries()) {
    const role = roleOf(blocks[bi]!.kind);
    lines.forEach((l, i) => {
      const syl = lyrics!.sections[l.section]!.lines[l.line]!.syllables;
      const shape = mulberry32(subSeed(seed, "contour", role, i));
      const pitches = fitMelody({
        syllables: syl,
        onsets: l.onsets,
        chords: l.onsets.map((o) => bars[Math.floor((l.at + o.pos) / 16)]!.chord),
        scale: harmony.scale,
        ...RANGE[role],
        contour: CONTOURS[Math.floor(shape() * CONTOURS.length)]!,
        amplitude: 4 + 4 * shape(),
        prev: prevPitch,
        endOn: l === finalLine ? harmony.tonicChord.root : null,
        noiseKey: subSeed(seed, "melody", role, i),
      });
      l.onsets.forEach((o, j) => {
        const s = syl[j]!;
        const accent = o.pos % 8 === 0 ? 0.1 : o.pos % 4 === 0 ? 0.05 : 0;
        lead.push({
          midi: pitches[j]!,
          time: time(l.at + o.pos),
          duration: time(l.at + o.pos + o.len) - time(l.at + o.pos),
          velocity: Math.round((0.7 + accent + (s.stress === 1 ? 0.05 : 0)) * 100) / 100,
          section: l.section,
          line: l.line,
          syllable: j,
          text: s.text,
          vowel: s.vowel,
          ...(s.tone === undefined ? {} : { tone: s.tone }),
        });
      });
      prevPitch = pitches[pitches.length - 1]!;
    });
  }

  const back = backing(style, bars, end, time, rng);
  const sections: { kind: SectionKind; start: number; end: number }[] = [];
  let s16 = 0;
  for (const b of blocks) {
    sections.push({ kind: b.kind, start: time(s16), end: time(s16 + 16 * b.bars) });
    s16 += 16 * b.bars;
  }

  return {
    key: harmony.tonic,
    mode,
    bpm,
    beatsPerBar: 4,
    durationSec: d,
    sections,
    chords: chordEvents(bars, end, time),
    lead,
    harmony: untangle(back.harmony),
    bass: untangle(back.bass),
    drums: back.drums.sort((a, b) => a.time - b.time || a.midi - b.midi),
  };
}

function chordEvents(bars: readonly Bar[], end: number, time: (s16: number) => number): ChordEvent[] {
  const out: { symbol: string; from: number; to: number; notes: number[] }[] = [];
  for (const b of bars) {
    const prev = out[out.length - 1];
    if (prev && prev.symbol === b.chord.symbol && prev.notes.join() === b.voicing.join()) prev.to = b.at + 16;
    else out.push({ symbol: b.chord.symbol, from: b.at, to: b.at + 16, notes: b.voicing });
  }
  return out.map((c) => ({ symbol: c.symbol, time: time(c.from), duration: time(Math.min(c.to, end)) - time(c.from), notes: c.notes }));
}

/** Sorted, and a note cut where the same pitch starts again, so a MIDI note-off never pairs with the wrong note-on. */
function untangle(notes: Note[]): Note[] {
  notes.sort((a, b) => a.time - b.time || a.midi - b.midi);
  const lastOf = new Map<number, Note>();
  for (const n of notes) {
    const prev = lastOf.get(n.midi);
    if (prev && prev.time + prev.duration > n.time) prev.duration = n.time - prev.time;
    lastOf.set(n.midi, n);
  }
  return notes.filter((n) => n.duration > 0);
}
