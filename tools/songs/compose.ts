import type { Prompts } from "../../lib/prompts.ts";
import { mulberry32, pick } from "../../lib/prng.ts";
import { composeLyrics, loadPronunciations, parseLyrics, validateLyrics, writeLyricsWithLlm, type LlmEndpoint } from "./lyrics/index.ts";
import { arrange, toMidi, wordTimings } from "./music/index.ts";
import { renderWav } from "./synth/index.ts";
import { renderCover } from "./cover.ts";
import { melodyIntervals } from "../certificates/similarity.ts";
import { AI_LABEL, GENERATOR, MOODS, STYLES, type Arrangement, type Lyrics, type Mood, type SongRequest, type Style, type Track, type WordTiming } from "./types.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";

/** A song's files, by name, as stored and served. */
export const SONG_FILES = {
  "audio.wav": "audio/wav",
  "song.mid": "audio/midi",
  "cover.svg": "image/svg+xml",
  "lyrics.json": "application/json",
} as const;
export type SongFile = keyof typeof SONG_FILES;

export type LyricsSource = "offline" | "llm" | "user" | "none";

/** Everything a request decides before any audio: resolved style, mood and seed, and the lyrics. */
export type SongPlan = { request: SongRequest; seed: number; style: Style; mood: Mood; title: string; lyrics: Lyrics | null; lyricsSource: LyricsSource; lyricsModel?: string; rhymed?: boolean };

export type ComposedSong = SongPlan & { arrangement: Arrangement; timings: WordTiming[]; melody: number[]; files: Record<SongFile, Uint8Array> };

/** Unset style and mood come from the seed, so the same request and seed always agree. */
function resolve(req: SongRequest, seed: number) {
  const rng = mulberry32(seed ^ 0x5eed);
  return { style: req.style ?? pick(rng, STYLES), mood: req.mood ?? pick(rng, MOODS) };
}

/**
 * The lyrics: the user's own (checked for structure; a song is refused with every problem named),
 * none for an instrumental, an LLM's when one is configured (checked, with the offline composer as
 * its fallback), or the offline composer's.
 */
export async function planSong(prompts: Prompts, req: SongRequest, seed: number, llm?: LlmEndpoint): Promise<SongPlan> {
  const { style, mood } = resolve(req, seed);
  await loadPronunciations(req.language);
  const base = { request: req, seed, style, mood };
  if (req.instrumental) return { ...base, title: req.title ?? req.theme ?? (req.language === "zh" ? "无题" : "Untitled"), lyrics: null, lyricsSource: "none" };
  if (req.lyrics) {
    const { lyrics, errors } = parseLyrics(req.lyrics, req.language, { ...(req.title ? { title: req.title } : {}), durationSec: req.durationSec });
    const check = validateLyrics(lyrics, { durationSec: req.durationSec, custom: true });
    // The parser and the validator can name the same problem (too many lines): once is enough.
    const problems = [...new Set([...errors, ...check.problems])];
    if (problems.length) throw new ApiError(ErrorCode.ValidationFailed, bi("歌词无法演唱", `lyrics cannot be sung: ${problems.join("; ")}`), problems.map((message) => ({ path: "lyrics", message })));
    return { ...base, title: lyrics.title, lyrics, lyricsSource: "user", rhymed: check.rhymed };
  }
  const lreq = { language: req.language, durationSec: req.durationSec, seed, style, mood, ...(req.theme ? { theme: req.theme } : {}), ...(req.prompt ? { prompt: req.prompt } : {}), ...(req.title ? { title: req.title } : {}) };
  if (llm) {
    const w = await writeLyricsWithLlm(llm, prompts, lreq);
    return { ...base, title: w.lyrics.title, lyrics: w.lyrics, lyricsSource: w.source, lyricsModel: w.model, rhymed: true };
  }
  const lyrics = composeLyrics(prompts, lreq);
  return { ...base, title: lyrics.title, lyrics, lyricsSource: "offline", rhymed: true };
}

/**
 * The lyrics as they are sung: the arrangement drops lines that do not fit the length, so those are
 * dropped here too (and the music arranged again for what is left), and a song never shows or
 * stores lyrics nobody sings.
 */
function sungOnly(plan: SongPlan): { lyrics: Lyrics | null; arrangement: Arrangement } {
  const opts = { style: plan.style, mood: plan.mood, durationSec: plan.request.durationSec, seed: plan.seed };
  const first = arrange(plan.lyrics, opts);
  if (!plan.lyrics) return { lyrics: null, arrangement: first };
  const sung = new Set(first.lead.map((n) => `${n.section}:${n.line}`));
  const total = plan.lyrics.sections.reduce((n, s) => n + s.lines.length, 0);
  if (sung.size === total) return { lyrics: plan.lyrics, arrangement: first };
  const sections = plan.lyrics.sections
    .map((s, i) => ({ ...s, lines: s.lines.filter((_, j) => sung.has(`${i}:${j}`)) }))
    .filter((s) => s.lines.length > 0);
  const lyrics = { ...plan.lyrics, sections };
  return { lyrics, arrangement: arrange(lyrics, opts) };
}

/** Music, MIDI, audio and cover from a plan: synchronous and byte-for-byte reproducible. */
export function renderSong(input: SongPlan): ComposedSong {
  const { lyrics: sung, arrangement } = sungOnly(input);
  const plan = { ...input, lyrics: sung };
  const timings = plan.lyrics ? wordTimings(arrangement, plan.lyrics) : [];
  const midi = toMidi(arrangement, { title: plan.title, ...(plan.lyrics ? { lyrics: plan.lyrics } : {}) });
  const wav = renderWav(arrangement, { seed: plan.seed, title: plan.title, instrumental: plan.request.instrumental });
  const cover = renderCover({ title: plan.title, mood: plan.mood, style: plan.style, seed: plan.seed, language: plan.request.language });
  const lyricsDoc = { title: plan.title, language: plan.request.language, source: plan.lyricsSource, lyrics: plan.lyrics, timings, label: AI_LABEL, generator: GENERATOR };
  return {
    ...plan,
    arrangement,
    timings,
    melody: melodyIntervals(arrangement.lead.map((n) => n.midi)),
    files: {
      "audio.wav": wav,
      "song.mid": midi,
      "cover.svg": new TextEncoder().encode(cover),
      "lyrics.json": new TextEncoder().encode(JSON.stringify(lyricsDoc)),
    },
  };
}

/** One track alone, the same length as the song. */
export const renderStem = (plan: SongPlan, arrangement: Arrangement, track: Track) => renderWav(arrangement, { seed: plan.seed, title: `${plan.title} (${track})`, instrumental: plan.request.instrumental, stem: track });
