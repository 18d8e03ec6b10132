import { and, eq } from "drizzle-orm";
import { atomic, stmt } from "../../db/sql.ts";
import { modelState, type WorkspaceRow } from "../../db/schema/index.ts";
import { ApiError } from "../../lib/errors.ts";
import { dayToIso } from "../../lib/time.ts";
import { UNIT_DAYS, fitClv, predictions, purchaseDays, todayOf, type ClvModel } from "../analytics/clv.ts";
import { stagesAsOf } from "../analytics/lifecycle.ts";
import { customersAsOf, distribution, fitRfm, rfmSettings, scoreCustomer, type RfmModel } from "../analytics/rfm.ts";
import type { Ctx } from "../context.ts";
import { summarise } from "../models/summary.ts";
import { LIFECYCLE_STAGES } from "../segments/schema.ts";
import { advanceWindows, windowsBehind } from "../segments/windows.ts";
import { getWorkspace } from "../workspaces/index.ts";

type State = { rfm: RfmModel | null; clv: ClvModel | null; asOfDay: number };

const NO_PREDICTION = { p_alive: null, expected_purchases_30d: null, expected_purchases_90d: null, clv: null };

/** Profiles whose events or traits changed since their layers were last written. */
export function changedProfiles(ctx: Ctx): string[] {
  return (stmt(ctx.db, "SELECT user_id FROM profiles WHERE workspace_id = ? AND updated_at > coalesce(result_computed_at, 0)").all(ctx.workspaceId) as { user_id: string }[]).map(
    (r) => r.user_id,
  );
}

function loadState(ctx: Ctx): State | undefined {
  return ctx.db.select().from(modelState).where(and(eq(modelState.workspaceId, ctx.workspaceId), eq(modelState.name, "profiles"))).get()?.state as State | undefined;
}

/** Scores `users` against a state and writes their result and predictive layers. */
function writeLayers(ctx: Ctx, ws: WorkspaceRow, users: readonly string[], state: State, today: number, onProgress?: (done: number, total: number) => void) {
  const settings = rfmSettings(ws);
  const only = users.length > 50_000 ? undefined : users; // a full pass reads everyone anyway
  const rfmBy = new Map(state.rfm ? customersAsOf(ctx.db, ws, today, settings, only).map((c) => [c.userId, scoreCustomer(c, state.rfm!)]) : []);
  const stages = stagesAsOf(ctx.db, ws, today, only);
  const clvBy = state.clv
    ? predictions(state.clv, summarise(purchaseDays(ctx.db, ws, settings.event, only), today, UNIT_DAYS[state.clv.unit]))
    : new Map<string, typeof NO_PREDICTION>();
  const now = ctx.now().getTime();
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
        const stage = stages.get(uid);
        const result = { asOf, rfm: rfmBy.get(uid) ?? null, lifecycle: stage ? { stage, label: LIFECYCLE_STAGES[stage] } : null };
        // json_patch drops keys set to null: a user without a prediction matches no score node.
        update.run({ result: JSON.stringify(result), predictive: JSON.stringify(clvBy.get(uid) ?? NO_PREDICTION), now, ws: ws.id, uid });
      }
    });
    onProgress?.(Math.min(users.length, i + CHUNK), users.length);
  }
  return { rfm: [...rfmBy.values()], stages, clvCustomers: clvBy.size };
}

/**
 * Writes the time-relative layers of every profile as of today: result (RFM scores and class,
 * lifecycle stage) and predictive (P(alive), expected purchases, CLV), refitting the models on
 * everyone. Run daily, so a user who simply stops coming moves to dormant and then churned
 * without a new event.
 */
export function recomputeProfiles(ctx: Ctx, onProgress?: (done: number, total: number) => void) {
  const started = performance.now();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const today = todayOf(ws, ctx.now());
  const settings = rfmSettings(ws);
  const method = settings.method === "business" && !settings.business ? "mean" : settings.method;
  let clv: ClvModel | null = null;
  let clvSkipped: string | undefined;
  try {
    const fit = fitClv(ctx.db, ws, { unit: "week", event: settings.event }, today);
    clv = { params: fit.params, spend: fit.spend, unit: "week" };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    clvSkipped = err.message; // too few customers: no predictions
  }
  const state: State = { rfm: fitRfm(customersAsOf(ctx.db, ws, today, settings), method, settings.business), clv, asOfDay: today };
  ctx.db
    .insert(modelState)
    .values({ workspaceId: ws.id, name: "profiles", state, computedAt: ctx.now().getTime() })
    .onConflictDoUpdate({ target: [modelState.workspaceId, modelState.name], set: { state, computedAt: ctx.now().getTime() } })
    .run();
  const users = (stmt(ctx.db, "SELECT user_id FROM profiles WHERE workspace_id = ?").all(ws.id) as { user_id: string }[]).map((r) => r.user_id);
  const w = writeLayers(ctx, ws, users, state, today, onProgress);
  const windows = advanceSegmentWindows(ctx, ws, today);
  return {
    mode: "full" as const,
    asOf: dayToIso(today),
    users: users.length,
    rfm: { method, thresholds: state.rfm?.thresholds ?? null, distribution: distribution(w.rfm) },
    lifecycle: Object.fromEntries(Object.keys(LIFECYCLE_STAGES).map((s) => [s, [...w.stages.values()].filter((v) => v === s).length])),
    clv: clvSkipped ? { customers: 0, skipped: clvSkipped } : { customers: w.clvCustomers },
    windows,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function advanceSegmentWindows(ctx: Ctx, ws: WorkspaceRow, today: number) {
  return atomic(ctx.db, () => advanceWindows(ctx.db, ws, today, ctx.now().getTime()));
}

/**
 * Rewrites the layers of profiles that changed since they were last written, scored against the
 * models of the last full recompute (a full one runs first if there is none, or the day turned).
 */
export function recomputeChanged(ctx: Ctx) {
  const started = performance.now();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const today = todayOf(ws, ctx.now());
  const state = loadState(ctx);
  if (!state || state.asOfDay !== today) return recomputeProfiles(ctx);
  const users = changedProfiles(ctx);
  writeLayers(ctx, ws, users, state, today);
  const windows = windowsBehind(ctx.db, ws.id, today) ? advanceSegmentWindows(ctx, ws, today) : null;
  return { mode: "changed" as const, asOf: dayToIso(today), users: users.length, windows, elapsedMs: Math.round(performance.now() - started) };
}
