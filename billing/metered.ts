import { z } from "zod";
import { Id, UserId } from "../tools/events/schema.ts";
import type { Ctx } from "../tools/context.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Feature } from "./catalog.ts";
import { HoldView, release, reserve, settle } from "./holds.ts";

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
  try {
    const result = run();
    return { result, hold: settle(ctx, holdId), replay: false };
  } catch (err) {
    release(ctx, holdId);
    throw err;
  }
}

export const MeteredResult = z.object({
  hold: HoldView,
  replay: z.boolean(),
});
