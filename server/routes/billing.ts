import { createRoute, z } from "@hono/zod-openapi";
import { CatalogPatch, CompensationGrant, CompensationInput, grantCompensation, patchCatalog } from "../../billing/admin.ts";
import { Catalog, Credits, MILLI, getCatalog } from "../../billing/catalog.ts";
import { balance, ledgerOf } from "../../billing/balance.ts";
import { keyHeadroom, keyLimitOf, setKeyLimit } from "../../billing/keyLimits.ts";
import { BillingOverview, OverviewInput, billingOverview } from "../../billing/overview.ts";
import { UsageQuery, UsageReport, usage } from "../../billing/usage.ts";
import { atomic } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { localIso } from "../../lib/time.ts";
import type { Ctx } from "../../tools/context.ts";
import { getWorkspace } from "../../tools/workspaces/index.ts";
import { MeteredResult, MeteredUser, metered } from "../../billing/metered.ts";
import { generateCopy } from "../../tools/copy/generate.ts";
import { CopyInput, CopyResult } from "../../tools/copy/schema.ts";
import { UserId } from "../../tools/events/schema.ts";
import { errorResponses } from "../errors.ts";
import { bearerSecurity, jsonBody, ok, routesFor, type Router } from "../openapi.ts";
import { actingUser } from "../middleware/auth.ts";

const Json = z.record(z.string(), z.unknown());
const UserParams = z.object({ userId: UserId });
const MeteredCopyInput = z.strictObject({ ...MeteredUser, copy: CopyInput });

/**
 * Key ids are checked for shape only: on Workers the keys live in the directory object and a
 * workspace cannot look one up, so a cap is stored for the id given (and a typo shows as a cap no
 * key ever reaches; GET /v1/billing/keys/self/limit lets a key see its own).
 */
const KeyParams = z.object({ keyId: z.string().regex(/^key_[0-9A-Za-z]{1,60}$/, "an API key id such as key_3fA9…").meta({ description: "The API key's id (GET /v1/keys). 密钥编号" }) });
const KeyLimitInput = z
  .strictObject({
    credits: Credits(1_000_000).meta({ description: "Credits the key may spend per period, up to 3 decimals; 0 blocks metered use. 额度上限" }),
    refill: z.enum(["monthly", "never"]).meta({ description: "monthly: the cap refills at the start of each month in the workspace timezone; never: a one-off budget. 补充方式" }),
  })
  .meta({ id: "KeyLimitInput" });
const KeyLimitView = z.object({
  keyId: z.string(),
  limit: z
    .object({ credits: z.number(), refill: z.enum(["monthly", "never"]), used: z.number(), left: z.number(), resetsAt: z.string().nullable().meta({ description: "Next refill in local time; null without refill. 下次补充" }) })
    .nullable()
    .meta({ description: "null: the key has no cap (the user's balance alone decides). 无上限" }),
});

function keyLimitView(ctx: Ctx, keyId: string): z.infer<typeof KeyLimitView> {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const row = keyLimitOf(ctx.db, ws.id, keyId);
  const h = keyHeadroom(ctx.db, ws, keyId, ctx.now().getTime());
  if (!row || !h) return { keyId, limit: null };
  return { keyId, limit: { credits: h.limit / MILLI, refill: row.refill, used: h.used / MILLI, left: h.left / MILLI, resetsAt: h.resetsAt === null ? null : localIso(h.resetsAt, ws.timezone) } };
}

export function registerBilling(app: Router) {
  const route = routesFor("billing", "generate");
  const ownRoute = routesFor("billing", "generate", { endUsers: true });
  const admin = routesFor("billing", "admin");
  const operator = routesFor("billing", "operator");
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/billing/catalog",
      summary: "Plans, packs, subscription and feature costs / 计费目录",
      description: "Any key of the workspace. Prices in fen (CNY).",
      tags: ["billing"],
      security: bearerSecurity,
      responses: { ...ok(Catalog, "The catalogue / 目录"), ...errorResponses },
    }),
    (c) => c.json(getCatalog(c.get("ctx").db, c.get("ctx").workspaceId), 200),
  );
  app.openapi(
    createRoute({
      ...ownRoute("get", "/v1/billing/users/{userId}/balance", "A user's allowance and credits / 用户额度"),
      request: { params: UserParams },
      responses: { ...ok(Json, "Per feature: this period's allowance (used, left, next reset in local time), other credits; open holds"), ...errorResponses },
    }),
    (c) => c.json(balance(c.get("ctx"), actingUser(c.get("auth"), c.req.valid("param").userId)), 200),
  );
  app.openapi(
    createRoute({
      ...ownRoute("get", "/v1/billing/users/{userId}/ledger", "A user's credit ledger / 额度流水"),
      request: { params: UserParams },
      responses: { ...ok(z.object({ entries: z.array(Json) }), "Grants, holds, settles, releases, newest first"), ...errorResponses },
    }),
    (c) => c.json({ entries: ledgerOf(c.get("ctx"), actingUser(c.get("auth"), c.req.valid("param").userId)) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/generations/copy", "Metered copy generation / 计费文案生成"),
      description:
        "Charges the user one `copy` use: the cost is held, the copy generated, the hold settled; a failure releases it. Out of credits → 402 naming every way out. Scope: generate.",
      request: jsonBody(MeteredCopyInput),
      responses: { ...ok(MeteredResult.extend({ copy: CopyResult.optional() }), "The copy and the settled hold / 文案与扣费"), ...errorResponses },
    }),
    (c) => {
      const body = c.req.valid("json");
      const ctx = c.get("ctx");
      const r = metered(ctx, "copy", { userId: body.userId, ...(body.requestId ? { requestId: body.requestId } : {}), keyId: c.get("auth").keyId, params: body.copy }, () => generateCopy(ctx, body.copy));
      return c.json({ hold: r.hold, replay: r.replay, ...(r.result ? { copy: r.result } : {}) }, 200);
    },
  );
  registerBillingAdmin(app, admin, operator);
}

function registerBillingAdmin(app: Router, admin: ReturnType<typeof routesFor>, operator: ReturnType<typeof routesFor>) {
  app.openapi(
    createRoute({
      ...admin("patch", "/v1/billing/catalog", "Change the catalogue / 修改计费目录"),
      description:
        "Admin. A JSON merge patch of the stored catalogue (objects merge, arrays and values replace, null removes). The result is validated whole: a pack must stay cheaper than a month of membership and the first month cheaper than every pack, or a 400 says which rule failed.",
      request: jsonBody(CatalogPatch),
      responses: { ...ok(Catalog, "The new catalogue / 新目录"), ...errorResponses },
    }),
    (c) => c.json(patchCatalog(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...admin("post", "/v1/billing/users/{userId}/grants", "Grant compensation credits / 发放补偿额度"),
      description: "Admin. A `compensation` grant (promotional) with its ledger entry; spendable at once, expiring after `expiresInDays` if given. A retried requestId answers the first grant.",
      request: { params: UserParams, ...jsonBody(CompensationInput) },
      responses: { ...ok(CompensationGrant, "The grant / 补偿额度"), ...errorResponses },
    }),
    (c) => c.json(grantCompensation(c.get("ctx"), c.req.valid("param").userId, c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...operator("get", "/v1/usage", "Metered use per key, feature and day / 用量统计"),
      description: "Operator or admin. Uses, credits settled, released and still held, per API key, feature and local day (workspace timezone) of the use's start. Default: the last 30 days; at most 92.",
      request: { query: UsageQuery },
      responses: { ...ok(UsageReport, "Usage / 用量"), ...errorResponses },
    }),
    (c) => c.json(usage(c.get("ctx"), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      ...operator("get", "/v1/billing/overview", "Billing overview / 计费概览"),
      description: "Operator or admin; the agent's billing_overview. Credits by grant kind and feature, revenue by SKU (refunds deducted), the referral funnel. Default: the last 30 days; at most 366.",
      request: { query: OverviewInput },
      responses: { ...ok(BillingOverview, "Overview / 概览"), ...errorResponses },
    }),
    (c) => c.json(billingOverview(c.get("ctx"), c.req.valid("query")), 200),
  );
  // Before /v1/billing/keys/{keyId}/limit, so "self" is not read as a key id.
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/billing/keys/self/limit",
      summary: "This key's own credit cap / 本密钥的额度上限",
      description: "Any key: a developer key sees its cap, what it has used this period and when it refills.",
      tags: ["billing"],
      security: bearerSecurity,
      responses: { ...ok(KeyLimitView, "The cap / 额度上限"), ...errorResponses },
    }),
    (c) => c.json(keyLimitView(c.get("ctx"), c.get("auth").keyId), 200),
  );
  app.openapi(
    createRoute({ ...admin("get", "/v1/billing/keys/{keyId}/limit", "A key's credit cap / 密钥额度上限"), request: { params: KeyParams }, responses: { ...ok(KeyLimitView, "The cap / 额度上限"), ...errorResponses } }),
    (c) => c.json(keyLimitView(c.get("ctx"), c.req.valid("param").keyId), 200),
  );
  app.openapi(
    createRoute({
      ...admin("patch", "/v1/billing/keys/{keyId}/limit", "Set a key's credit cap / 设置密钥额度上限"),
      method: "put",
      description:
        "Admin. Caps what uses made with this key may spend per period (Unkey's model), checked alongside the user's balance, never instead of it: a use beyond it is a 402 with limitSource api_key_limit. Changing the cap keeps this period's use unless the refill changes.",
      request: { params: KeyParams, ...jsonBody(KeyLimitInput) },
      responses: { ...ok(KeyLimitView, "The cap / 额度上限"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const { keyId } = c.req.valid("param");
      const body = c.req.valid("json");
      atomic(ctx.db, () => setKeyLimit(ctx.db, getWorkspace(ctx.db, ctx.workspaceId), keyId, Math.round(body.credits * MILLI), body.refill, ctx.now().getTime()));
      return c.json(keyLimitView(ctx, keyId), 200);
    },
  );
  app.openapi(
    createRoute({ ...admin("delete", "/v1/billing/keys/{keyId}/limit", "Remove a key's credit cap / 取消密钥额度上限"), request: { params: KeyParams }, responses: { ...ok(KeyLimitView, "No cap any more / 已取消"), ...errorResponses } }),
    (c) => {
      const ctx = c.get("ctx");
      const { keyId } = c.req.valid("param");
      atomic(ctx.db, () => {
        const ws = getWorkspace(ctx.db, ctx.workspaceId);
        if (!keyLimitOf(ctx.db, ws.id, keyId)) throw new ApiError(ErrorCode.NotFound, bi("该密钥没有额度上限", `key ${keyId} has no credit cap`));
        setKeyLimit(ctx.db, ws, keyId, null, "never", ctx.now().getTime());
      });
      return c.json({ keyId, limit: null }, 200);
    },
  );
}
