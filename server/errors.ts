import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { ApiError, ERROR_STATUS, ErrorCode, bi } from "../lib/errors.ts";
import type { AppEnv } from "./env.ts";
import { openAiErrorBody } from "./middleware/openaiErrors.ts";

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorEnvelope } },
});

/** Spread into every route's responses so the document lists the errors it can answer with. */
export const errorResponses = {
  400: errorResponse("Bad request: malformed JSON or invalid input / 请求无效"),
  401: errorResponse("Missing or unknown API key / 缺少或无效的密钥"),
  403: errorResponse("The key lacks the scope / 密钥权限不足"),
  404: errorResponse("Not found in this workspace / 未找到"),
  409: errorResponse("Conflicts with what is stored / 与现有数据冲突"),
  413: errorResponse("Body too large / 请求体过大"),
  429: errorResponse("Rate limited; see Retry-After / 请求过于频繁"),
} as const;

/** Where a zod error points, as `events.3.timestamp`, and what is wrong there. */
export function describeZodError(error: ZodError): { message: string; details: { path: string; message: string }[] } {
  const details = error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = details[0];
  return {
    message: bi("输入无效", `invalid input${first ? `: ${first.path ? first.path + ": " : ""}${first.message}` : ""}`),
    details,
  };
}

export function errorBody(c: Context<AppEnv>, code: ErrorCode, message: string, details?: unknown) {
  if (c.get("errorShape") === "openai") return openAiErrorBody(code, message, details, c.get("requestId") ?? "");
  return { error: { code, message, requestId: c.get("requestId") ?? "", ...(details === undefined ? {} : { details }) } };
}

export function sendError(c: Context<AppEnv>, err: ApiError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(errorBody(c, err.code, err.message, err.details), err.status);
}

/** The one onError: everything becomes the envelope; only real faults are 500s, and they are logged. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof ApiError) return sendError(c, err);
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      status === 413
        ? ErrorCode.PayloadTooLarge
        : status === 401
          ? ErrorCode.Unauthorized
          : /json/i.test(err.message)
            ? ErrorCode.MalformedJson
            : status === 415
              ? ErrorCode.UnsupportedMediaType
              : status === 404
                ? ErrorCode.NotFound
                : ErrorCode.BadRequest;
    const zh = code === ErrorCode.MalformedJson ? "JSON 格式错误" : "请求无效";
    return sendError(c, new ApiError(code, bi(zh, err.message || "bad request")));
  }
  c.get("log")?.error("unhandled error", { err: err.stack ?? String(err), path: c.req.path });
  return c.json(errorBody(c, ErrorCode.Internal, bi("服务器内部错误", "internal error")), ERROR_STATUS.internal_error);
}

/** The zod default hook for every OpenAPI route: validation failures become a 400 envelope. */
export function validationHook(result: { success: boolean; error?: unknown }, c: Context<AppEnv>) {
  if (!result.success) {
    const { message, details } = describeZodError(result.error as ZodError);
    return c.json(errorBody(c, ErrorCode.ValidationFailed, message, details), 400);
  }
}
