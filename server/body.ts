import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import type { AppEnv } from "./env.ts";
import { describeZodError } from "./errors.ts";

/**
 * Reads a JSON body for routes that validate item by item (one bad event must not sink a batch):
 * the outer shape is checked here, each item by the tool.
 */
export async function readJson<T extends z.ZodType>(c: Context<AppEnv>, shape: T): Promise<z.infer<T>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
    throw new ApiError(ErrorCode.UnsupportedMediaType, bi("需要 application/json", "send Content-Type: application/json"));
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(ErrorCode.MalformedJson, bi("JSON 格式错误", "the body is not valid JSON"));
  }
  const parsed = shape.safeParse(body);
  if (!parsed.success) {
    const { message, details } = describeZodError(parsed.error);
    throw new ApiError(ErrorCode.ValidationFailed, message, details);
  }
  return parsed.data;
}
