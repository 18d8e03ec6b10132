import { OpenAPIHono } from "@hono/zod-openapi";
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
