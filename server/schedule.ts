import type { Db } from "../db/client.ts";
import { workspaces } from "../db/schema/index.ts";
import type { Logger } from "../lib/log.ts";
import { dayNumber } from "../lib/time.ts";
import { recomputeProfiles } from "../tools/profiles/recompute.ts";

const CHECK_EVERY_MS = 10 * 60_000;

/**
 * Recomputes every workspace's profile layers once per local day (checked every ten minutes and
 * at once), so recency, RFM, lifecycle and predictions move even for users who send nothing.
 */
export function scheduleDailyRecompute(db: Db, log: Logger, now: () => Date = () => new Date()) {
  const lastDay = new Map<number, number>();
  const tick = () => {
    for (const ws of db.select().from(workspaces).all()) {
      const today = dayNumber(now().getTime(), ws.timezone);
      if (lastDay.get(ws.id) === today) continue;
      lastDay.set(ws.id, today);
      try {
        const r = recomputeProfiles({ db, workspaceId: ws.id, now, log });
        log.info("profiles recomputed", { workspace: ws.name, users: r.users, ms: r.elapsedMs, clvCustomers: r.clv.customers });
      } catch (err) {
        log.error("profile recompute failed", { workspace: ws.name, err: String((err as Error)?.stack ?? err) });
      }
    }
  };
  tick();
  return setInterval(tick, CHECK_EVERY_MS);
}
