import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../db/sql.ts";
import { webhookOutbox } from "../db/schema/index.ts";
import { newId } from "../lib/ids.ts";
import { localIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog, type Feature } from "./catalog.ts";
import { allowanceOf, allowancePeriod, planOf, spendable } from "./grants.ts";
import { storedSettings } from "./settings.ts";
import { signOutbound } from "./signature.ts";

/**
 * Outbound webhooks through an outbox: a message is written in the same atomic unit as the change
 * it reports, so it is never sent for a change that rolled back nor lost with the request; a
 * delivery runs later, outside any atomic unit, and is retried until the app answers 2xx.
 */
export const OUTBOUND_TYPES = ["credits.low", "subscription.renewed"] as const;
export type OutboundType = (typeof OUTBOUND_TYPES)[number];

/** Waits before attempts 2, 3, …: about a day and a half in all (close to Standard Webhooks' own schedule); then the message fails. */
export const RETRY_DELAYS_MS = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000, 24 * 3_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** A claimed delivery is not picked up again before this, so two runners never send it at once. */
const CLAIM_MS = 60_000;
const TIMEOUT_MS = 10_000;
/** Messages per run: a tick must stay short (a Durable Object alarm has a CPU budget). */
const BATCH = 25;

/**
 * Adds a message, inside the caller's atomic unit. Without an outbound URL nothing is queued: no
 * one has asked to be told, and a later URL should not receive a backlog from before it existed.
 */
export function enqueue(db: Db, workspaceId: number, type: OutboundType, payload: Record<string, unknown>, now: number): string | undefined {
  if (!storedSettings(db, workspaceId)?.outboundUrl) return undefined;
  const id = newId("msg");
  db.insert(webhookOutbox).values({ workspaceId, id, type, payload, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now }).run();
  return id;
}

/** What a user can spend on a feature now, in milli-credits (allowance and every other live grant). */
export function availableOf(db: Db, workspaceId: number, userId: string, feature: string, now: number): number {
  return spendable(db, workspaceId, userId, feature, now).reduce((s, g) => s + g.remaining, 0);
}

/**
 * `credits.low` when a use just took the user's credit for a feature from at or above the
 * catalogue's threshold to below it: once per crossing, not on every use below it. Inside the
 * caller's atomic unit. Without an outbound URL it is one lookup, so metering pays almost nothing.
 */
export function noteCreditsLow(db: Db, workspaceId: number, userId: string, feature: Feature, spent: number, now: number): string | undefined {
  if (!storedSettings(db, workspaceId)?.outboundUrl) return undefined;
  const ws = getWorkspace(db, workspaceId);
  const catalog = getCatalog(db, workspaceId);
  const threshold = Math.round(catalog.lowCreditsThreshold * MILLI);
  const after = availableOf(db, workspaceId, userId, feature, now);
  if (after >= threshold || after + spent < threshold) return undefined;
  const every = allowanceOf(catalog, planOf(db, workspaceId, userId, now), feature).every;
  const nextResetAt = localIso(allowancePeriod(now, ws.timezone, every).end, ws.timezone);
  return enqueue(db, workspaceId, "credits.low", { userId, feature, available: after / MILLI, threshold: catalog.lowCreditsThreshold, nextResetAt }, now);
}

type Message = typeof webhookOutbox.$inferSelect;
export type DeliveryReport = { delivered: number; retrying: number; failed: number };

/** The body the app receives: Standard Webhooks' envelope, the same bytes on every attempt. */
const bodyOf = (m: Message) => JSON.stringify({ type: m.type, timestamp: new Date(m.createdAt).toISOString(), data: m.payload });

/**
 * Sends this workspace's due messages. Each is claimed first (a compare-and-set on its attempt
 * count that also pushes its next attempt out), so a tick and a request-triggered run never send
 * the same message together; the receiver still deduplicates by webhook-id, as the spec asks.
 */
export async function deliverDue(ctx: Ctx, send: typeof fetch = fetch): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retrying: 0, failed: 0 };
  const due = ctx.db
    .select()
    .from(webhookOutbox)
    .where(and(eq(webhookOutbox.workspaceId, ctx.workspaceId), eq(webhookOutbox.status, "pending"), lte(webhookOutbox.nextAttemptAt, ctx.now().getTime())))
    .orderBy(asc(webhookOutbox.seq))
    .limit(BATCH)
    .all();
  for (const m of due) {
    const claimedAt = ctx.now().getTime();
    const claimed = ctx.db
      .update(webhookOutbox)
      .set({ attempts: m.attempts + 1, nextAttemptAt: claimedAt + CLAIM_MS })
      .where(and(eq(webhookOutbox.seq, m.seq), eq(webhookOutbox.status, "pending"), eq(webhookOutbox.attempts, m.attempts)))
      .returning({ seq: webhookOutbox.seq })
      .get();
    if (!claimed) continue;
    const attempt = m.attempts + 1;
    const error = await attemptDelivery(ctx, m, send);
    const at = ctx.now().getTime();
    const outcome: Partial<Message> =
      error === undefined
        ? { status: "delivered", deliveredAt: at, lastError: null }
        : attempt >= MAX_ATTEMPTS
          ? { status: "failed", lastError: error }
          : { nextAttemptAt: at + RETRY_DELAYS_MS[attempt - 1]!, lastError: error };
    ctx.db.update(webhookOutbox).set(outcome).where(eq(webhookOutbox.seq, m.seq)).run();
    if (error === undefined) report.delivered++;
    else if (outcome.status === "failed") report.failed++;
    else report.retrying++;
    if (error !== undefined) ctx.log.warn("outbound webhook failed", { id: m.id, type: m.type, attempt, error });
  }
  return report;
}

/** One POST; undefined on a 2xx, else why not. */
async function attemptDelivery(ctx: Ctx, m: Message, send: typeof fetch): Promise<string | undefined> {
  const settings = storedSettings(ctx.db, ctx.workspaceId);
  if (!settings?.outboundUrl || !settings.outboundSecret) return "no outbound URL is set";
  const body = bodyOf(m);
  try {
    const headers = await signOutbound(settings.outboundSecret, m.id, Math.floor(ctx.now().getTime() / 1000), body);
    const res = await send(settings.outboundUrl, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Flywheel-Webhooks/1" },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "manual",
    });
    // The answer's body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    return String((err as Error)?.message ?? err).slice(0, 500);
  }
}

/** Messages by status, so an admin can see deliveries failing in the settings. */
export function outboxCounts(db: Db, workspaceId: number): Record<string, number> {
  const rows = db
    .select({ status: webhookOutbox.status, n: sql<number>`count(*)` })
    .from(webhookOutbox)
    .where(eq(webhookOutbox.workspaceId, workspaceId))
    .groupBy(webhookOutbox.status)
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Starts a delivery run after the current request's work, without making anyone wait for it: the
 * message is already in the outbox, so a run that never happens (a Worker evicted meanwhile) only
 * delays it to the next scheduled tick.
 */
export function kickDelivery(ctx: Ctx): void {
  setTimeout(() => {
    deliverDue(ctx).catch((err) => ctx.log.error("outbound delivery failed", { err: String((err as Error)?.stack ?? err) }));
  }, 0);
}
