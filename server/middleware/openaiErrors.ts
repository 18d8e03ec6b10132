import type { MiddlewareHandler } from "hono";
import { ERROR_STATUS, type ErrorCode } from "../../lib/errors.ts";
import type { AppEnv } from "../env.ts";

/**
 * On the OpenAI-compatible routes, errors take OpenAI's shape (`{error: {message, type, param,
 * code}}`), which the official SDKs parse into their error classes. The one onError and the
 * validation hook still make every error; `errorBody` (server/errors.ts) writes it in this shape
 * when the route set the flag, so the two shapes can never disagree about status or message.
 */

const TYPE: Partial<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "insufficient_quota",
  403: "permission_error",
  404: "invalid_request_error",
  409: "invalid_request_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  429: "rate_limit_error",
};

/** The chat API's paths, and OpenAI's neighbours a client may try (their 404 in OpenAI's shape too). */
export function isOpenAiPath(path: string) {
  return /^\/v1\/(?:chat\/|completions\/?$|embeddings\/?$|models\/?$|models\/)/.test(path);
}

/** Marks the request so its errors are written in OpenAI's shape; registered before authentication. */
export const openAiErrors: MiddlewareHandler<AppEnv> = (c, next) => {
  c.set("errorShape", "openai");
  return next();
};

/** Our error as OpenAI writes one: `param` from the first detail's path, `model_not_found` kept as OpenAI's code. */
export function openAiErrorBody(code: ErrorCode, message: string, details: unknown, requestId: string) {
  const first = Array.isArray(details) ? (details[0] as { path?: string; message?: string } | undefined) : undefined;
  return {
    error: {
      message,
      type: TYPE[ERROR_STATUS[code]] ?? "server_error",
      param: first?.path || null,
      code: first?.message === "model_not_found" ? "model_not_found" : code,
      ...(details !== undefined ? { details } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    },
  };
}
