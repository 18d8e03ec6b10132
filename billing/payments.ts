import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { atomic, type Db } from "../db/sql.ts";
import { PAYMENT_EVENT_TYPES, billingAccounts, creditGrants, paymentEvents, type WorkspaceRow } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { localIso, tzOffsetMs } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { UserId } from "../tools/events/schema.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog, type Catalog } from "./catalog.ts";
import { addGrant, ledger, lowerAllowancesToFree } from "./grants.ts";
import { enqueue } from "./outbound.ts";

/** A provider's event, as signed and sent to POST /v1/webhooks/payments/{workspace}. */
export const PaymentEvent = z
  .strictObject({
    id: z.string().min(1).max(200).meta({ description: "The provider's event id: applied once, forever; a resend answers the first outcome. 事件编号" }),
    type: z.enum(PAYMENT_EVENT_TYPES),
    data: z.strictObject({
      userId: UserId,
      sku: z.string().min(1).max(64).meta({ description: "A pack's sku or the subscription's. 商品编号" }),
      amount: z
        .number()
        .int()
        .min(0)
        .max(100_000_000)
        .meta({ description: "Fen. A pack's price; the subscription's first-month price on a user's first payment, else its price; a refund the refunded payment's amount; 0 for a cancellation. 金额（分）" }),
      currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as CNY"),
      paymentId: z.string().min(1).max(200).optional().meta({ description: "For a refund: the event id of the payment refunded (else the user's latest one of that sku). 被退款的支付事件" }),
    }),
  })
  .meta({ id: "PaymentEvent" });
export type PaymentEvent = z.infer<typeof PaymentEvent>;

export const PaymentOutcome = z
  .object({ id: z.string(), type: z.enum(PAYMENT_EVENT_TYPES), status: z.literal("applied"), replay: z.boolean(), result: z.record(z.string(), z.unknown()) })
  .meta({ id: "PaymentOutcome" });
export type PaymentOutcome = z.infer<typeof PaymentOutcome>;

type EventRow = typeof paymentEvents.$inferSelect;
type Rejection = { code: typeof ErrorCode.BadRequest | typeof ErrorCode.NotFound | typeof ErrorCode.Conflict; message: string; retryable?: boolean };
type Decision = { result: Record<string, unknown>; notify?: boolean } | { reject: Rejection };
type Apply = { db: Db; ws: WorkspaceRow; catalog: Catalog; ev: PaymentEvent; now: number };

const reject = (code: Rejection["code"], zh: string, en: string): Decision => ({ reject: { code, message: bi(zh, en) } });
/**
 * A refusal that only holds until another event arrives (a refund before its payment, a renewal
 * before the first payment): not recorded, so the provider's retry can still be applied.
 */
const notYet = (code: Rejection["code"], zh: string, en: string): Decision => ({ reject: { code, message: bi(zh, en), retryable: true } });

/** The instant one calendar month after `ms` on the workspace's wall clock; the 31st becomes the month's last day. */
export function addMonth(ms: number, timeZone: string): number {
  const off = tzOffsetMs(timeZone, ms);
  const d = new Date(ms + off);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const lastDay = new Date(Date.UTC(y, m + 2, 0)).getUTCDate();
  const wall = Date.UTC(y, m + 1, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  return wall - tzOffsetMs(timeZone, wall - off);
}

const accountOf = (db: Db, workspaceId: number, userId: string) =>
  db.select().from(billingAccounts).where(and(eq(billingAccounts.workspaceId, workspaceId), eq(billingAccounts.userId, userId))).get();

/** A paid month: from the end of the current paid-through time if the plan is running, else from now. */
function extendPlan({ db, ws, ev, now }: Apply) {
  const account = accountOf(db, ws.id, ev.data.userId);
  const running = account?.plan === "member" && account.planUntil !== null && account.planUntil > now;
  const planUntil = addMonth(running ? account.planUntil! : now, ws.timezone);
  db.insert(billingAccounts)
    .values({ workspaceId: ws.id, userId: ev.data.userId, plan: "member", planUntil, subscribedAt: now, cancelledAt: null, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [billingAccounts.workspaceId, billingAccounts.userId],
      // A payment after a cancellation is a new subscription: it renews again.
      set: { plan: "member", planUntil, subscribedAt: sql`coalesce(${billingAccounts.subscribedAt}, ${now})`, cancelledAt: null, updatedAt: now },
    })
    .run();
  return { plan: "member", planUntil: localIso(planUntil, ws.timezone) };
}

const wrongAmount = (ev: PaymentEvent, expected: number, zh: string, en: string) =>
  reject(ErrorCode.BadRequest, `金额不符：${zh}为 ${expected} 分，收到 ${ev.data.amount} 分`, `amount ${ev.data.amount} fen does not match ${en} (${expected} fen)`);

function succeeded(a: Apply): Decision {
  const { db, ws, catalog, ev, now } = a;
  const pack = catalog.packs.find((p) => p.sku === ev.data.sku);
  if (pack) {
    if (ev.data.amount !== pack.price) return wrongAmount(ev, pack.price, `加速包 ${pack.sku} 的价格`, `the price of pack ${pack.sku}`);
    const grantId = addGrant(db, { workspaceId: ws.id, userId: ev.data.userId, feature: pack.feature, kind: "pack", category: "paid", amount: pack.credits * MILLI, effectiveAt: now, expiresAt: null, source: `payment:${ev.id}` }, now);
    return { result: { product: "pack", grantId, feature: pack.feature, credits: pack.credits } };
  }
  const first = !accountOf(db, ws.id, ev.data.userId)?.subscribedAt;
  const price = first ? catalog.subscription.firstMonthPrice : catalog.subscription.price;
  if (ev.data.amount !== price) return first ? wrongAmount(ev, price, "首月价格", "the first month's price (a user's first subscription payment)") : wrongAmount(ev, price, "月费", "a month's price");
  return { result: { product: "subscription", firstPayment: first, ...extendPlan(a) } };
}

/** The earlier payment a refund names, or the user's latest of that sku not yet refunded. */
function refundedPayment({ db, ws, ev }: Apply): EventRow | undefined {
  const paid = and(
    eq(paymentEvents.workspaceId, ws.id),
    eq(paymentEvents.userId, ev.data.userId),
    eq(paymentEvents.sku, ev.data.sku),
    eq(paymentEvents.status, "applied"),
    inArray(paymentEvents.type, ["payment.succeeded", "subscription.renewed"]),
  );
  if (ev.data.paymentId) return db.select().from(paymentEvents).where(and(paid, eq(paymentEvents.id, ev.data.paymentId))).get();
  return db
    .select()
    .from(paymentEvents)
    .where(paid)
    .orderBy(desc(paymentEvents.receivedAt), desc(paymentEvents.id))
    .all()
    .find((p) => !refundOf(db, ws.id, p.id));
}

/** The applied refund of a payment, if there is one. */
const refundOf = (db: Db, workspaceId: number, paymentId: string) =>
  db
    .select({ id: paymentEvents.id })
    .from(paymentEvents)
    .where(and(eq(paymentEvents.workspaceId, workspaceId), eq(paymentEvents.type, "payment.refunded"), eq(paymentEvents.status, "applied"), sql`json_extract(${paymentEvents.result}, '$.refundedPaymentId') = ${paymentId}`))
    .get();

function refunded(a: Apply): Decision {
  const { db, ws, ev, now } = a;
  const original = refundedPayment(a);
  if (!original)
    return ev.data.paymentId
      ? notYet(ErrorCode.NotFound, `没有可退款的支付 ${ev.data.paymentId}（该用户该商品）`, `no applied payment ${ev.data.paymentId} of ${ev.data.sku} by this user to refund`)
      : notYet(ErrorCode.NotFound, "该用户没有可退款的此商品支付", `no payment of ${ev.data.sku} by this user is left to refund`);
  const prior = refundOf(db, ws.id, original.id);
  if (prior) return reject(ErrorCode.Conflict, `支付 ${original.id} 已退款`, `payment ${original.id} was already refunded by event ${prior.id}`);
  if (ev.data.currency !== original.currency) return reject(ErrorCode.BadRequest, `币种应为 ${original.currency}`, `currency ${ev.data.currency} is not the refunded payment's ${original.currency}`);
  if (ev.data.amount !== original.amount) return wrongAmount(ev, original.amount, `被退款的支付 ${original.id} `, `the refunded payment ${original.id}`);
  const grantId = (original.result as { grantId?: string }).grantId;
  if (grantId) {
    // A pack: whatever is left of it is voided; what was spent stays spent.
    const g = db.select().from(creditGrants).where(eq(creditGrants.id, grantId)).get()!;
    db.update(creditGrants).set({ voidedAt: now, remaining: 0 }).where(eq(creditGrants.id, grantId)).run();
    ledger(db, { workspaceId: ws.id, userId: g.userId, feature: g.feature, type: "void", amount: g.remaining, grantId, at: now });
    return { result: { product: "pack", refundedPaymentId: original.id, grantId, voidedCredits: g.remaining / MILLI } };
  }
  // The subscription ends now: planOf reads a paid-through time in the past as the free plan.
  const account = accountOf(db, ws.id, ev.data.userId);
  const ended = account?.planUntil != null && account.planUntil > now;
  if (ended) {
    db.update(billingAccounts).set({ planUntil: now, updatedAt: now }).where(and(eq(billingAccounts.workspaceId, ws.id), eq(billingAccounts.userId, ev.data.userId))).run();
    lowerAllowancesToFree(db, ws, a.catalog, ev.data.userId, now);
  }
  return { result: { product: "subscription", refundedPaymentId: original.id, planEndedAt: ended ? localIso(now, ws.timezone) : null } };
}

function renewed(a: Apply): Decision {
  const { db, ws, catalog, ev } = a;
  if (!accountOf(db, ws.id, ev.data.userId)?.subscribedAt)
    return notYet(ErrorCode.Conflict, "该用户尚未订阅：首次付款应为 payment.succeeded", "this user has no subscription to renew: the first payment comes as payment.succeeded");
  if (ev.data.amount !== catalog.subscription.price) return wrongAmount(ev, catalog.subscription.price, "续费月费", "a month's price");
  return { result: { product: "subscription", ...extendPlan(a) }, notify: true };
}

function cancelled({ db, ws, ev, now }: Apply): Decision {
  if (ev.data.amount !== 0) return reject(ErrorCode.BadRequest, "取消订阅的金额应为 0", `a cancellation carries amount 0, not ${ev.data.amount}`);
  const account = accountOf(db, ws.id, ev.data.userId);
  if (!account || account.plan !== "member" || account.planUntil === null || account.planUntil <= now)
    return notYet(ErrorCode.Conflict, "该用户没有进行中的订阅", "this user has no running subscription to cancel");
  if (account.cancelledAt !== null) return reject(ErrorCode.Conflict, "该订阅已取消", "this subscription is already cancelled");
  db.update(billingAccounts).set({ cancelledAt: now, updatedAt: now }).where(and(eq(billingAccounts.workspaceId, ws.id), eq(billingAccounts.userId, ev.data.userId))).run();
  // Nothing is taken back: the paid month runs out, then the account is free again.
  return { result: { product: "subscription", plan: "member", planUntil: localIso(account.planUntil, ws.timezone), cancelledAt: localIso(now, ws.timezone) } };
}

function decide(a: Apply): Decision {
  const { catalog, ev } = a;
  // A refund is checked against the payment it refunds, not today's catalogue: the pack may be gone or repriced.
  if (ev.type === "payment.refunded") return refunded(a);
  const isPack = catalog.packs.some((p) => p.sku === ev.data.sku);
  const isSubscription = catalog.subscription.sku === ev.data.sku;
  if (!isPack && !isSubscription) return reject(ErrorCode.BadRequest, `未知商品 ${ev.data.sku}`, `unknown sku ${ev.data.sku}: not a pack or the subscription in the catalogue`);
  if (ev.data.currency !== catalog.currency) return reject(ErrorCode.BadRequest, `币种应为 ${catalog.currency}`, `currency ${ev.data.currency} is not the catalogue's ${catalog.currency}`);
  if ((ev.type === "subscription.renewed" || ev.type === "subscription.cancelled") && !isSubscription)
    return reject(ErrorCode.BadRequest, `${ev.data.sku} 不是订阅商品`, `${ev.type} is for the subscription (${catalog.subscription.sku}), not ${ev.data.sku}`);
  switch (ev.type) {
    case "payment.succeeded":
      return succeeded(a);
    case "subscription.renewed":
      return renewed(a);
    case "subscription.cancelled":
      return cancelled(a);
  }
}

/** Whether a stored event is the one now received (an id sent again with another body is a 409). */
const sameEvent = (row: EventRow, ev: PaymentEvent) =>
  row.type === ev.type &&
  row.userId === ev.data.userId &&
  row.sku === ev.data.sku &&
  row.amount === ev.data.amount &&
  row.currency === ev.data.currency &&
  ((row.result as { paymentId?: string }).paymentId ?? null) === (ev.data.paymentId ?? null);

/**
 * Applies one verified event: every effect, the outbound message and the event's record in one
 * atomic unit, so an event is applied wholly and once. A rejection is recorded too (a resend gets
 * the same answer) and thrown after the unit, so the record is kept.
 */
export function applyPaymentEvent(ctx: Ctx, ev: PaymentEvent): { outcome: PaymentOutcome; notified: boolean } {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const now = ctx.now().getTime();
  const { row, replay, notified } = atomic(ctx.db, () => {
    const prior = ctx.db.select().from(paymentEvents).where(and(eq(paymentEvents.workspaceId, ws.id), eq(paymentEvents.id, ev.id))).get();
    if (prior) {
      if (!sameEvent(prior, ev)) throw new ApiError(ErrorCode.Conflict, bi(`事件 ${ev.id} 已以不同内容收到`, `event ${ev.id} was received before with a different body`), { eventId: ev.id });
      return { row: prior, replay: true, notified: false };
    }
    const d = decide({ db: ctx.db, ws, catalog, ev, now });
    if ("reject" in d && d.reject.retryable) throw new ApiError(d.reject.code, d.reject.message, { eventId: ev.id, type: ev.type, status: "not_applied_yet", retryable: true });
    const echo = ev.data.paymentId ? { paymentId: ev.data.paymentId } : {};
    let notified = false;
    if ("result" in d && d.notify) {
      const msg = enqueue(ctx.db, ws.id, "subscription.renewed", { userId: ev.data.userId, sku: ev.data.sku, amount: ev.data.amount, currency: ev.data.currency, paymentEventId: ev.id, ...d.result }, now);
      notified = msg !== undefined;
    }
    const row: EventRow = {
      workspaceId: ws.id,
      id: ev.id,
      type: ev.type,
      userId: ev.data.userId,
      sku: ev.data.sku,
      amount: ev.data.amount,
      currency: ev.data.currency,
      status: "result" in d ? "applied" : "rejected",
      result: "result" in d ? { ...echo, ...d.result } : { ...echo, error: { code: d.reject.code, message: d.reject.message } },
      receivedAt: now,
    };
    ctx.db.insert(paymentEvents).values(row).run();
    return { row, replay: false, notified };
  });
  if (row.status === "rejected") {
    const r = (row.result as { error: Rejection }).error;
    throw new ApiError(r.code, r.message, { eventId: row.id, type: row.type, status: "rejected", replay });
  }
  if (!replay) ctx.log.info("payment event applied", { eventId: row.id, type: row.type, userId: row.userId, sku: row.sku });
  return { outcome: { id: row.id, type: row.type as PaymentOutcome["type"], status: "applied", replay, result: row.result }, notified };
}
