import { z } from "zod";
import { atomic, stmt, type Db } from "../db/sql.ts";
import { creditHolds, type HoldOutcome, type WorkspaceRow } from "../db/schema/index.ts";
import canonicalize from "canonicalize";
import { sha256Hex } from "../lib/ids.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { DAY_MS, localIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { MILLI, getCatalog, type Catalog, type Feature } from "./catalog.ts";
import { chargeKey, keyHeadroom, refundKey } from "./keyLimits.ts";
import { referralCodeFor, referralPath } from "./referrals.ts";
import { addGrant, allowanceOf, allowancePeriod, ensureAllowance, hadOtherCredit, ledger, planOf, spendable, type Line } from "./grants.ts";

/** A release whose grant expired meanwhile gives the credit back for this long. */
const COMPENSATION_MS = 7 * DAY_MS;

/** A hold as the API shows it (credits, not milli-credits; ISO times). */
export const HoldView = z.object({ id: z.string(), userId: z.string(), feature: z.string(), credits: z.number(), status: z.string(), createdAt: z.string(), timeoutAt: z.string() });
export type HoldView = z.infer<typeof HoldView>;
export const holdView = (h: Pick<typeof creditHolds.$inferSelect, "id" | "userId" | "feature" | "amount" | "status" | "createdAt" | "timeoutAt">): HoldView => ({
  id: h.id,
  userId: h.userId,
  feature: h.feature,
  credits: h.amount / MILLI,
  status: h.status,
  createdAt: new Date(h.createdAt).toISOString(),
  timeoutAt: new Date(h.timeoutAt).toISOString(),
});

type Zone = Pick<WorkspaceRow, "id" | "timezone">;
type HoldRow = typeof creditHolds.$inferSelect;

const HOLD_COLUMNS =
  "workspace_id AS workspaceId, id, user_id AS userId, feature, amount, fingerprint, status, lines, key_id AS keyId, key_charge AS keyCharge, key_period AS keyPeriod, outcome, created_at AS createdAt, timeout_at AS timeoutAt, decided_at AS decidedAt";

/** A hold by id, read through a prepared statement (metering's hot path; see grants.ts). */
function holdRow(db: Db, workspaceId: number, holdId: string): HoldRow | undefined {
  const h = stmt(db, `SELECT ${HOLD_COLUMNS} FROM credit_holds WHERE workspace_id = ? AND id = ?`).get(workspaceId, holdId) as
    | (Omit<HoldRow, "lines" | "outcome"> & { lines: string; outcome: string | null })
    | undefined;
  return h && { ...h, lines: JSON.parse(h.lines) as HoldRow["lines"], outcome: h.outcome === null ? null : (JSON.parse(h.outcome) as HoldOutcome) };
}

/**
 * What a hold is for: the user, the feature, the key and the request's own parameters. A replay of
 * the request id with anything else is a 409; the price is not in it, so a retry after a price
 * change is still the same request.
 */
function fingerprintOf(input: { userId: string; feature: Feature; keyId?: string; params?: unknown }) {
  let text: string | undefined;
  try {
    text = canonicalize([input.userId, input.feature, input.keyId ?? null, input.params ?? null]);
  } catch {
    // RFC 8785 has no form for an unpaired surrogate (half an emoji cut by a client): it is bad input, not a fault.
    throw new ApiError(ErrorCode.ValidationFailed, bi("文本含有无效的 Unicode 字符（孤立代理项）", "the text contains invalid Unicode (an unpaired surrogate)"));
  }
  return sha256Hex(text ?? "");
}

/** The workspace's id and timezone: all metering needs of it. */
export function zoneOf(db: Db, workspaceId: number): Zone {
  const ws = stmt(db, "SELECT id, timezone FROM workspaces WHERE id = ?").get(workspaceId) as Zone | undefined;
  if (!ws) throw new ApiError(ErrorCode.NotFound, bi("工作区不存在", "workspace not found"));
  return ws;
}

type Refusal = { source: "monthly_allowance" | "credits" | "api_key_limit"; available: number; referralCode?: string; keyResetsAt?: number | null };

/** Every way out of a 402, with the next reset in the workspace's local time. */
function outOfCredits(ctx: Ctx, ws: Zone, catalog: Catalog, userId: string, feature: Feature, required: number, r: Refusal, now: number) {
  if (r.source === "api_key_limit")
    return new ApiError(
      ErrorCode.PaymentRequired,
      bi("该 API 密钥本期的额度上限已用完：请联系开发者提高上限", `this API key's credit cap is used up for the period: the developer can raise it`),
      { limitSource: r.source, feature, required: required / MILLI, available: r.available / MILLI, currency: catalog.currency, nextResetAt: r.keyResetsAt == null ? null : localIso(r.keyResetsAt, ws.timezone), options: [] },
    );
  // The user's own plan's period, and the subscription as this user can buy it: a member is
  // offered packs only; the first-month price only to someone who never subscribed.
  const account = stmt(ctx.db, "SELECT subscribed_at AS subscribedAt FROM billing_accounts WHERE workspace_id = ? AND user_id = ?").get(ws.id, userId) as { subscribedAt: number | null } | undefined;
  const plan = planOf(ctx.db, ws.id, userId, now);
  const a = allowanceOf(catalog, plan, feature);
  const reset = allowancePeriod(now, ws.timezone, a.every).end;
  const short = required - r.available;
  const ref = catalog.referral;
  const options = [
    ...catalog.packs.filter((p) => p.feature === feature).map((p) => ({ type: "pack" as const, sku: p.sku, credits: p.credits, price: p.price })),
    ...(plan === "member"
      ? []
      : [{ type: "subscribe" as const, plan: catalog.subscription.plan, sku: catalog.subscription.sku, price: catalog.subscription.price, firstMonthPrice: account?.subscribedAt ? catalog.subscription.price : catalog.subscription.firstMonthPrice }]),
    ...(r.referralCode && ref.newUserCredits > 0
      ? [{
          type: "referral" as const,
          code: r.referralCode,
          url: referralPath(r.referralCode),
          // Published truthfully: what each kind of help is worth and how many of each it takes.
          helpsNeeded: Math.ceil(short / (ref.newUserCredits * MILLI)),
          helpsNeededExistingUsers: ref.existingUserCredits > 0 ? Math.ceil(short / (ref.existingUserCredits * MILLI)) : null,
          creditsPerNewUserHelp: ref.newUserCredits,
          creditsPerExistingUserHelp: ref.existingUserCredits,
        }]
      : []),
  ];
  return new ApiError(
    ErrorCode.PaymentRequired,
    bi("额度已用完：可购买加速包、开通会员、邀请好友助力，或等待下期额度", `out of ${feature} credits: buy a pack, subscribe, ask friends to help, or wait for the next allowance`),
    { limitSource: r.source, feature, required: required / MILLI, available: r.available / MILLI, currency: catalog.currency, nextResetAt: localIso(reset, ws.timezone), options },
  );
}

/**
 * Holds the full cost of one use of `feature` for `userId`, or refuses with a 402; never partly.
 * The hold id is the idempotency key: a replay answers the first outcome, a replay with other
 * parameters is a 409. Check and change are one atomic unit; a refusal is decided inside it and
 * thrown after, so what it records (the user's share link) is kept.
 */
export function reserve(ctx: Ctx, input: { holdId: string; userId: string; feature: Feature; keyId?: string; params?: unknown }): { hold: HoldView; replay: boolean; outcome?: HoldOutcome | null } {
  const ws = zoneOf(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const now = ctx.now().getTime();
  const amount = Math.round(catalog.features[input.feature]!.cost * MILLI);
  const fingerprint = fingerprintOf(input);
  const outcome = atomic(ctx.db, (): { hold: HoldView; replay: boolean; outcome?: HoldOutcome | null } | { refused: Refusal } => {
    const prior = holdRow(ctx.db, ws.id, input.holdId);
    if (prior) {
      if (prior.fingerprint !== fingerprint) throw new ApiError(ErrorCode.Conflict, bi("该请求编号已用于其他请求", `request ${input.holdId} was made with other parameters`));
      // Released without an outcome (the sweep took it, or the server failed): the request never
      // happened as far as the caller can tell, so a retry under the same id runs again.
      if (!(prior.status === "released" && prior.outcome === null)) return { hold: holdView(prior), replay: true, outcome: prior.outcome };
    }
    ensureAllowance(ctx.db, ws, catalog, input.userId, input.feature, now);
    const grants = spendable(ctx.db, ws.id, input.userId, input.feature, now);
    const available = grants.reduce((s, g) => s + g.remaining, 0);
    if (available < amount)
      return {
        refused: {
          // The allowance is the limit unless the user has ever had other credit (packs, referrals) for it.
          source: hadOtherCredit(ctx.db, ws.id, input.userId, input.feature) ? "credits" : "monthly_allowance",
          available,
          ...(catalog.referral.feature === input.feature ? { referralCode: referralCodeFor(ctx.db, ws.id, input.userId, now) } : {}),
        },
      };
    const key = input.keyId ? chargeKey(ctx.db, ws, input.keyId, amount, now) : { charge: 0, period: null };
    if (!key) {
      const h = keyHeadroom(ctx.db, ws, input.keyId!, now)!;
      return { refused: { source: "api_key_limit", available: h.left, keyResetsAt: h.resetsAt } };
    }
    const lines: Line[] = [];
    let left = amount;
    for (const g of grants) {
      if (left <= 0) break;
      const take = Math.min(left, g.remaining);
      stmt(ctx.db, "UPDATE credit_grants SET remaining = remaining - ? WHERE id = ?").run(take, g.id);
      lines.push({ grantId: g.id, amount: take });
      left -= take;
    }
    const row = {
      workspaceId: ws.id,
      id: input.holdId,
      userId: input.userId,
      feature: input.feature,
      amount,
      fingerprint,
      status: "held" as const,
      lines,
      keyId: input.keyId ?? null,
      createdAt: now,
      timeoutAt: now + catalog.holdTimeoutSeconds * 1000,
      decidedAt: null,
    };
    if (prior)
      stmt(
        ctx.db,
        "UPDATE credit_holds SET status = 'held', amount = ?, lines = ?, key_id = ?, key_charge = ?, key_period = ?, created_at = ?, timeout_at = ?, decided_at = NULL WHERE workspace_id = ? AND id = ? AND status = 'released' AND outcome IS NULL",
      ).run(amount, JSON.stringify(lines), row.keyId, key.charge || null, key.period, now, row.timeoutAt, ws.id, row.id);
    else
      stmt(
        ctx.db,
        "INSERT INTO credit_holds (workspace_id, id, user_id, feature, amount, fingerprint, status, lines, key_id, key_charge, key_period, created_at, timeout_at) VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?, ?, ?)",
      ).run(ws.id, row.id, row.userId, row.feature, amount, fingerprint, JSON.stringify(lines), row.keyId, key.charge || null, key.period, now, row.timeoutAt);
    ledger(ctx.db, { workspaceId: ws.id, userId: input.userId, feature: input.feature, type: "hold", amount, holdId: input.holdId, lines, at: now });
    return { hold: holdView(row), replay: false };
  });
  if ("refused" in outcome) throw outOfCredits(ctx, ws, catalog, input.userId, input.feature, amount, outcome.refused, now);
  return outcome;
}

/**
 * held → settled or released, exactly once: a compare-and-set on the hold's status, its effect and
 * its ledger entry in one atomic unit. A hold already decided is answered as it stands.
 */
function decide(ctx: Ctx, holdId: string, to: "settled" | "released", outcome: HoldOutcome | undefined | (() => HoldOutcome), effect: (h: HoldRow, now: number) => Line[] | undefined): HoldView {
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const h = ownHold(ctx, holdId);
    if (h.status !== "held") return holdView(h);
    const o = typeof outcome === "function" ? outcome() : outcome;
    stmt(ctx.db, "UPDATE credit_holds SET status = ?, decided_at = ?, outcome = ? WHERE workspace_id = ? AND id = ? AND status = 'held'").run(
      to,
      now,
      o === undefined ? null : JSON.stringify(o),
      ctx.workspaceId,
      holdId,
    );
    const lines = effect(h, now);
    ledger(ctx.db, { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature, type: to === "settled" ? "settle" : "release", amount: h.amount, holdId, ...(lines ? { lines } : {}), at: now });
    return holdView({ ...h, status: to });
  });
}

/**
 * The generation succeeded: the held credit is spent; `outcome` is what a replay of the request
 * answers. Given as a function, it runs inside the settle's atomic unit and only if the hold is
 * still held, so a generation's own writes (a chat turn's messages) commit with its charge or not at all.
 */
export const settle = (ctx: Ctx, holdId: string, outcome?: HoldOutcome | (() => HoldOutcome)): HoldView => decide(ctx, holdId, "settled", outcome, () => undefined);

/**
 * The generation failed or timed out: the credit goes back to the grants it came from, or, for a
 * grant that has expired meanwhile, as a short-lived compensation grant. Credit from a grant voided
 * meanwhile (a refunded pack) is not given back: the release records it as voided.
 */
export const release = (ctx: Ctx, holdId: string, outcome?: HoldOutcome): HoldView =>
  decide(ctx, holdId, "released", outcome, (h, now) => {
    if (h.keyId) refundKey(ctx.db, zoneOf(ctx.db, ctx.workspaceId), h.keyId, h.keyCharge, h.keyPeriod, now);
    return h.lines.map((line) => {
      // A voided grant (a refunded pack) is gone, and so is what a hold took from it: voided too, never compensated.
      if (stmt(ctx.db, "SELECT 1 AS x FROM credit_grants WHERE id = ? AND voided_at IS NOT NULL").get(line.grantId)) {
        ledger(ctx.db, { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature, type: "void", amount: line.amount, grantId: line.grantId, holdId: h.id, at: now });
        return line;
      }
      // Back to its grant only while that grant can still be spent; otherwise (expired) as compensation.
      const back = stmt(ctx.db, "UPDATE credit_grants SET remaining = remaining + ? WHERE id = ? AND voided_at IS NULL AND (expires_at IS NULL OR expires_at > ?)").run(line.amount, line.grantId, now);
      if (back.changes === 1) return line;
      const compensation = { workspaceId: ctx.workspaceId, userId: h.userId, feature: h.feature as Feature, kind: "compensation" as const, category: "promotional" as const, amount: line.amount, effectiveAt: now, expiresAt: now + COMPENSATION_MS, source: `release:${h.id}` };
      return { grantId: addGrant(ctx.db, compensation, now, false), amount: line.amount };
    });
  });

/** Releases every hold past its timeout (a generation that never reported back). */
export function sweepHolds(ctx: Ctx): number {
  const now = ctx.now().getTime();
  const stale = stmt(ctx.db, "SELECT id FROM credit_holds WHERE workspace_id = ? AND status = 'held' AND timeout_at <= ?").all(ctx.workspaceId, now) as { id: string }[];
  for (const s of stale) release(ctx, s.id);
  return stale.length;
}

function ownHold(ctx: Ctx, holdId: string) {
  const h = holdRow(ctx.db, ctx.workspaceId, holdId);
  if (!h) throw new ApiError(ErrorCode.NotFound, bi("预留不存在", `no hold ${holdId}`));
  return h;
}
