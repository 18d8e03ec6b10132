import { z } from "zod";
import { Id, UserId } from "../events/schema.ts";
import { PERSONA_LANGUAGES } from "./card.ts";

/** The inputs of the persona chat routes: the native one and the OpenAI-compatible one. */

/** The longest user message a persona reads, in characters. */
export const MAX_MESSAGE = 4000;

export const PersonaChatInput = z
  .strictObject({
    message: z.string().trim().min(1).max(MAX_MESSAGE).meta({ description: "What the user says. 用户消息" }),
    userId: UserId.optional().meta({ description: "The end user (required with an API key; an end-user token names its own). 用户ID" }),
    language: z.enum(PERSONA_LANGUAGES).optional().meta({ description: "Reply language; detected from the message when absent. 回复语言" }),
    requestId: Id.optional().meta({ description: "Idempotency key: a retry is charged once and answers the same. 幂等键" }),
    temperature: z.number().min(0).max(2).optional().meta({ description: "0 is the most predictable. 随机度" }),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
  })
  .meta({ id: "PersonaChatInput" });

const Text = z.string().max(32_000);
const ContentPart = z.looseObject({ type: z.string(), text: Text.optional() });
const Message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([Text, z.array(ContentPart).max(64), z.null()]).optional(),
  name: z.string().max(64).optional(),
});
const MaxTokens = z.number().int().min(1).max(4096).nullish();

/**
 * OpenAI's chat-completions request, as far as a persona uses it. Other known parameters
 * (top_p, penalties, logit_bias …) are accepted and have no effect offline, as with many
 * OpenAI-compatible servers, so an unmodified client never fails on them.
 */
export const ChatCompletionInput = z
  .looseObject({
    model: z.string().min(1).max(200).meta({ description: "`persona:<id>`, as listed by GET /v1/models. 角色模型" }),
    messages: z.array(Message).min(1).max(1000).meta({ description: "The last message must be the user's; the persona keeps the conversation and memory on the server per user. 消息" }),
    user: UserId.optional().meta({ description: "The end user who chats and is charged (required with an API key). 终端用户" }),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    n: z.number().int().min(1).max(4).nullish().meta({ description: "Alternative replies (1–4); the first is kept in the conversation. 候选数" }),
    stop: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(4)]).nullish(),
    max_tokens: MaxTokens,
    max_completion_tokens: MaxTokens,
    temperature: z.number().min(0).max(2).nullish(),
    seed: z.number().int().nullish(),
  })
  .meta({ id: "ChatCompletionRequest" });
export type ChatCompletionInput = z.infer<typeof ChatCompletionInput>;
