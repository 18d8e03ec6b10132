import { createRoute, z } from "@hono/zod-openapi";
import type { Db } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import type { Prompts } from "../../lib/prompts.ts";
import { keyFromHeader } from "../middleware/auth.ts";
import { createKey, KeyView } from "../../tools/keys/index.ts";
import { CreateWorkspaceInput, createWorkspace, workspaceView } from "../../tools/workspaces/index.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, type Router } from "../openapi.ts";

const WorkspaceView = z.object({ id: z.number(), name: z.string(), timezone: z.string(), createdAt: z.string() });

/** Constant-time enough for a token compare: no early exit on the first differing character. */
function same(a: string, b: string) {
  let d = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) d |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return d === 0;
}

/**
 * Workspace creation over HTTP, for a deployment with no shell (Workers): enabled only when an
 * ADMIN_TOKEN is configured, and answered with the workspace and its first all-scope key.
 */
export function registerAdmin(app: Router, deps: { db: Db; now: () => Date; prompts: Prompts; adminToken: string }) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/workspaces",
      summary: "Create a workspace and its first key / 创建工作区",
      description: "Needs `Authorization: Bearer <ADMIN_TOKEN>`. The key is shown once.",
      tags: ["admin"],
      security: [{ bearerAuth: [] }],
      request: jsonBody(CreateWorkspaceInput),
      responses: { ...ok(z.object({ workspace: WorkspaceView, key: KeyView.extend({ key: z.string() }) }), "The workspace and its key / 工作区与密钥"), ...errorResponses },
    }),
    (c) => {
      const token = keyFromHeader(c.req.header("authorization"));
      if (!token || !same(token, deps.adminToken)) throw new ApiError(ErrorCode.Unauthorized, bi("管理令牌无效", "missing or wrong admin token"));
      const now = deps.now();
      const ws = createWorkspace(deps.db, c.req.valid("json"), now);
      const key = createKey({ db: deps.db, workspaceId: ws.id, now: () => now, log: c.get("log"), prompts: deps.prompts }, { name: "admin", scopes: ["ingest", "operator", "generate", "admin"] });
      const { id, name, timezone, createdAt } = workspaceView(ws);
      return c.json({ workspace: { id, name, timezone, createdAt }, key }, 200);
    },
  );
}
