import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { chatTurn, type TurnResult } from "../../tools/personas/chat.ts";
import { PERSONA_MODEL_PREFIX, listPersonas, personaModel } from "../../tools/personas/library.ts";
import { ChatCompletionInput, MAX_MESSAGE } from "../../tools/personas/schema.ts";
import type { SongDeps } from "../../tools/songs/service.ts";
import type { AppEnv } from "../env.ts";
import { errorResponses } from "../errors.ts";
import { requestUser } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";
import { completionBody, sseBody } from "./chatCompletionChunks.ts";

/**
 * The OpenAI chat-completions door to the personas, so the official `openai` SDK (and SillyTavern,
 * and anything else that speaks it) works unchanged: `GET /v1/models` lists `persona:<id>`,
 * `POST /v1/chat/completions` answers as the persona, streamed or not. Errors on these routes take
 * OpenAI's shape (server/middleware/openaiErrors.ts).
 */

const MAX_BODY = 512 * 1024;

const ModelObject = z.object({ id: z.string(), object: z.literal("model"), created: z.number(), owned_by: z.string() }).meta({ id: "OpenAIModel" });

function models(c: Context<AppEnv>) {
  const created = Math.floor(Date.parse("2026-12-01T00:00:00Z") / 1000);
  return listPersonas(c.get("ctx")).map((p) => ({ id: personaModel(p.id), object: "model" as const, created, owned_by: p.builtin ? "flywheel" : "workspace" }));
}

const invalid = (param: string, zh: string, en: string) => new ApiError(ErrorCode.ValidationFailed, bi(zh, en), [{ path: param, message: en }]);

/** The text of the last message, which must be the user's: the conversation itself is kept on the server. */
function lastUserText(messages: ChatCompletionInput["messages"]): string {
  const last = messages[messages.length - 1]!;
  if (last.role !== "user") throw invalid("messages", "最后一条消息须为用户消息", "the last message must have role 'user'");
  // Parts joined by a line break: "I want to" + "die" must read as the words they are, for the safety screen too.
  const text = typeof last.content === "string" ? last.content : (last.content ?? []).map((p) => (p.type === "text" ? (p.text ?? "") : "")).filter(Boolean).join("\n");
  if (!text.trim()) throw invalid("messages", "用户消息为空", "the user message has no text");
  if (text.length > MAX_MESSAGE) throw invalid("messages", `用户消息超过 ${MAX_MESSAGE} 字`, `the user message is over ${MAX_MESSAGE} characters`);
  return text.trim();
}

export function registerChatCompletions(app: Router, deps: SongDeps) {
  const route = routesFor("chat completions (OpenAI-compatible)", "generate", { endUsers: true });
  app.use("/v1/chat/completions", limitBody(MAX_BODY));
  app.openapi(
    createRoute({
      ...route("get", "/v1/models", "Personas as models / 角色模型列表", { description: "OpenAI's model list: each persona is `persona:<id>`." }),
      responses: { ...ok(z.object({ object: z.literal("list"), data: z.array(ModelObject) }), "The models"), ...errorResponses },
    }),
    (c) => c.json({ object: "list" as const, data: models(c) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/models/{model}", "One persona model / 单个角色模型"),
      request: { params: z.object({ model: z.string().min(1).max(200) }) },
      responses: { ...ok(ModelObject, "The model"), ...errorResponses },
    }),
    (c) => {
      const id = c.req.valid("param").model;
      const m = models(c).find((x) => x.id === id);
      if (!m) throw new ApiError(ErrorCode.NotFound, bi(`模型 ${id} 不存在`, `The model '${id}' does not exist`), [{ path: "model", message: "model_not_found" }]);
      return c.json(m, 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/chat/completions", "Chat with a persona, OpenAI-style / OpenAI 兼容对话", {
        description:
          "`model: \"persona:<id>\"`, `user` = the end user (required with an API key). Streaming (SSE, `stream_options.include_usage` adds the usage chunk), `n` (1–4), `stop`, `max_tokens`, `temperature`, `seed`. The persona keeps the conversation and pinned memory per user on the server: send the new user message last (earlier messages are accepted and not re-read). Metered: one `chat_message` per request. `system_fingerprint` and the `flywheel.answeredBy` field say which model answered. Header `Idempotency-Key` makes a retry answer the same and charge once.",
      }),
      request: jsonBody(ChatCompletionInput),
      responses: {
        ...ok(z.record(z.string(), z.unknown()), "A chat.completion object, or with `stream: true` a text/event-stream of chat.completion.chunk objects ending in `data: [DONE]`"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (!body.model.startsWith(PERSONA_MODEL_PREFIX))
        throw new ApiError(ErrorCode.NotFound, bi(`模型 ${body.model} 不存在：请用 persona:<id>`, `The model '${body.model}' does not exist: use persona:<id> (GET /v1/models)`), [{ path: "model", message: "model_not_found" }]);
      const personaId = body.model.slice(PERSONA_MODEL_PREFIX.length);
      const message = lastUserText(body.messages);
      const userId = requestUser(c, body.user ?? undefined, "user");
      const idem = c.req.header("idempotency-key");
      if (idem !== undefined && (idem.length < 1 || idem.length > 128))
        throw new ApiError(ErrorCode.ValidationFailed, bi("Idempotency-Key 须为 1–128 个字符", "Idempotency-Key must be 1 to 128 characters"), [{ path: "Idempotency-Key", message: "1 to 128 characters" }]);
      const stop = body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop;
      const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
      let turn: TurnResult & { replay: boolean };
      try {
        turn = await chatTurn(c.get("ctx"), deps, personaId, userId, message, {
          n: body.n ?? 1,
          ...(body.temperature != null ? { temperature: body.temperature } : {}),
          ...(maxTokens ? { maxTokens } : {}),
          ...(stop ? { stop } : {}),
          ...(body.seed != null ? { seed: body.seed } : {}),
          ...(idem ? { requestId: idem } : {}),
          keyId: c.get("auth").keyId,
        });
      } catch (err) {
        // An unknown persona is an unknown model to an OpenAI client.
        if (err instanceof ApiError && err.status === 404) throw new ApiError(ErrorCode.NotFound, err.message, [{ path: "model", message: "model_not_found" }]);
        throw err;
      }
      c.header("x-flywheel-model", `${turn.model.provider}/${turn.model.name}`);
      if (body.stream)
        return c.body(sseBody(body.model, turn, !!body.stream_options?.include_usage), 200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" }) as never;
      return c.json(completionBody(body.model, turn), 200);
    },
  );
}
