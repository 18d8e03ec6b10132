import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { LlmEndpoint } from "../songs/lyrics/index.ts";

export type LlmChoice = { content: string; finishReason: "stop" | "length" };
export type LlmAnswer = { choices: LlmChoice[]; model: string; usage?: { promptTokens: number; completionTokens: number } };
export type Sampling = { n: number; temperature: number; maxTokens?: number; stop?: string[]; seed?: number };

/**
 * One persona turn from an OpenAI-compatible endpoint, whole (not streamed): every reply passes the
 * safety screen before any of it reaches the user, so the API streams only what was screened.
 */
export async function personaFromLlm(llm: LlmEndpoint, messages: ChatCompletionMessageParam[], s: Sampling): Promise<LlmAnswer> {
  const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey ?? "none", maxRetries: 0, timeout: llm.timeoutMs ?? 60_000 });
  const r = await client.chat.completions.create({
    model: llm.model,
    messages,
    n: s.n,
    temperature: s.temperature,
    ...(s.maxTokens ? { max_tokens: s.maxTokens } : {}),
    ...(s.stop?.length ? { stop: s.stop } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
  });
  const choices = r.choices
    .slice()
    .sort((a, b) => a.index - b.index)
    .map((c) => ({ content: (c.message.content ?? "").replace(/<think>[\s\S]*?<\/think>/gi, "").trim(), finishReason: c.finish_reason === "length" ? ("length" as const) : ("stop" as const) }));
  // Nothing usable at all is a failure (the caller falls back); some empty choices are the caller's to fill.
  if (!choices.length || choices.every((c) => !c.content)) throw new Error("the model answered with no text");
  return { choices, model: r.model || llm.model, ...(r.usage ? { usage: { promptTokens: r.usage.prompt_tokens, completionTokens: r.usage.completion_tokens } } : {}) };
}
