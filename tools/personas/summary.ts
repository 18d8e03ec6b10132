import { stmt, type Db } from "../../db/sql.ts";
import { fill, type Prompts } from "../../lib/prompts.ts";
import type { PersonaLanguage } from "./card.ts";
import { analyze, genreOf, lexicons } from "./understand.ts";

/**
 * Older turns fold into a running summary (SillyTavern's Summarize): the prompt keeps the last
 * WINDOW messages verbatim and the summary stands for the rest. The summary is extractive — names,
 * tastes, moods, songs and genres talked about — so it is the same with or without an LLM and never
 * invents anything.
 */

export const WINDOW = 12;
/** Fold once this many messages wait past the summary, so a fold is a batch, not every turn. */
export const FOLD_AT = 24;
const MAX_PIECES = 12;

type Msg = { seq: number; role: "user" | "assistant"; content: string; meta: string };

export function summaryPieces(prompts: Prompts, lang: PersonaLanguage, char: string, msgs: Msg[]): string[] {
  const lex = lexicons(prompts)[lang].lex;
  const pieces: string[] = [];
  const add = (p: string) => !pieces.includes(p) && pieces.push(p);
  const genres = new Set<string>();
  for (const m of msgs) {
    if (m.role === "assistant") {
      if ((JSON.parse(m.meta) as { song?: unknown }).song) add(fill(lex.summary.song, { char }));
      continue;
    }
    const a = analyze(prompts, m.content, lang);
    if (a.name) add(fill(lex.summary.name, { name: a.name }));
    if (a.taste) add(fill(lex.summary.likes, { taste: a.taste.text }));
    if (a.intent === "sad") add(lex.summary.mood);
    const g = genreOf(prompts, m.content);
    if (g) genres.add(lex.genreNames[g] ?? g);
  }
  if (genres.size) add(fill(lex.summary.topics, { topics: [...genres].join(lang === "zh" ? "、" : ", ") }));
  return pieces;
}

/**
 * The pieces of a stored summary, whichever language wrote them: a chat that switched language
 * keeps one list (under the current language's prefix) instead of nesting one prefix in another.
 */
export function summaryParts(prompts: Prompts, summary: string): string[] {
  const all = Object.values(lexicons(prompts)).map((l) => l.lex.summary);
  let body = summary;
  for (const s of all) if (body.startsWith(s.prefix)) body = body.slice(s.prefix.length);
  const seps = new RegExp(all.map((s) => s.sep.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
  return body.split(seps).map((p) => p.trim()).filter(Boolean);
}

/** Folds the oldest messages into the chat's summary when enough wait; part of the turn's atomic unit. */
export function foldOlderTurns(db: Db, prompts: Prompts, chat: { ws: number; id: string; summary: string; summarizedThrough: number }, lang: PersonaLanguage, char: string) {
  // Counted first (on the index): most turns fold nothing, and need not read the messages.
  const count = (stmt(db, "SELECT count(*) AS n FROM persona_messages WHERE workspace_id = ? AND chat_id = ? AND seq > ?").get(chat.ws, chat.id, chat.summarizedThrough) as { n: number }).n;
  if (count < FOLD_AT) return;
  const waiting = stmt(db, "SELECT seq, role, content, meta FROM persona_messages WHERE workspace_id = ? AND chat_id = ? AND seq > ? ORDER BY seq").all(chat.ws, chat.id, chat.summarizedThrough) as Msg[];
  const folded = waiting.slice(0, waiting.length - WINDOW);
  const lex = lexicons(prompts)[lang].lex;
  const old = summaryParts(prompts, chat.summary);
  const merged = [...old];
  for (const p of summaryPieces(prompts, lang, char, folded)) if (!merged.includes(p)) merged.push(p);
  const text = merged.length ? lex.summary.prefix + merged.slice(-MAX_PIECES).join(lex.summary.sep) : "";
  stmt(db, "UPDATE persona_chats SET summary = ?, summarized_through = ? WHERE workspace_id = ? AND id = ?").run(text, folded[folded.length - 1]!.seq, chat.ws, chat.id);
}
