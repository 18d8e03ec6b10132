import { newId } from "../../lib/ids.ts";
import type { TurnResult } from "../../tools/personas/chat.ts";

/**
 * A persona turn as OpenAI's wire objects: a `chat.completion`, or the `chat.completion.chunk`
 * stream (role first, the content in small pieces, a finish chunk per choice, the usage chunk with
 * empty `choices` when asked, then `[DONE]`).
 */

type Turn = TurnResult & { hold?: unknown; replay: boolean };

const fingerprint = (t: Turn) => `${t.model.provider}:${t.model.name}`;

/** What OpenAI clients ignore and ours read: who answered, the chat, safety, the reminder, a song, the hold. */
function extension(t: Turn) {
  return {
    answeredBy: t.model,
    chatId: t.chatId,
    personaId: t.personaId,
    language: t.language,
    ...(t.safety ? { safety: t.safety } : {}),
    ...(t.reminder ? { reminder: t.reminder } : {}),
    ...(t.song ? { song: t.song } : {}),
    ...(t.songError ? { songError: t.songError } : {}),
    memory: t.memory,
    ...(t.hold ? { hold: t.hold } : {}),
    replay: t.replay,
  };
}

const usageOf = (t: Turn) => ({ prompt_tokens: t.usage.promptTokens, completion_tokens: t.usage.completionTokens, total_tokens: t.usage.promptTokens + t.usage.completionTokens });
const created = () => Math.floor(Date.now() / 1000);

export function completionBody(model: string, t: Turn) {
  return {
    id: newId("chatcmpl"),
    object: "chat.completion",
    created: created(),
    model,
    system_fingerprint: fingerprint(t),
    choices: t.replies.map((r, index) => ({ index, message: { role: "assistant", content: r.content, refusal: null }, logprobs: null, finish_reason: r.finishReason })),
    usage: usageOf(t),
    flywheel: extension(t),
  };
}

/** Pieces the size a token stream would send: a few Han characters, or a word with its space. */
export function pieces(text: string): string[] {
  return text.match(/\p{Script=Han}{1,3}|[^\s\p{Script=Han}]+\s*|\s+/gu) ?? [];
}

export function sseBody(model: string, t: Turn, includeUsage: boolean): string {
  const id = newId("chatcmpl");
  const at = created();
  const base = { id, object: "chat.completion.chunk", created: at, model, system_fingerprint: fingerprint(t) };
  const lines: string[] = [];
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => lines.push(`data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`);
  t.replies.forEach((r, index) => {
    send([{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
    for (const p of pieces(r.content)) send([{ index, delta: { content: p }, logprobs: null, finish_reason: null }]);
  });
  t.replies.forEach((r, index) => send([{ index, delta: {}, logprobs: null, finish_reason: r.finishReason }], index === t.replies.length - 1 ? { flywheel: extension(t) } : {}));
  if (includeUsage) lines.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(t) })}\n\n`);
  lines.push("data: [DONE]\n\n");
  return lines.join("");
}
