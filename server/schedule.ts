import type { Db } from "../db/sql.ts";
import { workspaces } from "../db/schema/index.ts";
import type { Logger } from "../lib/log.ts";
import { recomputeChanged } from "../tools/profiles/recompute.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

const CHECK_EVERY_MS = 10 * 60_000;

/**
 * Every ten minutes (and at once): each workspace's profile layers are recomputed in full when its
 * local day has turned, so recency, RFM, lifecycle and predictions move even for users who send
 * nothing; in between, only profiles with new events or traits are rescored.
 */
export function scheduleDailyRecompute(db: Db, log: Logger, now: () => Date = () => new Date()) {
  const tick = () => {
    for (const ws of db.select().from(workspaces).all()) {
      try {
        const r = recomputeChanged({ db, workspaceId: ws.id, now, log, prompts: repoPrompts });
        if (r.users || r.windows) log.info("profiles recomputed", { workspace: ws.name, mode: r.mode, users: r.users, windows: r.windows, ms: r.elapsedMs });
      } catch (err) {
        log.error("profile recompute failed", { workspace: ws.name, err: String((err as Error)?.stack ?? err) });
      }
    }
  };
  tick();
  return setInterval(tick, CHECK_EVERY_MS);
}
