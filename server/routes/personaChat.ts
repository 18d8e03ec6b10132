import { createRoute, z } from "@hono/zod-openapi";
import { HoldView } from "../../billing/holds.ts";
import type { Ctx } from "../../tools/context.ts";
import type { SongDeps } from "../../tools/songs/service.ts";
import { chatTurn } from "../../tools/personas/chat.ts";
import { chatHistory, resetChat } from "../../tools/personas/history.ts";
import { getPersona } from "../../tools/personas/library.ts";
import { MemoryInput, addMemory, deleteMemory, editMemory, listMemories } from "../../tools/personas/memory.ts";
import { PersonaChatInput } from "../../tools/personas/schema.ts";
import { UserId } from "../../tools/events/schema.ts";
import { errorResponses } from "../errors.ts";
import { requestUser } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const PersonaParams = z.object({ id: z.string().min(1).max(64).meta({ description: "The persona's id, e.g. nuannan. 角色ID" }) });
const MemoryParams = PersonaParams.extend({ memoryId: z.string().min(1).max(64) });
const UserQuery = z.object({ userId: UserId.optional().meta({ description: "The end user (required with an API key). 用户ID" }) });
const Memory = z.object({ id: z.string(), text: z.string(), slot: z.string().nullable(), source: z.enum(["user", "auto"]), createdAt: z.string(), updatedAt: z.string() }).meta({ id: "PersonaMemory" });
const Reply = z.object({ content: z.string(), finishReason: z.enum(["stop", "length"]) });
const TurnResult = z
  .object({
    chatId: z.string(),
    personaId: z.string(),
    language: z.enum(["zh", "en"]),
    model: z.object({ provider: z.enum(["offline", "openai-compatible", "safety"]), name: z.string(), fallback: z.string().optional() }).meta({ description: "Which model answered. 回答所用模型" }),
    replies: z.array(Reply),
    safety: z.string().optional().meta({ description: "Set when the safety layer answered or changed the reply (self_harm, ai_question …). 安全处理" }),
    reminder: z.string().optional().meta({ description: "The break reminder after two hours of continuous chat. 防沉迷提醒" }),
    song: z.record(z.string(), z.unknown()).optional(),
    songError: z.object({ code: z.string(), message: z.string() }).optional(),
    usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
    memory: z.array(Memory),
    hold: HoldView.optional(),
    replay: z.boolean(),
  })
  .meta({ id: "PersonaChatTurn" });

/** Memory is per persona: an unknown persona is a 404, not an empty list. */
const personaId = (ctx: Ctx, id: string) => getPersona(ctx, id).id;

/** A message is a few KB at most. */
const MAX_CHAT_BODY = 32 * 1024;

/** The native persona chat (with memory and history) for apps; /v1/chat/completions is the OpenAI-shaped door to the same turn. */
export function registerPersonaChat(app: Router, deps: SongDeps) {
  const route = routesFor("personas", "generate", { endUsers: true });
  app.use("/v1/personas/:id/chat", limitBody(MAX_CHAT_BODY));
  app.use("/v1/personas/:id/memories/*", limitBody(MAX_CHAT_BODY));
  app.openapi(
    createRoute({
      ...route("post", "/v1/personas/{id}/chat", "Chat with a persona / 与角色聊天", {
        description:
          "One turn: the message is screened (a crisis line, a refusal or “I am an AI” answers instead, free of charge), the persona replies (the offline engine, or the configured LLM), the reply is screened, pinned facts and the summary are kept. Metered: one `chat_message`. Asking it to sing (“给我唱首歌”) makes a song through the metered song path.",
      }),
      request: { params: PersonaParams, ...jsonBody(PersonaChatInput) },
      responses: { ...ok(TurnResult, "The persona's reply / 角色回复"), ...errorResponses },
    }),
    async (c) => {
      const { message, userId, requestId, ...opts } = c.req.valid("json");
      const r = await chatTurn(c.get("ctx"), deps, c.req.valid("param").id, requestUser(c, userId), message, { ...opts, keyId: c.get("auth").keyId, ...(requestId ? { requestId } : {}) });
      return c.json(r, 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/personas/{id}/chat", "A chat's messages, summary and memory / 聊天记录"),
      request: { params: PersonaParams, query: UserQuery.extend({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { ...ok(z.record(z.string(), z.unknown()), "Latest messages, oldest first"), ...errorResponses },
    }),
    (c) => {
      const q = c.req.valid("query");
      return c.json(chatHistory(c.get("ctx"), c.req.valid("param").id, requestUser(c, q.userId), q.limit), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("delete", "/v1/personas/{id}/chat", "Start over: delete the chat (pinned facts stay) / 清空聊天"),
      request: { params: PersonaParams, query: UserQuery },
      responses: { ...ok(z.object({ deletedMessages: z.number() }), "Deleted"), ...errorResponses },
    }),
    (c) => c.json(resetChat(c.get("ctx"), c.req.valid("param").id, requestUser(c, c.req.valid("query").userId)), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/personas/{id}/memories", "Pinned facts the persona keeps about the user / 记忆"),
      request: { params: PersonaParams, query: UserQuery },
      responses: { ...ok(z.object({ memories: z.array(Memory) }), "Oldest first"), ...errorResponses },
    }),
    (c) => c.json({ memories: listMemories(c.get("ctx"), requestUser(c, c.req.valid("query").userId), personaId(c.get("ctx"), c.req.valid("param").id)) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/personas/{id}/memories", "Pin a fact / 添加记忆"),
      request: { params: PersonaParams, ...jsonBody(MemoryInput) },
      responses: { ...ok(Memory, "Pinned"), ...errorResponses },
    }),
    (c) => {
      const body = c.req.valid("json");
      return c.json(addMemory(c.get("ctx"), requestUser(c, body.userId), personaId(c.get("ctx"), c.req.valid("param").id), body.text), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("patch", "/v1/personas/{id}/memories/{memoryId}", "Rewrite a pinned fact / 修改记忆"),
      request: { params: MemoryParams, ...jsonBody(MemoryInput) },
      responses: { ...ok(Memory, "Rewritten: the next reply reads it"), ...errorResponses },
    }),
    (c) => {
      const body = c.req.valid("json");
      const p = c.req.valid("param");
      return c.json(editMemory(c.get("ctx"), requestUser(c, body.userId), personaId(c.get("ctx"), p.id), p.memoryId, body.text), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("delete", "/v1/personas/{id}/memories/{memoryId}", "Delete a pinned fact / 删除记忆"),
      request: { params: MemoryParams, query: UserQuery },
      responses: { ...ok(z.object({ deleted: z.string() }), "Deleted"), ...errorResponses },
    }),
    (c) => {
      const p = c.req.valid("param");
      return c.json(deleteMemory(c.get("ctx"), requestUser(c, c.req.valid("query").userId), personaId(c.get("ctx"), p.id), p.memoryId), 200);
    },
  );
}
