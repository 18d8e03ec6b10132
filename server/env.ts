import type { Scope } from "../db/schema/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Ctx } from "../tools/context.ts";

export type Auth = { keyId: string; workspaceId: number; scopes: Scope[]; endUserId?: string };

/** Hono's per-request variables. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    auth: Auth;
    ctx: Ctx;
    /** Set on the OpenAI-compatible routes: errors are written in OpenAI's shape (server/errors.ts). */
    errorShape?: "openai";
  };
};
