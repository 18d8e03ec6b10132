import { createRoute, z } from "@hono/zod-openapi";
import { EndUserToken, MintTokenInput, mintEndUserToken } from "../../tools/endUsers/tokens.ts";
import { UserId } from "../../tools/events/schema.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

export function registerEndUsers(app: Router) {
  const route = routesFor("end-users", "generate");
  app.openapi(
    createRoute({
      ...route("post", "/v1/end-users/{userId}/tokens", "Mint an end-user token / 签发终端用户令牌", {
        description:
          "For an app's backend (a `generate` key): a short-lived token the user's device sends as `Authorization: Bearer <token>` to the song, chat, balance and referral routes, acting for that user only. It cannot be revoked before it expires.",
      }),
      request: { params: z.object({ userId: UserId }), ...jsonBody(MintTokenInput) },
      responses: { ...ok(EndUserToken, "The token and when it expires / 令牌"), ...errorResponses },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      return c.json(await mintEndUserToken(ctx.db, ctx.workspaceId, c.req.valid("param").userId, c.req.valid("json").ttlSeconds, ctx.now()), 200);
    },
  );
}
