import { z } from "zod";

/**
 * The song pipeline's contract (DESIGN §7): request → lyrics (lyrics/) → arrangement (music/) →
 * MIDI (music/midi.ts) and WAV (synth/) → cover (cover.ts). Each stage is a pure, synchronous,
 * seed-reproducible function of its inputs, so the same request and seed give byte-identical files
 * on Node and in a Durable Object. Times are seconds from the song's start.
 */

export const MOODS = ["happy", "sad", "calm", "energetic", "romantic", "nostalgic"] as const;
export const STYLES = ["pop", "rock", "folk", "ballad", "electronic", "lofi"] as const;
export const SONG_LANGUAGES = ["zh", "en"] as const;
export const SECTION_KINDS = ["intro", "verse", "prechorus", "chorus", "bridge", "outro"] as const;

export type Mood = (typeof MOODS)[number];
export type Style = (typeof STYLES)[number];
export type SongLanguage = (typeof SONG_LANGUAGES)[number];
export type SectionKind = (typeof SECTION_KINDS)[number];

export const SongRequest = z
  .strictObject({
    prompt: z.string().trim().min(1).max(500).optional().meta({ description: "What the song is about, in words. 歌曲描述" }),
    theme: z.string().trim().min(1).max(40).optional().meta({ description: "A theme such as 夏天, 城市, love, hometown. 主题" }),
    mood: z.enum(MOODS).optional().meta({ description: "happy 快乐, sad 伤感, calm 平静, energetic 热血, romantic 浪漫, nostalgic 怀旧. 情绪" }),
    style: z.enum(STYLES).optional().meta({ description: "pop, rock, folk, ballad, electronic, lofi. 风格" }),
    language: z.enum(SONG_LANGUAGES).default("zh").meta({ description: "zh (default) or en. 语言" }),
    title: z.string().trim().min(1).max(60).optional().meta({ description: "The title; made from the theme when absent. 标题" }),
    lyrics: z
      .string()
      .trim()
      .min(1)
      .max(3000)
      .optional()
      .meta({ description: "Your own lyrics with [Verse] / [Chorus] / [Bridge] markers; checked for structure. 自定义歌词" }),
    instrumental: z.boolean().default(false).meta({ description: "No vocals. 纯音乐" }),
    durationSec: z.number().int().min(10).max(180).default(30).meta({ description: "Length in seconds (default 30). 时长" }),
    seed: z.number().int().min(0).max(2_147_483_647).optional().meta({ description: "The same request and seed give the same song. 随机种子" }),
  })
  .meta({ id: "SongRequest" });
export type SongRequest = z.infer<typeof SongRequest>;

/** One sung syllable: a Chinese character, or one syllable of an English word. */
export type Syllable = {
  text: string;
  /** The vowel the voice sings: "a" | "e" | "i" | "o" | "u" | "ü" (the formant synthesiser's vowels). */
  vowel: "a" | "e" | "i" | "o" | "u" | "ü";
  /** Mandarin tone 1–4, 0 for neutral; absent in English. */
  tone?: 0 | 1 | 2 | 3 | 4;
  /** English lexical stress (CMU: 0 none, 1 primary, 2 secondary); absent in Chinese. */
  stress?: 0 | 1 | 2;
  /** The word this syllable ends (English), so timings can be given per word too. */
  wordEnd?: boolean;
};

export type LyricLine = {
  text: string;
  syllables: Syllable[];
  /** The rhyme class of the line's last syllable: a 十三辙 name for Chinese, a CMU rhyme part for English. */
  rhyme: string;
};

export type LyricSection = { kind: SectionKind; lines: LyricLine[] };

export type Lyrics = { language: SongLanguage; title: string; sections: LyricSection[] };

/** A note on a pitched track. `midi` is the MIDI note number; `velocity` 0–1. */
export type Note = { midi: number; time: number; duration: number; velocity: number };

/** A lead note carries the syllable it sings (section, line and syllable index into the lyrics). */
export type SungNote = Note & { section: number; line: number; syllable: number; text: string; vowel: Syllable["vowel"]; tone?: Syllable["tone"] };

/** Drum hits use General MIDI percussion numbers (36 kick, 38 snare, 42 closed hat, 46 open hat, 49 crash). */
export type DrumHit = { midi: number; time: number; velocity: number };

export type ChordEvent = { symbol: string; time: number; duration: number; notes: number[] };

export type Arrangement = {
  key: string; // tonic, e.g. "C", "F#"
  mode: "major" | "minor";
  bpm: number;
  beatsPerBar: 4;
  durationSec: number;
  /** Where each lyric section starts and ends, for the player and for extending. */
  sections: { kind: SectionKind; start: number; end: number }[];
  chords: ChordEvent[];
  lead: SungNote[];
  /** The chord track's notes (a pad / comping pattern), the bass line and the drums. */
  harmony: Note[];
  bass: Note[];
  drums: DrumHit[];
};

/** Karaoke data: one entry per sung syllable, and per word for English. */
export type WordTiming = { text: string; start: number; end: number; section: number; line: number };

export const TRACKS = ["lead", "harmony", "bass", "drums"] as const;
export type Track = (typeof TRACKS)[number];

/** The generator's name and version, stamped into files and certificates. */
export const GENERATOR = { name: "flywheel-songs", version: "1.0.0" } as const;

/** China's 标识办法 (AI-generated content labelling) text for file metadata. */
export const AI_LABEL = "AI生成 / AI-generated: Flywheel";
