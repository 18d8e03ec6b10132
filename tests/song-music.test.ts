import midiPkg from "@tonejs/midi";
import { readdirSync, readFileSync } from "node:fs";
import { Chord, Note as TNote, Scale } from "tonal";
import { describe, expect, it } from "vitest";
import { mulberry32, pick, weighted, type Rng } from "../lib/prng.ts";
import { arrange, fromMidi, toMidi, wordTimings } from "../tools/songs/music/index.ts";
import { AI_LABEL, GENERATOR, MOODS, STYLES, type Arrangement, type LyricLine, type Lyrics, type Syllable, type SungNote } from "../tools/songs/types.ts";

const { Midi } = midiPkg;

// ---- Hand-built lyrics (the lyrics stage is separate): tones from the words' pinyin, stresses from CMU.

const VOWELS = { a: "a", e: "e", i: "i", o: "o", u: "u", v: "ü" } as const;
function zh(text: string, tones: string, vowels: string): LyricLine {
  const chars = [...text];
  if (chars.length !== tones.length || chars.length !== vowels.length) throw new Error(`bad test line ${text}`);
  const syllables = chars.map((c, i): Syllable => ({ text: c, tone: Number(tones[i]) as Syllable["tone"], vowel: VOWELS[vowels[i] as keyof typeof VOWELS] }));
  return { text, syllables, rhyme: "言前" };
}
function en(words: string): LyricLine {
  // "lone-ly*" style: syllables split by "-", a primary stress marked "*", a secondary "^".
  const syllables = words.split(" ").flatMap((w) =>
    w.split("-").map((s, i, all): Syllable => ({ text: s.replace(/[*^]/g, ""), vowel: "a", stress: s.endsWith("*") ? 1 : s.endsWith("^") ? 2 : 0, wordEnd: i === all.length - 1 })),
  );
  return { text: words.replace(/[-*^]/g, ""), syllables, rhyme: "OW" };
}

const ZH: Lyrics = {
  language: "zh",
  title: "夏天的风",
  sections: [
    { kind: "verse", lines: [zh("夏天的风吹过海边", "41011431", "aaeeioaa"), zh("你的笑容在眼前", "3042432", "ieaoaaa"), zh("星光洒在你的脸", "1134303", "iaaaiea"), zh("回忆慢慢地走远", "2444033", "iiaaeou")] },
    { kind: "chorus", lines: [zh("我们一起唱到明天", "30434421", "oeiiaaia"), zh("不要说再见", "24144", "uaoaa"), zh("我想你", "333", "oai"), zh("小小的梦想", "33043", "aaeea")] },
  ],
};

const EN: Lyrics = {
  language: "en",
  title: "Lonely Road",
  sections: [
    { kind: "verse", lines: [en("I* walk* a lone*-ly road*"), en("to-geth*-er we* will stay*")] },
    { kind: "chorus", lines: [en("sing* it out* a-gain* to-night*"), en("the sum*-mer is beau*-ti-ful")] },
  ],
};

// ---- Helpers that read an Arrangement independently of the code under test.

/** Sung lines as they occur in the lead (a repeated chorus counts again). */
function phrases(a: Arrangement): SungNote[][] {
  const out: SungNote[][] = [];
  for (const n of a.lead) {
    const cur = out[out.length - 1];
    if (!cur || n.syllable === 0 || cur[0]!.section !== n.section || cur[0]!.line !== n.line) out.push([n]);
    else cur.push(n);
  }
  return out;
}
const chordAt = (a: Arrangement, t: number) => a.chords.find((c) => c.time <= t + 1e-9 && t < c.time + c.duration - 1e-9)!;
const pcsOf = (symbol: string) => Chord.get(symbol).notes.map((n) => TNote.chroma(n));
const scaleOf = (a: Arrangement) => Scale.get(`${a.key} ${a.mode}`).notes.map((n) => TNote.chroma(n));
const ends = (a: Arrangement) => [...a.lead, ...a.harmony, ...a.bass].map((n) => n.time + n.duration);

/** The tone rules as the brief states them, with 3rd-tone sandhi; each rule that applies is one case. */
function toneCases(tones: (number | undefined)[], i: number): ((delta: number) => boolean)[] {
  const sung = tones.map((t, k) => (t === 3 && tones[k + 1] === 3 ? 2 : t));
  const [a, b] = [sung[i], sung[i + 1]];
  const rules: ((d: number) => boolean)[] = [];
  if (a === 2) rules.push((d) => d >= 0);
  if (a === 4) rules.push((d) => d <= 0);
  if (a === 1) rules.push((d) => Math.abs(d) <= 2);
  if (b === 3) rules.push((d) => d <= 0);
  return rules;
}

function randomZh(rng: Rng, lines: number): Lyrics {
  const tone = () => weighted(rng, [[1, 20], [2, 20], [3, 17], [4, 33], [0, 10]] as const);
  const line = (): LyricLine => {
    const n = 6 + Math.floor(rng() * 5);
    const tones = Array.from({ length: n }, tone).join("");
    return zh("啦".repeat(n), tones, "a".repeat(n));
  };
  return { language: "zh", title: "t", sections: (["verse", "chorus", "verse", "chorus"] as const).map((kind) => ({ kind, lines: Array.from({ length: lines }, line) })) };
}

describe("music: arrangement", () => {
  it("is seed-reproducible: the same inputs give deep-equal arrangements and byte-identical MIDI; another seed differs", () => {
    for (const lyrics of [ZH, EN, null]) {
      const opts = { style: "pop", mood: "happy", durationSec: 30, seed: 7 } as const;
      const a = arrange(lyrics, opts);
      expect(arrange(lyrics, opts)).toEqual(a);
      const bytes = toMidi(a, { title: "t", lyrics: lyrics ?? undefined });
      expect(toMidi(arrange(lyrics, opts), { title: "t", lyrics: lyrics ?? undefined })).toEqual(bytes);
      const other = arrange(lyrics, { ...opts, seed: 8 });
      expect(other).not.toEqual(a);
      expect(Buffer.from(toMidi(other, { title: "t" })).equals(Buffer.from(toMidi(a, { title: "t" })))).toBe(false);
    }
  });

  it("lasts exactly the requested duration, sections tile it, and every note has ended by then", () => {
    for (const d of [10, 15, 30, 60, 90, 180]) {
      for (const [k, style] of STYLES.entries()) {
        for (const lyrics of [ZH, EN, null]) {
          const a = arrange(lyrics, { style, mood: MOODS[k]!, durationSec: d, seed: d + k });
          expect(a.durationSec).toBe(d);
          expect(a.sections[0]!.start).toBe(0);
          expect(a.sections[a.sections.length - 1]!.end).toBe(d);
          a.sections.slice(1).forEach((s, i) => expect(s.start).toBe(a.sections[i]!.end));
          expect(Math.max(...ends(a))).toBeLessThanOrEqual(d + 1e-9);
          expect(Math.max(...ends(a))).toBeCloseTo(d, 9); // the final chord rings to the end
          expect(Math.max(...a.drums.map((h) => h.time))).toBeLessThan(d);
          // The bar count is whole: the tempo was bent to fit, not the last bar cut.
          expect((d * a.bpm) / 240).toBeCloseTo(Math.round((d * a.bpm) / 240), 9);
          if (lyrics && d >= 30) expect(new Set(a.lead.map((n) => `${n.section}/${n.line}`)).size).toBe(lyrics.sections.flatMap((s) => s.lines).length);
        }
      }
    }
  });

  it("sings the lines in order, one note per syllable; a song too short for its lyrics drops the lines at the end", () => {
    const a = arrange(ZH, { style: "rock", mood: "energetic", durationSec: 10, seed: 3 });
    const sung = phrases(a).map((p) => `${p[0]!.section}/${p[0]!.line}`);
    const all = ZH.sections.flatMap((s, si) => s.lines.map((_, li) => `${si}/${li}`));
    expect(sung.length).toBeGreaterThan(0);
    expect(sung.length).toBeLessThan(all.length);
    expect(sung).toEqual(all.slice(0, sung.length));
    for (const p of phrases(arrange(ZH, { style: "pop", mood: "calm", durationSec: 60, seed: 1 }))) {
      const line = ZH.sections[p[0]!.section]!.lines[p[0]!.line]!;
      expect(p.map((n) => n.text)).toEqual(line.syllables.map((s) => s.text));
      expect(p.map((n) => n.vowel)).toEqual(line.syllables.map((s) => s.vowel));
      p.slice(1).forEach((n, i) => expect(n.time).toBeCloseTo(p[i]!.time + p[i]!.duration, 9));
    }
  });

  it("keeps the lead in A3–E5 and in the key's scale, and every phrase ends, longest, on a chord tone of the chord sounding then", () => {
    let phraseCount = 0;
    for (let seed = 0; seed < 60; seed++) {
      const lyrics = seed % 3 === 2 ? EN : seed % 3 === 1 ? randomZh(mulberry32(seed), 3) : ZH;
      const a = arrange(lyrics, { style: STYLES[seed % 6]!, mood: MOODS[(seed >> 1) % 6]!, durationSec: 30 + (seed % 4) * 20, seed });
      const scale = scaleOf(a);
      expect(a.lead.filter((n) => n.midi < 57 || n.midi > 76 || !scale.includes(n.midi % 12))).toEqual([]);
      for (const p of phrases(a)) {
        const last = p[p.length - 1]!;
        if (!pcsOf(chordAt(a, last.time).symbol).includes(last.midi % 12)) throw new Error(`phrase end ${last.midi} off the chord at ${last.time}`);
        if (p.slice(0, -1).some((n) => n.duration >= last.duration)) throw new Error(`phrase end at ${last.time} is not its longest note`);
        phraseCount++;
      }
      // The song's last sung note is the tonic.
      expect(a.lead[a.lead.length - 1]!.midi % 12).toBe(TNote.chroma(a.key));
    }
    expect(phraseCount).toBeGreaterThan(300);
  });

  it("respects Mandarin tone contours where a choice existed (far more often than the same melodies would by chance)", () => {
    const rng = mulberry32(2024);
    let held = 0;
    let cases = 0;
    let chanceHeld = 0;
    let chanceCases = 0;
    for (let k = 0; k < 40; k++) {
      const lyrics = randomZh(rng, 4);
      const a = arrange(lyrics, { style: STYLES[k % 6]!, mood: MOODS[(k >> 1) % 6]!, durationSec: 90, seed: k });
      const candidates = [];
      for (let m = 57; m <= 76; m++) if (scaleOf(a).includes(m % 12)) candidates.push(m);
      for (const p of phrases(a)) {
        const tones = p.map((n) => n.tone);
        // The same melody judged against unrelated tones: what the rules score by chance.
        const shuffled = p.map(() => pick(rng, [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]));
        for (let i = 0; i + 1 < p.length; i++) {
          const next = i + 2 === p.length ? candidates.filter((m) => pcsOf(chordAt(a, p[i + 1]!.time).symbol).includes(m % 12)) : candidates;
          const delta = p[i + 1]!.midi - p[i]!.midi;
          for (const rule of toneCases(tones, i)) {
            if (!next.some((m) => rule(m - p[i]!.midi))) continue; // no note could have kept it
            cases++;
            if (rule(delta)) held++;
          }
          for (const rule of toneCases(shuffled, i)) {
            chanceCases++;
            if (rule(delta)) chanceHeld++;
          }
        }
      }
    }
    const rate = held / cases;
    const chance = chanceHeld / chanceCases;
    console.info(`tone contours held in ${(rate * 100).toFixed(1)}% of ${cases} cases (same melodies vs random tones: ${(chance * 100).toFixed(1)}%)`);
    expect(cases).toBeGreaterThan(2000);
    expect(rate).toBeGreaterThanOrEqual(0.85);
    expect(rate - chance).toBeGreaterThan(0.2);
  });

  it("puts English primary stresses on beats", () => {
    let on = 0;
    let all = 0;
    for (let seed = 0; seed < 30; seed++) {
      const a = arrange(EN, { style: STYLES[seed % 6]!, mood: MOODS[seed % 6]!, durationSec: 30, seed });
      for (const n of a.lead) {
        if (EN.sections[n.section]!.lines[n.line]!.syllables[n.syllable]!.stress !== 1) continue;
        const beat = (n.time * a.bpm) / 60;
        all++;
        if (Math.abs(beat - Math.round(beat)) < 1e-6) on++;
      }
    }
    expect(on / all).toBeGreaterThanOrEqual(0.8);
  });

  it("chooses mode by mood and tempo by style, lifts the chorus, and builds the backing from the chords", () => {
    expect(arrange(ZH, { style: "pop", mood: "sad", durationSec: 30, seed: 1 }).mode).toBe("minor");
    expect(arrange(ZH, { style: "pop", mood: "nostalgic", durationSec: 30, seed: 1 }).mode).toBe("minor");
    expect(arrange(ZH, { style: "pop", mood: "happy", durationSec: 30, seed: 1 }).mode).toBe("major");
    let verse = 0;
    let chorus = 0;
    for (let seed = 0; seed < 20; seed++) {
      const ballad = arrange(ZH, { style: "ballad", mood: "calm", durationSec: 60, seed });
      const rock = arrange(ZH, { style: "rock", mood: "calm", durationSec: 60, seed });
      expect(ballad.bpm).toBeLessThan(rock.bpm);
      const mean = (kind: string) => {
        const ns = ballad.lead.filter((n) => ZH.sections[n.section]!.kind === kind);
        return ns.reduce((s, n) => s + n.midi, 0) / ns.length;
      };
      verse += mean("verse");
      chorus += mean("chorus");
      for (const a of [ballad, rock]) {
        const offChord = [...a.harmony, ...a.bass].filter((n) => !pcsOf(chordAt(a, n.time).symbol).includes(n.midi % 12));
        expect(offChord).toEqual([]);
        expect(a.chords[0]!.time).toBe(0);
        a.chords.slice(1).forEach((c, i) => expect(c.time).toBeCloseTo(a.chords[i]!.time + a.chords[i]!.duration, 9));
      }
      // A crash opens each section that has drums; the ballad's intro has none at all.
      const introEnd = ballad.sections[0]!.end;
      expect(ballad.drums.filter((h) => h.time < introEnd)).toEqual([]);
      for (const s of rock.sections) expect(rock.drums.some((h) => h.midi === 49 && Math.abs(h.time - s.start) < 1e-9)).toBe(true);
    }
    expect(chorus / 20).toBeGreaterThan(verse / 20 + 2);
  });

  it("makes an instrumental: no lead, the backing and sections still there", () => {
    for (const d of [10, 30, 90]) {
      const a = arrange(null, { style: "electronic", mood: "energetic", durationSec: d, seed: 5 });
      expect(a.lead).toEqual([]);
      expect(a.harmony.length).toBeGreaterThan(0);
      expect(a.bass.length).toBeGreaterThan(0);
      expect(a.drums.length).toBeGreaterThan(0);
      expect(a.sections.map((s) => s.kind)).toEqual(expect.arrayContaining(["intro", "verse", "outro"]));
      const parsed = fromMidi(toMidi(a, { title: "纯音乐" }));
      expect(parsed.tracks.map((t) => t.notes.length)).toEqual([0, a.harmony.length, a.bass.length, a.drums.length]);
      expect(parsed.lyrics).toEqual([]);
    }
  });
});

describe("music: MIDI", () => {
  it("parses back with the same notes per track (pitch, start and duration within a tick), tempo, meter, key, labels and lyrics", () => {
    const long = "长".repeat(60); // 180 UTF-8 bytes: a two-byte length in front of the track name
    for (const [lyrics, style, mood, title] of [[ZH, "ballad", "sad", ZH.title], [EN, "folk", "happy", EN.title], [ZH, "lofi", "nostalgic", long]] as const) {
      const a = arrange(lyrics, { style, mood, durationSec: 30, seed: 11 });
      const bytes = toMidi(a, { title, lyrics });
      const midi = new Midi(bytes);
      const ppq = midi.header.ppq;
      const tick = (t: number) => (t * a.bpm * ppq) / 60;
      expect(midi.tracks.map((t) => t.name)).toEqual(["lead", "harmony", "bass", "drums"]);
      expect(midi.tracks.map((t) => t.channel)).toEqual([0, 1, 2, 9]);
      expect(midi.header.tempos[0]!.bpm).toBeCloseTo(a.bpm, 3);
      expect(midi.header.timeSignatures[0]!.timeSignature).toEqual([4, 4]);
      const pitched = [a.lead, a.harmony, a.bass] as const;
      pitched.forEach((notes, k) => {
        const got = midi.tracks[k]!.notes;
        expect(got.length).toBe(notes.length);
        const want = [...notes].sort((x, y) => x.time - y.time || x.midi - y.midi);
        const have = [...got].sort((x, y) => x.ticks - y.ticks || x.midi - y.midi);
        want.forEach((n, i) => {
          const g = have[i]!;
          expect(g.midi).toBe(n.midi);
          expect(Math.abs(g.ticks - tick(n.time))).toBeLessThanOrEqual(1);
          expect(Math.abs(g.durationTicks - tick(n.duration))).toBeLessThanOrEqual(1);
          expect(Math.abs(g.time - n.time)).toBeLessThanOrEqual(60 / a.bpm / ppq);
          expect(Math.abs(g.velocity - n.velocity)).toBeLessThanOrEqual(1 / 127);
        });
      });
      const drums = midi.tracks[3]!.notes.map((n) => `${n.midi}@${n.ticks}`).sort();
      expect(drums).toEqual(a.drums.map((h) => `${h.midi}@${Math.round(tick(h.time))}`).sort());

      const parsed = fromMidi(bytes);
      expect(parsed.name).toBe(title);
      expect(parsed.keySignature).toEqual({ key: a.key, scale: a.mode });
      expect(parsed.texts).toEqual(expect.arrayContaining([AI_LABEL, `${GENERATOR.name} ${GENERATOR.version}`]));
      expect(parsed.markers.map((m) => m.text)).toEqual(a.sections.map((s) => s.kind));
      expect(parsed.lyrics.map((l) => l.text.replace(/[-\s]+$/, ""))).toEqual(a.lead.map((n) => n.text));
      expect(parsed.lyrics.map((l) => l.ticks)).toEqual(midi.tracks[0]!.notes.map((n) => n.ticks));
      const lineEnds = parsed.lyrics.filter((l) => l.text.endsWith("\r")).length;
      expect(lineEnds).toBe(phrases(a).length);
    }
  });

  it("writes key signatures MIDI readers understand (sharps and flats), for major and minor keys", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const a = arrange(null, { style: "pop", mood: seed % 2 ? "sad" : "happy", durationSec: 15, seed });
      const k = new Midi(toMidi(a, { title: "k" })).header.keySignatures[0]!;
      const expected = a.mode === "major" ? a.key : Scale.get(`${a.key} minor`).notes[2]!; // relative major
      expect(k).toMatchObject({ key: expected, scale: a.mode });
      seen.add(`${a.key} ${a.mode}`);
    }
    expect(seen.size).toBeGreaterThan(6);
  });
});

describe("music: word timings", () => {
  it("gives one entry per sung syllable at its note, and English words joined at wordEnd", () => {
    const a = arrange(ZH, { style: "pop", mood: "romantic", durationSec: 60, seed: 4 });
    const t = wordTimings(a, ZH);
    expect(t).toEqual(a.lead.map((n) => ({ text: n.text, start: n.time, end: n.time + n.duration, section: n.section, line: n.line })));
    t.slice(1).forEach((w, i) => expect(w.start).toBeGreaterThanOrEqual(t[i]!.end - 1e-9));
    expect(wordTimings(a, ZH, "word")).toEqual(t); // no word unit in Chinese

    const e = arrange(EN, { style: "folk", mood: "calm", durationSec: 30, seed: 4 });
    const words = wordTimings(e, EN, "word");
    for (const p of phrases(e)) {
      const line = EN.sections[p[0]!.section]!.lines[p[0]!.line]!;
      const inLine = words.filter((w) => w.section === p[0]!.section && w.line === p[0]!.line && w.start >= p[0]!.time - 1e-9 && w.end <= p[p.length - 1]!.time + p[p.length - 1]!.duration + 1e-9);
      expect(inLine.map((w) => w.text).join(" ")).toBe(line.text);
      expect(inLine[0]!.start).toBe(p[0]!.time);
    }
    const lonely = words.find((w) => w.text === "lonely")!;
    const [lone, ly] = e.lead.filter((n) => n.text === "lone" || n.text === "ly");
    expect(lonely).toMatchObject({ start: lone!.time, end: ly!.time + ly!.duration });
    expect(wordTimings(e, EN)).toHaveLength(e.lead.length);
  });
});

describe("music: portability", () => {
  it("imports only tonal, @tonejs/midi and relative modules, so it bundles into the Durable Object", () => {
    const dir = new URL("../tools/songs/music/", import.meta.url);
    const bare = readdirSync(dir).flatMap((f) => [...readFileSync(new URL(f, dir), "utf8").matchAll(/from\s+"([^".][^"]*)"/g)].map((m) => m[1]!));
    expect(new Set(bare)).toEqual(new Set(["tonal", "@tonejs/midi"]));
  });
});
