import { meteredAsync } from "../../billing/metered.ts";
import type { HoldView } from "../../billing/holds.ts";
import { atomic, stmt } from "../../db/sql.ts";
import { ApiError } from "../../lib/errors.ts";
import { fnv1a, newId } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";
import { createSong, type SongDeps } from "../songs/service.ts";
import type { PersonaLanguage } from "./card.ts";
import { OFFLINE_PERSONA_MODEL, offlineReplies } from "./engine.ts";
import { displayName, getPersona, type Persona } from "./library.ts";
import { personaFromLlm, type Sampling } from "./llm.ts";
import { listMemories, nameFromMemory, rememberFromMessage, type Memory } from "./memory.ts";
import { personaMessages } from "./prompt.ts";
import { breakReminder, continuousSince, reminderDue, screenInput, screenOutput, type SafetyKind } from "./safety.ts";
import { WINDOW, foldOlderTurns } from "./summary.ts";
import { countTokens, detectLanguage, truncateTokens } from "./text.ts";
import { analyze, type Analysis } from "./understand.ts";

/**
 * One turn of a persona chat, whichever API asked (the native route, the OpenAI-compatible one):
 * screen the message, generate (offline engine or the configured LLM), screen the reply, keep
 * memory, and meter it as one `chat_message`. A safety answer (a crisis line, a refusal, "I am an
 * AI") is never charged and never refused for want of credits.
 */

export type TurnOptions = Partial<Sampling> & { language?: PersonaLanguage; requestId?: string; keyId?: string };
export type ModelInfo = { provider: "offline" | "openai-compatible" | "safety"; name: string; fallback?: string };
export type TurnReply = { content: string; finishReason: "stop" | "length" };
export type TurnResult = {
  chatId: string;
  personaId: string;
  language: PersonaLanguage;
  model: ModelInfo;
  replies: TurnReply[];
  safety?: SafetyKind;
  reminder?: string;
  song?: Record<string, unknown>;
  songError?: { code: string; message: string };
  usage: { promptTokens: number; completionTokens: number };
  memory: Memory[];
};

export type ChatRow = { id: string; summary: string; summarized_through: number; session_started_at: number; reminded_at: number | null; last_message_at: number };

/** A user's chat with a persona (one per pair), if they have talked. */
export const chatOf = (ctx: Ctx, userId: string, personaId: string) =>
  stmt(ctx.db, "SELECT id, summary, summarized_through, session_started_at, reminded_at, last_message_at FROM persona_chats WHERE workspace_id = ? AND user_id = ? AND persona_id = ?").get(ctx.workspaceId, userId, personaId) as ChatRow | undefined;

function recentMessages(ctx: Ctx, chat: ChatRow | undefined) {
  if (!chat) return [];
  const rows = stmt(ctx.db, "SELECT role, content FROM persona_messages WHERE workspace_id = ? AND chat_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?").all(ctx.workspaceId, chat.id, chat.summarized_through, WINDOW) as { role: "user" | "assistant"; content: string }[];
  return rows.reverse();
}

/** Applies `stop` (cut at the first stop sequence) and `maxTokens` (cut, finish "length") to a reply. */
export function shape(content: string, s: Partial<Sampling>): TurnReply {
  let text = content;
  for (const stop of s.stop ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  if (s.maxTokens) {
    const t = truncateTokens(text, s.maxTokens);
    if (t.cut) return { content: t.text, finishReason: "length" };
  }
  return { content: text, finishReason: "stop" };
}

/** `memory`: the facts as read before the turn, answered again when the turn pinned nothing new. */
type Stored = { chat: ChatRow | undefined; persona: Persona; userId: string; message: string; lang: PersonaLanguage; analysis?: Analysis; memory?: Memory[]; result: Omit<TurnResult, "memory" | "chatId"> };

/** Writes the turn in one atomic unit (or inside the caller's: a savepoint): the chat row, both messages, pinned facts, the summary fold. */
function store(ctx: Ctx, s: Stored): TurnResult {
  const now = ctx.now().getTime();
  const ws = ctx.workspaceId;
  return atomic(ctx.db, () => {
    const sessionStart = continuousSince(s.chat?.session_started_at ?? null, s.chat?.last_message_at ?? null, now);
    const remindedAt = s.result.reminder ? now : sessionStart === now ? null : s.chat!.reminded_at;
    stmt(
      ctx.db,
      `INSERT INTO persona_chats (workspace_id, id, user_id, persona_id, summary, summarized_through, session_started_at, reminded_at, last_message_at, created_at)
       VALUES (?, ?, ?, ?, '', 0, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, user_id, persona_id) DO UPDATE SET session_started_at = excluded.session_started_at, reminded_at = excluded.reminded_at, last_message_at = excluded.last_message_at`,
    ).run(ws, s.chat?.id ?? newId("chat"), s.userId, s.persona.id, sessionStart, remindedAt, now, now);
    // Two first messages at once both insert: the unique (user, persona) row wins, so read its id back.
    const chatId = (stmt(ctx.db, "SELECT id FROM persona_chats WHERE workspace_id = ? AND user_id = ? AND persona_id = ?").get(ws, s.userId, s.persona.id) as { id: string }).id;
    const insert = stmt(ctx.db, "INSERT INTO persona_messages (workspace_id, chat_id, role, content, meta, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    insert.run(ws, chatId, "user", s.message, JSON.stringify({ language: s.lang }), now);
    const r = s.result;
    const meta = { model: r.model, ...(r.safety ? { safety: r.safety } : {}), ...(r.song ? { song: r.song["id"] } : {}), ...(r.reminder ? { reminder: true } : {}) };
    insert.run(ws, chatId, "assistant", r.replies[0]!.content, JSON.stringify(meta), now);
    const pinned = !!s.analysis && rememberFromMessage(ctx.db, ctx.prompts, { ws, userId: s.userId, personaId: s.persona.id, now }, s.analysis, s.lang);
    const chat = s.chat ?? { summary: "", summarized_through: 0 };
    foldOlderTurns(ctx.db, ctx.prompts, { ws, id: chatId, summary: chat.summary, summarizedThrough: chat.summarized_through }, s.lang, displayName(s.persona, s.lang));
    return { chatId, ...r, memory: pinned || !s.memory ? listMemories(ctx, s.userId, s.persona.id) : s.memory };
  });
}

/** The two-hour reminder, appended to every reply when it is due (the chat's current stretch began two hours ago). */
function withReminder(ctx: Ctx, chat: ChatRow | undefined, persona: Persona, lang: PersonaLanguage, replies: TurnReply[]) {
  const now = ctx.now().getTime();
  const since = continuousSince(chat?.session_started_at ?? null, chat?.last_message_at ?? null, now);
  if (!chat || !reminderDue(since, chat.reminded_at, now, persona.flywheel.safety_tier)) return { replies };
  const reminder = breakReminder(ctx.prompts, lang, Math.floor((now - since) / 60_000), { char: displayName(persona, lang) });
  return { replies: replies.map((r) => ({ ...r, content: `${r.content}\n\n${reminder}` })), reminder };
}

type Sung = { song?: Record<string, unknown>; songError?: { code: string; message: string } };

async function singFor(ctx: Ctx, deps: SongDeps, persona: Persona, who: { userId: string; keyId?: string; holdId: string }, a: Analysis, lang: PersonaLanguage): Promise<Sung> {
  const music = persona.flywheel.music;
  try {
    const r = await createSong(ctx, deps, {
      userId: who.userId,
      ...(who.keyId ? { keyId: who.keyId } : {}),
      requestId: `${who.holdId}-song`,
      request: { language: lang, style: music.style, mood: a.intent === "sad" ? "calm" : music.mood, instrumental: false, durationSec: 30, ...(a.theme ? { theme: a.theme } : {}) },
    });
    return { song: r.song as Record<string, unknown> };
  } catch (err) {
    // Out of song credits (402) and the like: the persona says so; the chat message itself still stands.
    if (err instanceof ApiError && err.status < 500) return { songError: { code: err.code, message: err.message } };
    throw err;
  }
}

export async function chatTurn(ctx: Ctx, deps: SongDeps, personaId: string, userId: string, message: string, opts: TurnOptions = {}): Promise<TurnResult & { hold?: HoldView; replay: boolean }> {
  const persona = getPersona(ctx, personaId);
  const lang = opts.language ?? detectLanguage(message, persona.flywheel.languages[0]);
  const chat = chatOf(ctx, userId, persona.id);
  const char = displayName(persona, lang);
  const n = opts.n ?? 1;
  const sampling: Partial<Sampling> = { ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}), ...(opts.stop ? { stop: opts.stop } : {}) };
  const usage = (replies: TurnReply[], prompt = countTokens(message)) => ({ promptTokens: prompt, completionTokens: replies.reduce((t, r) => t + countTokens(r.content), 0) });

  const verdict = screenInput(ctx.prompts, message, lang, { char }, persona.flywheel.safety_tier);
  if (verdict) {
    // Never cut by stop or max_tokens: a crisis line or "I am an AI" must arrive whole.
    const replies = Array.from({ length: n }, () => ({ content: verdict.reply, finishReason: "stop" as const }));
    const result = { personaId: persona.id, language: lang, model: { provider: "safety" as const, name: "flywheel-safety" }, replies, safety: verdict.kind, usage: usage(replies) };
    return { ...store(ctx, { chat, persona, userId, message, lang, result }), replay: false };
  }

  const params = { personaId: persona.id, message, n, language: opts.language ?? null, temperature: opts.temperature ?? null, maxTokens: opts.maxTokens ?? null, stop: opts.stop ?? null, seed: opts.seed ?? null };
  const r = await meteredAsync(ctx, "chat_message", { userId, ...(opts.requestId ? { requestId: opts.requestId } : {}), ...(opts.keyId ? { keyId: opts.keyId } : {}), params }, async (holdId) => {
    const analysis = analyze(ctx.prompts, message, lang);
    const memory = listMemories(ctx, userId, persona.id);
    const userName = analysis.name ?? nameFromMemory(ctx.prompts, memory);
    const facts = memory.map((m) => m.text);
    const history = recentMessages(ctx, chat);
    const sung: Sung = analysis.intent === "sing" ? await singFor(ctx, deps, persona, { userId, ...(opts.keyId ? { keyId: opts.keyId } : {}), holdId }, analysis, lang) : {};
    let model: ModelInfo = { provider: "offline", name: OFFLINE_PERSONA_MODEL };
    let llmUsage: TurnResult["usage"] | undefined;
    const offline = () => offlineReplies(
      ctx.prompts,
      {
        persona,
        lang,
        message,
        analysis,
        ...(userName ? { userName } : {}),
        facts,
        recentReplies: history.filter((m) => m.role === "assistant").map((m) => m.content),
        turn: Math.floor(history.length / 2),
        // From the conversation itself: the same chat gets the same words on every runtime, a new message new ones.
        seed: opts.seed ?? fnv1a(`${userId}\u0000${persona.id}\u0000${history.map((m) => m.content).join("\u0000")}\u0000${message}`),
        temperature: opts.temperature ?? 0.7,
        ...(sung.song ? { song: { title: String(sung.song["title"]) } } : sung.songError ? { song: { error: sung.songError.message } } : {}),
      },
      n,
    );
    let raw: { content: string; finishReason: TurnReply["finishReason"] }[] | undefined;
    if (deps.llm && !sung.song && !sung.songError) {
      try {
        const prompt = personaMessages(ctx.prompts, { persona, lang, ...(userName ? { userName } : {}), facts, summary: chat?.summary ?? "", history, message });
        const a = await personaFromLlm(deps.llm, prompt, { n, temperature: opts.temperature ?? 0.8, ...sampling, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
        model = { provider: "openai-compatible", name: a.model };
        if (a.usage) llmUsage = a.usage;
        raw = a.choices.slice(0, n);
        // Fewer choices than asked, or an empty one: the offline engine fills those places, and says so.
        const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !raw![i]?.content);
        if (missing.length) {
          const o = offline();
          for (const i of missing) raw[i] = { content: o[i]!, finishReason: "stop" };
          model.fallback = `${missing.length} of ${n} replies from ${OFFLINE_PERSONA_MODEL}: the model answered fewer or empty`;
        }
      } catch (err) {
        // The endpoint down or answering nothing: the offline engine answers, and the reply says so.
        model = { provider: "offline", name: OFFLINE_PERSONA_MODEL, fallback: String((err as Error)?.message ?? err).slice(0, 200) };
      }
    }
    raw ??= offline().map((content) => ({ content, finishReason: "stop" as const }));
    let safety: SafetyKind | undefined;
    const screened = raw.map((r) => {
      const v = screenOutput(ctx.prompts, r.content, lang, { char }, persona.flywheel.safety_tier);
      if (v) safety = v.kind;
      // A safety replacement arrives whole; the model's own "length" stop is kept.
      if (v) return { content: v.reply, finishReason: "stop" as const };
      const shaped = shape(r.content, sampling);
      return r.finishReason === "length" ? { ...shaped, finishReason: "length" as const } : shaped;
    });
    const { replies, reminder } = withReminder(ctx, chat, persona, lang, screened);
    const result = { personaId: persona.id, language: lang, model, replies, ...(safety ? { safety } : {}), ...(reminder ? { reminder } : {}), ...sung, usage: llmUsage ?? usage(replies) };
    return { chat, persona, userId, message, lang, analysis, memory, result } satisfies Stored;
  }, (prepared: Stored) => store(ctx, prepared)); // in the settle's atomic unit: the turn is stored if and only if charged
  return { ...r.result!, hold: r.hold, replay: r.replay };
}
