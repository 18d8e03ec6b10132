import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { outboxCounts, kickDelivery } from "../../billing/outbound.ts";
import { PaymentEvent, PaymentOutcome, applyPaymentEvent } from "../../billing/payments.ts";
import { BillingSettingsInput, BillingSettingsView, billingSettingsOf, inboundSecrets, rotateSecret, settingsView, storedSettings, updateSettings } from "../../billing/settings.ts";
import { SIGNATURE_HEADER, TOLERANCE_SECONDS, verifyInbound, type InboundVerdict } from "../../billing/signature.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { getWorkspace } from "../../tools/workspaces/index.ts";
import type { AppEnv } from "../env.ts";
import { errorResponses } from "../errors.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";
import { TEST_PAYMENT_PAGE } from "../pages/testPayment.ts";

/** A payment event is small; anything much larger is not one. */
const MAX_EVENT_BYTES = 64 * 1024;

const REFUSALS: Record<Exclude<InboundVerdict, { ok: true }>["reason"] | "no_secret", [string, string]> = {
  no_secret: ["本工作区尚无签名密钥：管理员先读取 GET /v1/billing/settings", "this workspace has no signing secret yet: an admin reads it with GET /v1/billing/settings"],
  missing: ["缺少 Flywheel-Signature 签名头", "missing Flywheel-Signature header"],
  malformed: ["Flywheel-Signature 格式错误", "malformed Flywheel-Signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256>"],
  stale: [`签名时间与服务器时间相差超过 ${TOLERANCE_SECONDS} 秒`, `the signature's timestamp is more than ${TOLERANCE_SECONDS} s from the server's clock`],
  mismatch: ["签名不匹配", "no v1 signature matches the workspace's secret"],
};

/**
 * Checks the signature over the raw body before anything reads it as JSON (the HMAC is over the
 * bytes as sent) and before the body is validated, so an unsigned request learns nothing. Hono
 * caches the text, so the validator parses these same bytes.
 */
const signed: MiddlewareHandler<AppEnv> = async (c, next) => {
  const ctx = c.get("ctx");
  const now = ctx.now().getTime();
  const body = await c.req.text();
  const settings = storedSettings(ctx.db, ctx.workspaceId);
  // A workspace whose admin has never read its secret has none: nothing can be signed for it yet.
  const verdict = settings ? await verifyInbound(c.req.header(SIGNATURE_HEADER), body, inboundSecrets(settings, now), now) : undefined;
  if (!verdict?.ok) {
    const reason = verdict?.reason ?? "no_secret";
    const [zh, en] = REFUSALS[reason];
    throw new ApiError(ErrorCode.Unauthorized, bi(zh, en), { reason });
  }
  await next();
};

const WorkspaceParam = z.object({ workspace: z.string().meta({ description: "The workspace's numeric id. 工作区编号" }) });
const SignatureHeader = z.object({ [SIGNATURE_HEADER]: z.string().meta({ description: "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">[,v1=…]. 签名" }) });

export function registerPayments(app: Router, opts: { devPages: boolean }) {
  const admin = routesFor("billing", "admin");

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/payments/{workspace}",
      summary: "Receive a payment provider's event / 支付回调",
      description: `No API key: the body is signed. \`Flywheel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\` with the workspace's secret (GET /v1/billing/settings); several \`v1\` may be sent (secret rotation); the timestamp must be within ${TOLERANCE_SECONDS} s of the server's clock either way. A bad, stale or missing signature is a 401 and changes nothing. Each event id is applied once, forever: a resend answers the first outcome (\`replay: true\`), the same id with another body is a 409. An amount, currency or sku that does not match the catalogue (a refund: the payment it refunds) is refused with a 400, a refund of no payment with a 404, a second refund or a renewal or cancellation without a subscription with a 409; refusals are recorded too.`,
      tags: ["billing"],
      security: [],
      middleware: [limitBody(MAX_EVENT_BYTES), signed],
      request: { params: WorkspaceParam, headers: SignatureHeader, ...jsonBody(PaymentEvent) },
      responses: { ...ok(PaymentOutcome, "Applied (or applied before) / 已处理"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const { outcome, notified } = applyPaymentEvent(ctx, c.req.valid("json"));
      if (notified) kickDelivery(ctx);
      return c.json(outcome, 200);
    },
  );

  app.openapi(
    createRoute({
      ...admin("get", "/v1/billing/settings", "Payment webhook secret and outbound webhooks / 支付与通知设置"),
      description: "The inbound signing secret (made on first read), until when the previous one is still accepted after a rotation, the outbound URL and its messages by status. Scope: admin.",
      responses: { ...ok(BillingSettingsView, "The settings / 设置"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const now = ctx.now().getTime();
      const view = settingsView(getWorkspace(ctx.db, ctx.workspaceId), billingSettingsOf(ctx.db, ctx.workspaceId, now), now);
      return c.json({ ...view, outbox: outboxCounts(ctx.db, ctx.workspaceId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...admin("post", "/v1/billing/settings/rotate-secret", "Rotate the payment webhook secret / 轮换签名密钥"),
      description: "A new inbound secret; the previous one is still accepted for 24 hours, so the provider can be switched over without refused events. Scope: admin.",
      responses: { ...ok(BillingSettingsView, "The settings with the new secret / 新密钥"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const now = ctx.now().getTime();
      return c.json(settingsView(getWorkspace(ctx.db, ctx.workspaceId), rotateSecret(ctx.db, ctx.workspaceId, now), now), 200);
    },
  );

  app.openapi(
    createRoute({
      ...admin("patch", "/v1/billing/settings", "Set the outbound webhook URL / 设置出站通知地址"),
      description:
        "Where `credits.low` and `subscription.renewed` are POSTed, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`). The first URL gets a `whsec_` secret, returned once in this answer (as is a new one made with `rotateOutboundSecret`). Scope: admin.",
      request: jsonBody(BillingSettingsInput),
      responses: { ...ok(BillingSettingsView, "The settings / 设置"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const now = ctx.now().getTime();
      const { row, madeOutboundSecret } = updateSettings(ctx.db, ctx.workspaceId, c.req.valid("json"), now);
      return c.json(settingsView(getWorkspace(ctx.db, ctx.workspaceId), row, now, madeOutboundSecret), 200);
    },
  );

  // Not in the API document: a page for people, not an endpoint for programs; development only.
  if (opts.devPages)
    app.get("/dev/test-payment", (c) => {
    c.header("cache-control", "no-store");
    c.header("x-frame-options", "DENY");
    return c.html(TEST_PAYMENT_PAGE);
  });
}
