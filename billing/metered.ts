import { z } from "zod";
import { Id, UserId } from "../tools/events/schema.ts";
import type { Ctx } from "../tools/context.ts";
import { atomic } from "../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { MILLI, type Feature } from "./catalog.ts";
import { HoldView, release, reserve, settle } from "./holds.ts";
import { kickDelivery, noteCreditsLow } from "./outbound.ts";

export const MeteredUser = {
  userId: UserId.meta({ description: "The end user who is charged. 计费用户" }),
  requestId: Id.optional().meta({ description: "Idempotency key: a retry with the same id is charged once and answers the same. 请求幂等键" }),
};

/**
 * Runs one metered generation: hold its cost (or 402), run it, settle on success, release on any
 * failure. A replayed request id answers its first outcome and never runs again; while the first
 * is still running, it is a 409.
 */
export function metered<T>(ctx: Ctx, feature: Feature, who: { userId: string; requestId?: string; keyId?: string }, run: () => T): { result?: T; hold: HoldView; replay: boolean } {
  const holdId = who.requestId ?? newId("hold");
  const r = reserve(ctx, { holdId, userId: who.userId, feature, ...(who.keyId ? { keyId: who.keyId } : {}) });
  if (r.replay) {
    // The same request is still running (or died before deciding; the sweep will release it): do not generate twice.
    if (r.hold.status === "held") throw new ApiError(ErrorCode.Conflict, bi("同一请求仍在处理中", `request ${holdId} is still running`));
    return { hold: r.hold, replay: true };
  }
  let result: T;
  try {
    result = run();
  } catch (err) {
    release(ctx, holdId);
    throw err;
  }
  const hold = settle(ctx, holdId);
  if (hold.status === "settled") warnIfLow(ctx, feature, who.userId, Math.round(hold.credits * MILLI));
  return { result, hold, replay: false };
}

/**
 * credits.low, when this use took the user below the threshold. The use is already settled, so a
 * failure here is logged and never turns a paid generation into an error.
 */
function warnIfLow(ctx: Ctx, feature: Feature, userId: string, spent: number) {
  try {
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
