import { demoUsers } from "../scripts/demo/load.ts";
import type { HttpTarget } from "./httpTarget.ts";

export const HTTP_BATCH = 500;

/**
 * `flywheel demo --url`: the same users and events as the database loader (same generator, same
 * event ids, so a second run stores nothing new), sent through the public API: each user's traits
 * by identify before their events, events in batches of 500.
 */
export async function sendDemo(
  target: HttpTarget,
  timeZone: string,
  opts: { users: number; days?: number; seed?: number; now?: Date },
  onProgress?: (usersDone: number, events: number) => void,
) {
  const started = performance.now();
  const demo = demoUsers(timeZone, opts);
  let users: { userId: string; traits: Record<string, unknown> }[] = [];
  let batch: unknown[] = [];
  let events = 0;
  let stored = 0;
  let duplicates = 0;
  const flush = async () => {
    await target.identify(users);
    users = [];
    while (batch.length) {
      const r = await target.events(batch.splice(0, HTTP_BATCH));
      stored += r.accepted;
      duplicates += r.duplicates;
    }
  };
  for (let i = 0; i < opts.users; i++) {
    const { user, events: evs } = demo.user(i);
    users.push({ userId: user.userId, traits: user.traits });
    for (const e of evs) batch.push({ id: e.id, userId: user.userId, name: e.name, timestamp: new Date(e.ms).toISOString(), properties: e.properties });
    events += evs.length;
    if (batch.length >= HTTP_BATCH) {
      // Whole batches now; the rest rides with the next users.
      const rest = batch.splice(batch.length - (batch.length % HTTP_BATCH));
      await flush();
      batch = rest;
      onProgress?.(i + 1, events - rest.length);
    }
  }
  await flush();
  onProgress?.(opts.users, events);
  const seconds = (performance.now() - started) / 1000;
  return { users: opts.users, events, stored, duplicates, rejected: events - stored - duplicates, seconds };
}
