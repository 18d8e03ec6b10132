import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import type { Prompts } from "../lib/prompts.ts";
import { OfflineModel } from "./offline/model.ts";

export type LlmSettings = { baseURL?: string; apiKey?: string; model?: string; maxRetries?: number };
export type ModelInfo = { provider: "offline" | "openai-compatible"; name: string };

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
