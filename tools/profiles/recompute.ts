import { atomic, stmt } from "../../db/client.ts";
import { dayToIso } from "../../lib/time.ts";
import { ApiError } from "../../lib/errors.ts";
import { fitClv, predictions, todayOf } from "../analytics/clv.ts";
import { stagesAsOf } from "../analytics/lifecycle.ts";
import { LIFECYCLE_STAGES } from "../segments/schema.ts";
import { classify, customersAsOf, distribution, rfmSettings } from "../analytics/rfm.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";

/**
 * Writes the time-relative layers of every profile as of today: result (RFM scores and class,
 * lifecycle stage) and predictive (P(alive), expected purchases, CLV). Run daily, so a user who
 * simply stops coming moves to dormant and then churned without a new event.
 */
export function recomputeProfiles(ctx: Ctx, onProgress?: (done: number, total: number) => void) {
  const started = performance.now();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const now = ctx.now().getTime();
  const today = todayOf(ws, ctx.now());
  const settings = rfmSettings(ws);
  const method = settings.method === "business" && !settings.business ? "mean" : settings.method;
  const rfm = classify(customersAsOf(ctx.db, ws, today, settings), method, settings.business);
  const rfmBy = new Map(rfm.results.map((r) => [r.userId, r]));
  const stages = stagesAsOf(ctx.db, ws, today);
  let clv: ReturnType<typeof predictions> | undefined;
  let clvError: string | undefined;
  try {
    clv = predictions(fitClv(ctx.db, ws, { unit: "week", event: settings.event }, today));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    clvError = err.message; // too few customers: predictions stay empty
  }
  const users = (stmt(ctx.db, "SELECT user_id FROM profiles WHERE workspace_id = ?").all(ws.id) as { user_id: string }[]).map((r) => r.user_id);
  const update = stmt(
    ctx.db,
    `UPDATE profiles SET result = @result, result_computed_at = @now,
       predictive = json_patch(coalesce(predictive, '{}'), @predictive), predictive_computed_at = @now
     WHERE workspace_id = @ws AND user_id = @uid`,
  );
  const asOf = dayToIso(today);
  const CHUNK = 5000;
  for (let i = 0; i < users.length; i += CHUNK) {
    atomic(ctx.db, () => {
      for (const uid of users.slice(i, i + CHUNK)) {
        const r = rfmBy.get(uid);
        const stage = stages.get(uid);
        const result = {
          asOf,
          rfm: r ? { ...r, userId: undefined } : null,
          lifecycle: stage ? { stage, label: LIFECYCLE_STAGES[stage] } : null,
        };
        const p = clv?.get(uid) ?? { p_alive: null, expected_purchases_30d: null, expected_purchases_90d: null, clv: null };
        update.run({ result: JSON.stringify(result), predictive: JSON.stringify(p), now, ws: ws.id, uid });
      }
    });
    onProgress?.(Math.min(users.length, i + CHUNK), users.length);
  }
  return {
    asOf,
    users: users.length,
    rfm: { method, thresholds: rfm.thresholds, distribution: distribution(rfm.results) },
    lifecycle: Object.fromEntries(Object.keys(LIFECYCLE_STAGES).map((s) => [s, [...stages.values()].filter((v) => v === s).length])),
    clv: clv ? { customers: clv.size } : { customers: 0, skipped: clvError },
    elapsedMs: Math.round(performance.now() - started),
  };
}
