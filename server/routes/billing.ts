import { createRoute, z } from "@hono/zod-openapi";
import { Catalog, getCatalog } from "../../billing/catalog.ts";
import { balance, ledgerOf } from "../../billing/balance.ts";
import { MeteredResult, MeteredUser, metered } from "../../billing/metered.ts";
import { generateCopy } from "../../tools/copy/generate.ts";
import { CopyInput, CopyResult } from "../../tools/copy/schema.ts";
import { UserId } from "../../tools/events/schema.ts";
import { errorResponses } from "../errors.ts";
import { bearerSecurity, jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Json = z.record(z.string(), z.unknown());
const UserParams = z.object({ userId: UserId });
const MeteredCopyInput = z.strictObject({ ...MeteredUser, copy: CopyInput });

export function registerBilling(app: Router) {
  const route = routesFor("billing", "generate");
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
      ...route("get", "/v1/billing/users/{userId}/balance", "A user's allowance and credits / 用户额度"),
      request: { params: UserParams },
      responses: { ...ok(Json, "Per feature: this period's allowance (used, left, next reset in local time), other credits; open holds"), ...errorResponses },
    }),
    (c) => c.json(balance(c.get("ctx"), c.req.valid("param").userId), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/billing/users/{userId}/ledger", "A user's credit ledger / 额度流水"),
      request: { params: UserParams },
      responses: { ...ok(z.object({ entries: z.array(Json) }), "Grants, holds, settles, releases, newest first"), ...errorResponses },
    }),
    (c) => c.json({ entries: ledgerOf(c.get("ctx"), c.req.valid("param").userId) }, 200),
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
      const r = metered(ctx, "copy", { userId: body.userId, ...(body.requestId ? { requestId: body.requestId } : {}), keyId: c.get("auth").keyId }, () => generateCopy(ctx, body.copy));
      return c.json({ hold: r.hold, replay: r.replay, ...(r.result ? { copy: r.result } : {}) }, 200);
    },
  );
}
