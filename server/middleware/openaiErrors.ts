import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";

/**
 * On the OpenAI-compatible routes, errors take OpenAI's shape (`{error: {message, type, param,
 * code}}`), which the official SDKs parse into their error classes. Every error is still made
 * once, as our envelope, by the one onError; this rewrites it on the way out, so the two can never
 * disagree about the status or the message.
 */

const TYPE: Record<number, string> = {
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

type Envelope = { error?: { code?: string; message?: string; requestId?: string; details?: unknown } };

export function isOpenAiPath(path: string) {
  return path === "/v1/chat/completions" || path === "/v1/models" || path.startsWith("/v1/models/");
}

export const openAiErrors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const res = c.res;
  if (res.status < 400 || !res.headers.get("content-type")?.includes("application/json")) return;
  const body = (await res.clone().json().catch(() => undefined)) as Envelope | undefined;
  const e = body?.error;
  if (!e?.code || typeof e.message !== "string") return;
  const first = Array.isArray(e.details) ? (e.details[0] as { path?: string; message?: string } | undefined) : undefined;
  const code = first?.message === "model_not_found" ? "model_not_found" : e.code;
  const shaped = {
    error: {
      message: e.message,
      type: TYPE[res.status] ?? "server_error",
      param: first?.path || null,
      code,
      ...(e.details !== undefined ? { details: e.details } : {}),
      ...(e.requestId ? { request_id: e.requestId } : {}),
    },
  };
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify(shaped), { status: res.status, headers });
};
