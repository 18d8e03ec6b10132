import type { MiddlewareHandler } from "hono";
import type { Db } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import type { Prompts } from "../../lib/prompts.ts";
import { getWorkspace } from "../../tools/workspaces/index.ts";
import type { AppEnv } from "../env.ts";

/**
 * Routes a workspace takes without an API key, because the caller proves itself another way (a
 * payment provider's signature). The workspace is named in the path: /v1/webhooks/<kind>/<id>.
 */
const PUBLIC_WORKSPACE_PATH = /^\/v1\/webhooks\/[a-z]+\/([^/]+)\/?$/;

/** The workspace id a public path names; undefined for every other path. NaN for a malformed id. */
export function publicWorkspaceOf(path: string): number | undefined {
  const m = PUBLIC_WORKSPACE_PATH.exec(path);
  if (!m) return undefined;
  return /^[1-9]\d{0,9}$/.test(m[1]!) ? Number(m[1]) : NaN;
}

/** Sets the request's tool context for a public path's workspace; 404 when this database has no such workspace. */
export function publicWorkspace(deps: { db: Db; now: () => Date; prompts: Prompts }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = publicWorkspaceOf(c.req.path);
    if (id === undefined) return next();
    if (Number.isNaN(id)) throw new ApiError(ErrorCode.NotFound, bi("工作区不存在", "workspace not found: the path names it by its numeric id"));
    getWorkspace(deps.db, id);
    c.set("ctx", { db: deps.db, workspaceId: id, now: deps.now, log: c.get("log"), prompts: deps.prompts });
    await next();
  };
}
