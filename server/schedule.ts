import type { Db } from "../db/sql.ts";
import { workspaces } from "../db/schema/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Prompts } from "../lib/prompts.ts";
import type { Ctx } from "../tools/context.ts";
import { recomputeChanged } from "../tools/profiles/recompute.ts";

export const CHECK_EVERY_MS = 10 * 60_000;

/**
 * One workspace's scheduled work: its profile layers are recomputed in full when its local day has
 * turned, so recency, RFM, lifecycle and predictions move even for users who send nothing; in
 * between, only profiles with new events or traits are rescored. Node runs it for every workspace
 * on a timer; a workspace Durable Object runs it from its alarm.
 */
export function scheduledTick(ctx: Ctx, name: string) {
  try {
    const r = recomputeChanged(ctx);
    if (r.users || r.windows) ctx.log.info("profiles recomputed", { workspace: name, mode: r.mode, users: r.users, windows: r.windows, ms: r.elapsedMs });
  } catch (err) {
    ctx.log.error("profile recompute failed", { workspace: name, err: String((err as Error)?.stack ?? err) });
  }
}

/** Node: every ten minutes (and at once), each workspace's tick. */
export function scheduleDailyRecompute(db: Db, log: Logger, prompts: Prompts, now: () => Date = () => new Date(), everyMs = CHECK_EVERY_MS) {
  const tick = () => {
    for (const ws of db.select().from(workspaces).all()) scheduledTick({ db, workspaceId: ws.id, now, log, prompts }, ws.name);
  };
  tick();
  return setInterval(tick, everyMs);
}
