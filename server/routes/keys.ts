import { createRoute, z } from "@hono/zod-openapi";
import { CreateKeyInput, KeyView, UpdateKeyInput, createKey, listKeys, revokeKey, updateKey } from "../../tools/keys/index.ts";
import { WorkspaceSettings, getWorkspace, updateWorkspace, workspaceView } from "../../tools/workspaces/index.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const KeyParams = z.object({ id: z.string().min(1).max(64) });
const Workspace = z.object({ id: z.number(), name: z.string(), timezone: z.string(), nonActivityEvents: z.array(z.string()), settings: z.record(z.string(), z.unknown()), createdAt: z.string() });

export function registerKeys(app: Router) {
  const route = routesFor("keys", "admin");

  app.openapi(
    createRoute({
      ...route("post", "/v1/keys", "Create a key (shown once) / 创建密钥"),
      request: jsonBody(CreateKeyInput),
      responses: { ...ok(KeyView.extend({ key: z.string() }), "The key; store it now / 密钥仅显示一次"), ...errorResponses },
    }),
    (c) => c.json(createKey(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/keys", "List keys / 密钥列表"), responses: { ...ok(z.object({ keys: z.array(KeyView) }), "Keys"), ...errorResponses } }),
    (c) => c.json({ keys: listKeys(c.get("ctx")) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("patch", "/v1/keys/{id}", "Rename or set a key's rate limit / 修改密钥"),
      request: { params: KeyParams, ...jsonBody(UpdateKeyInput) },
      responses: { ...ok(KeyView, "The key"), ...errorResponses },
    }),
    (c) => c.json(updateKey(c.get("ctx"), c.req.valid("param").id, c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...route("delete", "/v1/keys/{id}", "Revoke a key / 吊销密钥"),
      request: { params: KeyParams },
      responses: { ...ok(KeyView, "The revoked key"), ...errorResponses },
    }),
    (c) => c.json(revokeKey(c.get("ctx"), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/workspace", "This workspace / 工作区", { tags: ["workspace"] }), responses: { ...ok(Workspace, "Workspace"), ...errorResponses } }),
    (c) => c.json(workspaceView(getWorkspace(c.get("ctx").db, c.get("ctx").workspaceId)), 200),
  );
  app.openapi(
    createRoute({
      ...route("patch", "/v1/workspace", "Workspace settings / 工作区设置", { tags: ["workspace"] }),
      description: "Timezone, non-activity events, and RFM and lifecycle settings. A new timezone applies to events ingested from now on.",
      request: jsonBody(WorkspaceSettings),
      responses: { ...ok(Workspace, "Workspace"), ...errorResponses },
    }),
    (c) => c.json(workspaceView(updateWorkspace(c.get("ctx").db, c.get("ctx").workspaceId, c.req.valid("json"))), 200),
  );
}
