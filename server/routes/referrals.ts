import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { CreateReferralInput, HelpInput, ReferralCode, createReferral, help, progress, voidHelp } from "../../billing/referrals.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";
import { actingUser } from "../middleware/auth.ts";

const CodeParams = z.object({ code: ReferralCode });
const HelpParams = z.object({ code: ReferralCode, helpId: z.string().min(1).max(64).meta({ description: "The help's id. 助力记录ID" }) });

const HelpView = z
  .object({
    id: z.string(),
    code: z.string(),
    inviterId: z.string(),
    helperId: z.string(),
    deviceId: z.string().nullable(),
    newUser: z.boolean().meta({ description: "The helper was first seen after the link was created. 新用户" }),
    credits: z.number(),
    status: z.enum(["granted", "voided"]),
    spendableAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    voidedAt: z.string().nullable(),
  })
  .meta({ id: "ReferralHelp" });

const Progress = z
  .object({
    code: z.string(),
    url: z.string(),
    inviterId: z.string(),
    createdAt: z.string(),
    feature: z.string().meta({ description: "What a help earns credit for. 助力所得额度的功能" }),
    rules: z.object({
      creditsPerNewUserHelp: z.number(),
      creditsPerExistingUserHelp: z.number(),
      holdHours: z.number(),
      expiresDays: z.number(),
      dailyCapPerInviter: z.number(),
      dailyCapPerHelper: z.number(),
      loopDays: z.number(),
    }),
    helps: z.object({
      count: z.number(),
      newUsers: z.number(),
      existingUsers: z.number(),
      voided: z.number(),
      creditsEarned: z.number(),
      creditsPending: z.number().meta({ description: "Earned but still in its hold. 冻结中" }),
      today: z.number(),
      leftToday: z.number(),
    }),
    balance: z.object({ costPerUse: z.number(), available: z.number() }),
    helpsNeeded: z
      .object({ newUser: z.number().nullable(), existingUser: z.number().nullable() })
      .meta({ description: "More helps of one kind alone that pay for one more use, given the spendable balance now (null: that kind is worth nothing). 还需助力次数" }),
    recent: z.array(HelpView),
  })
  .meta({ id: "ReferralProgress" });

const REFUSALS =
  "Refusals carry `details.reason`: 404 `unknown_code`, `unknown_helper` (a helper must be a user of the workspace); 400 `self_help`; 409 `already_helped`, `device_already_helped`, `loop` (the inviter helped this helper within loopDays; `details.allowedFrom`); 429 `inviter_daily_cap`, `helper_daily_cap` (local day; Retry-After to local midnight).";

export function registerReferrals(app: Router) {
  const route = routesFor("referrals", "generate", { endUsers: true });
  app.openapi(
    createRoute({
      ...route("post", "/v1/referrals", "A user's referral link / 生成助力链接", {
        description: "One link per user: asking again returns the same code. Answers with the link's progress and the published amounts. Scope: generate.",
      }),
      request: jsonBody(CreateReferralInput),
      responses: { ...ok(Progress, "The link and its progress / 链接与进度"), ...errorResponses },
    }),
    (c) => {
      const body = c.req.valid("json");
      return c.json(createReferral(c.get("ctx"), { ...body, userId: actingUser(c.get("auth"), body.userId) }), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/referrals/{code}/help", "A friend helps (砍一刀) / 好友助力", {
        description: `Credits the inviter: a new user's help (first seen after the link was made) or an existing user's, as the catalogue's \`referral\` says, spendable after its hold. ${REFUSALS} Scope: generate.`,
      }),
      request: { params: CodeParams, ...jsonBody(HelpInput) },
      responses: { ...ok(HelpView, "The help and the credit it earned / 助力结果"), ...errorResponses },
    }),
    (c) => {
      // With an end-user token, the helper is the token's own user.
      const body = c.req.valid("json");
      return c.json(help(c.get("ctx"), c.req.valid("param").code, { ...body, helperId: actingUser(c.get("auth"), body.helperId) }), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/referrals/{code}", "A referral link's progress / 助力进度", {
        description: "Helps so far (new and existing users, credit earned and still in hold), the amounts, and how many more helps of each kind pay for one more use. Scope: generate.",
      }),
      request: { params: CodeParams },
      responses: { ...ok(Progress, "Progress / 进度"), ...errorResponses },
    }),
    (c) => {
      const code = c.req.valid("param").code;
      const p = progress(c.get("ctx"), code);
      // It shows the inviter's balance and helpers: an end-user token sees its own link's only.
      const viewer = c.get("auth").endUserId;
      if (viewer !== undefined && viewer !== p.inviterId) throw new ApiError(ErrorCode.NotFound, bi("助力链接不存在", `no referral link ${code}`), { reason: "unknown_code" });
      return c.json(p, 200);
    },
  );
  app.openapi(
    createRoute({
      ...routesFor("referrals", "admin")("post", "/v1/referrals/{code}/helps/{helpId}/void", "Void a help / 作废助力", {
        description:
          "Takes back a help's credit while it is still in its hold, with a `void` ledger entry; voiding again answers the void. 409 `hold_over` once the credit is spendable; 404 `unknown_help`. Scope: admin.",
      }),
      request: { params: HelpParams },
      responses: { ...ok(HelpView, "The voided help / 已作废"), ...errorResponses },
    }),
    (c) => {
      const p = c.req.valid("param");
      return c.json(voidHelp(c.get("ctx"), p.code, p.helpId), 200);
    },
  );
}
