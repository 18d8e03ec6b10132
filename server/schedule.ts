import { catchUpTastes } from "../tools/icebreakers/tastes.ts";
import type { Db } from "../db/sql.ts";
import { workspaces } from "../db/schema/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Prompts } from "../lib/prompts.ts";
import type { Ctx } from "../tools/context.ts";
import { recomputeChanged } from "../tools/profiles/recompute.ts";
import { sweepHolds } from "../billing/holds.ts";
import { deliverDue } from "../billing/outbound.ts";

export const CHECK_EVERY_MS = 10 * 60_000;

const failed = (ctx: Ctx, what: string, name: string) => (err: unknown) => ctx.log.error(`${what} failed`, { workspace: name, err: String((err as Error)?.stack ?? err) });

/**
 * One workspace's scheduled work: its profile layers are recomputed in full when its local day has
 * turned, so recency, RFM, lifecycle and predictions move even for users who send nothing; in
 * between, only profiles with new events or traits are rescored. Holds past their timeout are
 * released, and due outbound webhooks sent. Node runs it for every workspace on a timer; a
 * workspace Durable Object runs it from its alarm.
 *
 * The database work is synchronous and done when this returns; only the webhook deliveries (HTTP)
 * are left in the promise, which never rejects. Each part fails alone.
 */
export function scheduledTick(ctx: Ctx, name: string): Promise<void> {
  try {
    const r = recomputeChanged(ctx);
    if (r.users || r.windows) ctx.log.info("profiles recomputed", { workspace: name, mode: r.mode, users: r.users, windows: r.windows, ms: r.elapsedMs });
  } catch (err) {
    failed(ctx, "profile recompute", name)(err);
  }
  try {
    // Keeps the taste rollup current, so the first match after a big import does not fold it all.
    catchUpTastes(ctx);
  } catch (err) {
    failed(ctx, "taste rollup", name)(err);
  }
  try {
    const released = sweepHolds(ctx);
    if (released) ctx.log.info("stale holds released", { workspace: name, holds: released });
  } catch (err) {
    failed(ctx, "hold sweep", name)(err);
  }
  return deliverDue(ctx).then((r) => {
    if (r.delivered || r.retrying || r.failed) ctx.log.info("outbound webhooks", { workspace: name, ...r });
  }, failed(ctx, "outbound delivery", name));
}

/** Node: every ten minutes (and at once), each workspace's tick. */
export function scheduleDailyRecompute(db: Db, log: Logger, prompts: Prompts, now: () => Date = () => new Date(), everyMs = CHECK_EVERY_MS) {
  const tick = () => {
    for (const ws of db.select().from(workspaces).all()) void scheduledTick({ db, workspaceId: ws.id, now, log, prompts }, ws.name);
  };
  tick();
  return setInterval(tick, everyMs);
}
