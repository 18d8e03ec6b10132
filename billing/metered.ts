import { z } from "zod";
import { Id, UserId } from "../tools/events/schema.ts";
import type { Ctx } from "../tools/context.ts";
import { atomic } from "../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { MILLI, type Feature } from "./catalog.ts";
import type { HoldOutcome } from "../db/schema/index.ts";
import { HoldView, release, reserve, settle } from "./holds.ts";
import { kickDelivery, noteCreditsLow } from "./outbound.ts";
import { storedSettings } from "./settings.ts";

export const MeteredUser = {
  userId: UserId.meta({ description: "The end user who is charged. 计费用户" }),
  requestId: Id.optional().meta({ description: "Idempotency key: a retry with the same id is charged once and answers the same. 请求幂等键" }),
};

type Who = { userId: string; requestId?: string; keyId?: string; params?: unknown };
type Started<T> = { holdId: string } | { done: { result?: T; hold: HoldView; replay: true } };

/**
 * The reserve half: hold the cost (or 402). A replayed request id answers its first outcome — the
 * same result, or the same error — and never runs again; while the first is still running, it is a
 * 409; with other parameters (another body, another key), a 409 too.
 */
function begin<T>(ctx: Ctx, feature: Feature, who: Who): Started<T> {
  const holdId = who.requestId ?? newId("hold");
  const r = reserve(ctx, { holdId, userId: who.userId, feature, ...(who.keyId ? { keyId: who.keyId } : {}), ...(who.params !== undefined ? { params: who.params } : {}) });
  if (!r.replay) return { holdId };
  // The same request is still running (or died before deciding; the sweep will release it): do not generate twice.
  if (r.hold.status === "held") throw new ApiError(ErrorCode.Conflict, bi("同一请求仍在处理中", `request ${holdId} is still running`));
  const first = r.outcome;
  if (first && "error" in first) throw new ApiError(first.error.code as ErrorCode, first.error.message, first.error.details);
  return { done: { ...(first ? { result: first.result as T } : {}), hold: r.hold, replay: true } };
}

/**
 * The outcome of a failed run, as a replay will answer it: a refusal (4xx) is the request's answer
 * and is kept; a fault (a 500: the file store down, a crash) is not, so a retry runs again.
 */
function failure(err: unknown): HoldOutcome | undefined {
  if (err instanceof ApiError && err.status < 500) return { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
  return undefined;
}

function finish<T>(ctx: Ctx, feature: Feature, userId: string, holdId: string, result: T) {
  const hold = settle(ctx, holdId, { result });
  if (hold.status === "settled") warnIfLow(ctx, feature, userId, Math.round(hold.credits * MILLI));
  return { result, hold, replay: false as const };
}

/**
 * The same, with the generation's own writes (`commit`, synchronous) in the settle's atomic unit:
 * stored and charged together. If the sweep released the hold meanwhile, nothing is written and the
 * request fails (a retry runs again, as after any fault).
 */
function finishWith<P, T>(ctx: Ctx, feature: Feature, userId: string, holdId: string, prepared: P, commit: (p: P) => T) {
  let result: T | undefined;
  const hold = settle(ctx, holdId, () => ({ result: (result = commit(prepared)) }));
  if (hold.status !== "settled" || result === undefined)
    throw new ApiError(ErrorCode.Internal, bi("生成超时，已退还额度，请重试", `the generation outlived its hold (${hold.status}): nothing was charged or stored, retry`));
  warnIfLow(ctx, feature, userId, Math.round(hold.credits * MILLI));
  return { result, hold, replay: false as const };
}

/**
 * Runs one metered generation: hold its cost (or 402), run it, settle on success, release on any
 * failure; each step its own atomic unit, `run` between them.
 */
export function metered<T>(ctx: Ctx, feature: Feature, who: Who, run: () => T): { result?: T; hold: HoldView; replay: boolean } {
  const s = begin<T>(ctx, feature, who);
  if ("done" in s) return s.done;
  let result: T;
  try {
    result = run();
  } catch (err) {
    release(ctx, s.holdId, failure(err));
    throw err;
  }
  return finish(ctx, feature, who.userId, s.holdId, result);
}

/**
 * The same for a generation that awaits (files to store, a model to call): no atomic unit spans the
 * await. `commit` turns what `run` made into the result inside the settle's atomic unit (see finishWith).
 */
export async function meteredAsync<T>(ctx: Ctx, feature: Feature, who: Who, run: (holdId: string) => Promise<T>): Promise<{ result?: T; hold: HoldView; replay: boolean }>;
export async function meteredAsync<P, T>(ctx: Ctx, feature: Feature, who: Who, run: (holdId: string) => Promise<P>, commit: (prepared: P) => T): Promise<{ result?: T; hold: HoldView; replay: boolean }>;
export async function meteredAsync<P, T>(ctx: Ctx, feature: Feature, who: Who, run: (holdId: string) => Promise<P>, commit?: (prepared: P) => T): Promise<{ result?: T | P; hold: HoldView; replay: boolean }> {
  const s = begin<T | P>(ctx, feature, who);
  if ("done" in s) return s.done;
  let prepared: P;
  try {
    prepared = await run(s.holdId);
  } catch (err) {
    release(ctx, s.holdId, failure(err));
    throw err;
  }
  if (!commit) return finish(ctx, feature, who.userId, s.holdId, prepared);
  try {
    return finishWith(ctx, feature, who.userId, s.holdId, prepared, commit);
  } catch (err) {
    // The commit refused (a 4xx) or failed: its writes rolled back with the settle, so release.
    release(ctx, s.holdId, failure(err));
    throw err;
  }
}

/**
 * credits.low, when this use took the user below the threshold. The use is already settled, so a
 * failure here is logged and never turns a paid generation into an error.
 */
function warnIfLow(ctx: Ctx, feature: Feature, userId: string, spent: number) {
  try {
    // Most workspaces have no outbound URL: then a read, not a transaction on every charged use.
    if (!storedSettings(ctx.db, ctx.workspaceId)?.outboundUrl) return;
    const queued = atomic(ctx.db, () => noteCreditsLow(ctx.db, ctx.workspaceId, userId, feature, spent, ctx.now().getTime()));
    if (queued) kickDelivery(ctx);
  } catch (err) {
    ctx.log.error("credits.low check failed", { userId, feature, err: String((err as Error)?.stack ?? err) });
  }
}

export const MeteredResult = z.object({
  hold: HoldView,
  replay: z.boolean(),
});
