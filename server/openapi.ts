import { OpenAPIHono } from "@hono/zod-openapi";
import type { Scope } from "../db/schema/index.ts";
import { requireScope } from "./middleware/auth.ts";
import type { AppEnv } from "./env.ts";
import { validationHook } from "./errors.ts";

/** Every router is made here, so every route shares the one validation hook. */
export const newRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never });
export type Router = ReturnType<typeof newRouter>;

export const bearerSecurity = [{ bearerAuth: [] }];

/** A 200 JSON response entry for a route definition. */
export const ok = <T>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
});

/** A required JSON request body. */
export const jsonBody = <T>(schema: T, description?: string) => ({
  body: { required: true, content: { "application/json": { schema } }, ...(description ? { description } : {}) },
});

/**
 * The common part of a route definition for one resource: its tag, the bearer key, and the scope
 * it requires. Spread into createRoute with the request and responses.
 */
export const routesFor =
  (tag: string, scope: Scope, opts: { endUsers?: boolean } = {}) =>
  <M extends "get" | "post" | "patch" | "delete", P extends string>(method: M, path: P, summary: string, more: { description?: string; tags?: string[] } = {}) => ({
    method,
    path,
    summary,
    ...(more.description || opts.endUsers
      ? { description: [more.description, opts.endUsers ? "Also takes an end-user token, for its own user only. 也接受终端用户令牌（仅限本人）。" : ""].filter(Boolean).join("\n\n") }
      : {}),
    tags: more.tags ?? [tag],
    security: bearerSecurity,
    middleware: [requireScope(scope, opts)],
  });
