import midiPkg from "@tonejs/midi";
import { Key } from "tonal";
import { AI_LABEL, GENERATOR, type Arrangement, type Lyrics } from "../types.ts";

// @tonejs/midi ships CommonJS: Node's ESM loader sees only its default export.
const { Midi } = midiPkg;

/** General MIDI programs: the Arrangement does not carry its style, so one neutral set for all. */
const PROGRAM = { lead: 53, harmony: 0, bass: 33, drums: 0 } as const;
const DRUM_CHANNEL = 9; // channel 10, counted from 1

/** midi-file writes each UTF-16 unit as one byte, so text goes in as UTF-8 bytes, one per char. */
const toBytes = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));
const fromBytes = (s: string) => new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));

/** Lyric events in the karaoke convention: a hyphen inside an English word, a space after it, CR at a line's end. */
function lyricText(a: Arrangement, i: number, lyrics: Lyrics | undefined): string {
  const n = a.lead[i]!;
  const line = lyrics?.sections[n.section]?.lines[n.line];
  if (!line) return n.text;
  if (n.syllable === line.syllables.length - 1) return n.text + "\r";
  if (lyrics!.language !== "en") return n.text;
  return n.text + (line.syllables[n.syllable]?.wordEnd ? " " : "-");
}

/**
 * A format-1 MIDI file: a conductor track (tempo, 4/4, key signature, the AI label and generator as
 * text events, section markers, one lyric event per sung syllable at its note — @tonejs/midi writes
 * meta events only on this track) and the tracks lead, harmony, bass and drums (channel 10).
 */
export function toMidi(a: Arrangement, meta: { title: string; lyrics?: Lyrics }): Uint8Array {
  const midi = new Midi();
  const ppq = midi.header.ppq;
  const tick = (t: number) => Math.round(((t * a.bpm) / 60) * ppq);
  midi.header.name = toBytes(meta.title);
  midi.header.setTempo(a.bpm);
  midi.header.timeSignatures.push({ ticks: 0, timeSignature: [a.beatsPerBar, 4] });
  // MIDI names a key signature by its sharps and flats, which @tonejs/midi reads off the major key.
  const signature = a.mode === "major" ? a.key : Key.minorKey(a.key).relativeMajor;
  midi.header.keySignatures.push({ ticks: 0, key: signature, scale: a.mode });
  midi.header.meta.push({ type: "text", text: toBytes(AI_LABEL), ticks: 0 });
  midi.header.meta.push({ type: "text", text: `${GENERATOR.name} ${GENERATOR.version}`, ticks: 0 });
  for (const s of a.sections) midi.header.meta.push({ type: "marker", text: s.kind, ticks: tick(s.start) });
  a.lead.forEach((n, i) => midi.header.meta.push({ type: "lyrics", text: toBytes(lyricText(a, i, meta.lyrics)), ticks: tick(n.time) }));
  midi.header.update();

  const track = (name: keyof typeof PROGRAM, channel: number) => {
    const t = midi.addTrack();
    t.name = name;
    t.channel = channel;
    t.instrument.number = PROGRAM[name];
    return t;
  };
  const pitched = [
    [track("lead", 0), a.lead],
    [track("harmony", 1), a.harmony],
    [track("bass", 2), a.bass],
  ] as const;
  for (const [t, notes] of pitched) {
    for (const n of notes) {
      const ticks = tick(n.time);
      t.addNote({ midi: n.midi, ticks, durationTicks: tick(n.time + n.duration) - ticks, velocity: n.velocity });
    }
  }
  const drums = track("drums", DRUM_CHANNEL);
  for (const h of a.drums) drums.addNote({ midi: h.midi, ticks: tick(h.time), durationTicks: ppq / 8, velocity: h.velocity });
  const bytes = midi.toArray();
  fixKeySignature(bytes, sharps(signature));
  return bytes;
}

/** Sharps (positive) or flats (negative) in a major key's signature. */
function sharps(majorKey: string): number {
  const sig = Key.majorKey(majorKey).keySignature;
  return sig.startsWith("#") ? sig.length : -sig.length;
}

/**
 * @tonejs/midi 2.0.28 writes a key signature's sharps/flats byte as its table index + 7 where − 7 is
 * meant (Tonejs/Midi#173, fixed after that release), so the byte is set here. The conductor track holds
 * only meta events (delta, FF, type, length, data), which makes it safe to walk.
 */
function fixKeySignature(bytes: Uint8Array, sf: number): void {
  const varint = (at: number): [number, number] => {
    let v = 0;
    let i = at;
    for (; bytes[i]! & 0x80; i++) v = (v << 7) | (bytes[i]! & 0x7f);
    return [(v << 7) | bytes[i]!, i + 1];
  };
  const trackEnd = 22 + ((bytes[18]! << 24) | (bytes[19]! << 16) | (bytes[20]! << 8) | bytes[21]!);
  for (let i = 22; i < trackEnd; ) {
    const [, afterDelta] = varint(i);
    if (bytes[afterDelta] !== 0xff) break;
    const type = bytes[afterDelta + 1]!;
    const [len, data] = varint(afterDelta + 2);
    if (type === 0x59) {
      bytes[data] = sf & 0xff;
      return;
    }
    i = data + len;
  }
  throw new Error("no key signature in the conductor track");
}

export type ParsedNote = { midi: number; ticks: number; durationTicks: number; time: number; duration: number; velocity: number };
export type ParsedMidi = {
  name: string;
  ppq: number;
  bpm: number;
  timeSignature: number[];
  keySignature: { key: string; scale: string } | null;
  texts: string[];
  markers: { text: string; ticks: number }[];
  lyrics: { text: string; ticks: number }[];
  tracks: { name: string; channel: number; program: number; notes: ParsedNote[] }[];
};

/** Reads a file written by toMidi (or any MIDI file) back, text decoded from UTF-8. */
export function fromMidi(bytes: Uint8Array): ParsedMidi {
  const midi = new Midi(bytes);
  const meta = (type: string) => midi.header.meta.filter((m) => m.type === type).map((m) => ({ text: fromBytes(m.text), ticks: m.ticks }));
  const sig = midi.header.keySignatures[0];
  // @tonejs/midi names a signature by its major key; a minor one is given back by its own tonic.
  const key = sig && { key: sig.scale === "minor" ? Key.majorKey(sig.key).minorRelative : sig.key, scale: sig.scale };
  return {
    name: fromBytes(midi.header.name),
    ppq: midi.header.ppq,
    bpm: midi.header.tempos[0]?.bpm ?? 120,
    timeSignature: midi.header.timeSignatures[0]?.timeSignature ?? [4, 4],
    keySignature: key ?? null,
    texts: meta("text").map((m) => m.text),
    markers: meta("marker"),
    lyrics: meta("lyrics"),
    tracks: midi.tracks.map((t) => ({
      name: t.name,
      channel: t.channel,
      program: t.instrument.number,
      notes: t.notes.map((n) => ({ midi: n.midi, ticks: n.ticks, durationTicks: n.durationTicks, time: n.time, duration: n.duration, velocity: n.velocity })),
    })),
  };
}
