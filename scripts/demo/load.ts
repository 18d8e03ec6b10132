import { setImmediate as tick } from "node:timers/promises";
import { atomic, stmt, type Db } from "../../db/sql.ts";
import type { Logger } from "../../lib/log.ts";
import { dayNumber, dayStartMs, tzOffsetMs } from "../../lib/time.ts";
import { catalogTraitDelta } from "../../tools/catalog/traits.ts";
import { insertRows } from "../../tools/events/ingest.ts";
import type { EventRow } from "../../tools/events/normalize.ts";
import { getWorkspace } from "../../tools/workspaces/index.ts";
import { simulateUser } from "./model.ts";

export type DemoOptions = {
  users: number;
  days?: number;
  seed?: number;
  /** The data ends at the start of this day (default: today in the workspace's zone). */
  now?: Date;
  usersPerChunk?: number;
  log?: Logger;
  onStatus?: (status: string) => void;
  onProgress?: (done: number, total: number, events: number) => void;
};

/**
 * The demo's users one at a time, with the clock both loaders share: `flywheel demo` writing to the
 * database and `flywheel demo --url` sending to a server get the same users, traits and event ids
 * (`d-<user>-<n>`) for the same seed, days, `now` and timezone.
 */
export function demoUsers(timeZone: string, opts: Pick<DemoOptions, "days" | "seed" | "now">) {
  const days = opts.days ?? 180;
  const seed = opts.seed ?? 42;
  const now = (opts.now ?? new Date()).getTime();
  const endMs = dayStartMs(dayNumber(now, timeZone), timeZone) + tzOffsetMs(timeZone, now);
  const offset = tzOffsetMs(timeZone, now);
  return { days, seed, now, user: (index: number) => simulateUser(seed, index, days, endMs, offset) };
}

/**
 * Loads the demo app's users and events into a workspace through the same insert path as the API
 * (so rollups, profiles and the catalog come out the same), a chunk of users per transaction,
 * yielding between chunks so a running server keeps answering. Ids are deterministic: loading
 * twice stores nothing new.
 */
export async function loadDemo(db: Db, workspaceId: number, opts: DemoOptions) {
  const ws = getWorkspace(db, workspaceId);
  const demo = demoUsers(ws.timezone, opts);
  const { days, now } = demo;
  const chunk = opts.usersPerChunk ?? 40; // ~5k events: short enough that requests keep flowing
  const lastUser = demo.user(opts.users - 1).user.userId;
  if (opts.users > 0 && stmt(db, "SELECT 1 FROM profiles WHERE workspace_id = ? AND user_id = ? AND event_count > 0").get(ws.id, lastUser)) {
    // A finished earlier load: every id would be a duplicate, so skip the work.
    opts.onStatus?.("ready");
    opts.log?.info("demo data: already loaded", { workspace: ws.name, users: opts.users });
    return { users: opts.users, events: 0, stored: 0, seconds: 0, skipped: true };
  }
  const started = performance.now();
  let events = 0;
  let stored = 0;
  opts.onStatus?.("loading");
  opts.log?.info("demo data: loading", { workspace: ws.name, users: opts.users, days });
  for (let first = 0; first < opts.users; first += chunk) {
    const rows: EventRow[] = [];
    const profiles: { userId: string; traits: Record<string, unknown> }[] = [];
    for (let i = first; i < Math.min(opts.users, first + chunk); i++) {
      const { user, events: evs } = demo.user(i);
      profiles.push({ userId: user.userId, traits: user.traits });
      for (const e of evs) {
        const amount = typeof e.properties.amount === "number" ? e.properties.amount : null;
        rows.push([e.id, user.userId, null, e.name, e.properties, amount, e.ms, dayNumber(e.ms, ws.timezone)]);
      }
    }
    atomic(db, () => {
      const insert = stmt(
        db,
        `INSERT OR IGNORE INTO profiles (workspace_id, user_id, anonymous, traits, event_count, seed, created_at, updated_at)
         VALUES (?, ?, 0, ?, 0, random() & 1048575, ?, ?)`,
      );
      const fresh = profiles.filter((p) => insert.run(ws.id, p.userId, JSON.stringify(p.traits), now, now).changes > 0);
      catalogTraitDelta(db, ws.id, [], fresh.map((p) => p.traits));
    });
    stored += insertRows(db, ws, rows, now);
    events += rows.length;
    const done = Math.min(opts.users, first + chunk);
    opts.onProgress?.(done, opts.users, events);
    if (opts.log && (done === opts.users || Math.floor(done / (chunk * 8)) !== Math.floor(first / (chunk * 8))))
      opts.log.info("demo data: progress", { users: done, of: opts.users, events, percent: Math.round((done / opts.users) * 100) });
    await tick();
  }
  const seconds = (performance.now() - started) / 1000;
  opts.onStatus?.("ready");
  opts.log?.info("demo data: ready", { users: opts.users, events, stored, seconds: Math.round(seconds * 10) / 10 });
  return { users: opts.users, events, stored, seconds, skipped: false };
}
