import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { fill, promptJson, type Prompts } from "../../../lib/prompts.ts";
import type { Lyrics, SectionKind, SongLanguage } from "../types.ts";
import { composeLyrics, type LyricsRequest } from "./compose.ts";
import { loadPronunciations } from "./en.ts";
import { parseLyrics } from "./parse.ts";
import { planFor } from "./plan.ts";
import { validateLyrics } from "./validate.ts";

export type LlmEndpoint = { baseURL: string; apiKey?: string; model: string; timeoutMs?: number };

export type WrittenLyrics = {
  lyrics: Lyrics;
  source: "llm" | "offline";
  /** The model that wrote the lyrics, or "offline-composer". */
  model: string;
  /** Requests made to the model (0 to 2). */
  attempts: number;
  /** Why the model's lyrics were not used, when source is "offline". */
  fallback?: string;
};

type Rules = Record<SongLanguage, { languageName: string; lineRule: string; rhymeRule: string; titleGiven: string; titleFree: string }> & {
  markers: Record<SectionKind, string>;
  structureLine: string;
  anything: string;
};

export const OFFLINE_MODEL = "offline-composer";

function systemPrompt(prompts: Prompts, req: LyricsRequest): string {
  const rules = promptJson<Rules>(prompts, "songs/lyrics-rules.json");
  const lang = rules[req.language];
  const structure = planFor(req.durationSec)
    .map(({ kind, lines }) => `- ${fill(rules.structureLine, { marker: rules.markers[kind], lines })}`)
    .join("\n");
  return fill(prompts.text("songs/lyrics.md"), {
    languageName: lang.languageName,
    about: [req.theme, req.prompt].filter(Boolean).join(" — ") || rules.anything,
    mood: req.mood ?? "any",
    style: req.style ?? "pop",
    durationSec: req.durationSec,
    titleRule: req.title ? fill(lang.titleGiven, { title: req.title }) : lang.titleFree,
    structure,
    lineRule: lang.lineRule,
    rhymeRule: lang.rhymeRule,
  });
}

/** The lyrics in a model's answer: reasoning, code fences and markdown emphasis removed, the "Title:" line taken out. */
export function readAnswer(answer: string): { title?: string; body: string } {
  let title: string | undefined;
  const body = answer
    .replace(/<think>[\s\S]*?<\/think>/gi, "")
    .replace(/```[\w-]*/g, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*#+\s*/, "").replace(/\*\*/g, "").trim())
    .filter((l) => {
      const m = /^(?:title|标题|歌名)\s*[:：]\s*(.+)$/i.exec(l);
      if (m && title === undefined) title = m[1]!.replace(/^["“《'「]+|["”》'」]+$/g, "").trim();
      return !m;
    })
    .join("\n");
  return { title, body };
}

/**
 * Lyrics from an OpenAI-compatible model: asked with prompts/songs/lyrics.md, read with parseLyrics
 * and held to validateLyrics (the composer's own rhyme and structure checks). If the answer fails,
 * the model is asked once more with the problems listed; if that fails too, or the endpoint does,
 * the offline composer writes them and `fallback` says why.
 */
export async function writeLyricsWithLlm(llm: LlmEndpoint, prompts: Prompts, req: LyricsRequest): Promise<WrittenLyrics> {
  await loadPronunciations(req.language);
  const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey ?? "none", maxRetries: 0, timeout: llm.timeoutMs ?? 60_000 });
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: systemPrompt(prompts, req) },
    { role: "user", content: req.prompt ?? req.theme ?? "Write the song." },
  ];
  let problems: string[] = [];
  let attempts = 0;
  for (; attempts < 2; ) {
    attempts++;
    let answer: string;
    try {
      const r = await client.chat.completions.create({ model: llm.model, messages, temperature: 0.8, seed: req.seed });
      answer = r.choices[0]?.message?.content ?? "";
    } catch (e) {
      problems = [`the model could not be reached: ${(e as Error).message}`];
      continue;
    }
    const { title, body } = readAnswer(answer);
    const parsed = parseLyrics(body, req.language, { durationSec: req.durationSec });
    const lyrics: Lyrics = { ...parsed.lyrics, title: req.title ?? title ?? parsed.lyrics.title };
    const check = validateLyrics(lyrics, { durationSec: req.durationSec });
    problems = [...parsed.errors, ...check.problems.filter((p) => !parsed.errors.includes(p))];
    if (problems.length === 0) return { lyrics, source: "llm", model: llm.model, attempts };
    messages.push({ role: "assistant", content: answer });
    messages.push({ role: "user", content: fill(prompts.text("songs/lyrics-retry.md"), { problems: problems.map((p) => `- ${p}`).join("\n") }) });
  }
  return {
    lyrics: composeLyrics(prompts, req),
    source: "offline",
    model: OFFLINE_MODEL,
    attempts,
    fallback: `no usable lyrics from the model in ${attempts} requests: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; …" : ""}`,
  };
}
