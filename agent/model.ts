import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import type { Prompts } from "../lib/prompts.ts";
import { OfflineModel } from "./offline/model.ts";

export type LlmSettings = { baseURL?: string; apiKey?: string; model?: string; maxRetries?: number };
export type ModelInfo = { provider: "offline" | "openai-compatible"; name: string };

/** The endpoint named by LLM_BASE_URL / LLM_MODEL (and LLM_API_KEY), or undefined for the offline model. */
export function llmFromEnv(env: { LLM_BASE_URL?: string; LLM_API_KEY?: string; LLM_MODEL?: string }): LlmSettings | undefined {
  if (!env.LLM_BASE_URL || !env.LLM_MODEL) return undefined;
  return { baseURL: env.LLM_BASE_URL, model: env.LLM_MODEL, ...(env.LLM_API_KEY ? { apiKey: env.LLM_API_KEY } : {}) };
}

/**
 * The agent's model: any OpenAI-compatible endpoint when LLM_BASE_URL/LLM_API_KEY/LLM_MODEL are
 * set, else the built-in offline model. Both are LangChain chat models, so the graph, the approval
 * gate and the evaluation are the same either way.
 */
export function pickModel(llm: LlmSettings | undefined, prompts: Prompts): { model: BaseChatModel; info: ModelInfo } {
  if (llm?.baseURL && llm.model) {
    return {
      model: new ChatOpenAI({
        model: llm.model,
        apiKey: llm.apiKey ?? "none",
        temperature: 0,
        maxRetries: llm.maxRetries ?? 2,
        configuration: { baseURL: llm.baseURL },
      }),
      info: { provider: "openai-compatible", name: llm.model },
    };
  }
  return { model: new OfflineModel({ prompts }), info: { provider: "offline", name: OfflineModel.NAME } };
}
