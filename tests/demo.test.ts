import { describe, expect, it } from "vitest";
import { openDb } from "../db/node.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { simulateUser } from "../scripts/demo/model.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";

const END = Date.UTC(2026, 10, 24);
const OFFSET = 8 * 3_600_000;

describe("demo data", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = simulateUser(42, 7, 180, END, OFFSET);
    const b = simulateUser(42, 7, 180, END, OFFSET);
    const c = simulateUser(43, 7, 180, END, OFFSET);
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).not.toEqual(JSON.stringify(c));
  });

  it("carries the planted signal: early followers retain, churners fade and only receive messages after churn", () => {
    const social: [number, number] = [0, 0];
    const solo: [number, number] = [0, 0];
    const fade: [number, number] = [0, 0];
    for (let i = 0; i < 3000; i++) {
      const { user, events } = simulateUser(42, i, 180, END, OFFSET);
      if (user.signupDay <= 120) {
        const bucket: [number, number] = user.earlyFollows >= 5 ? social : solo;
        bucket[0]++;
        if (user.churnDay - user.signupDay > 30) bucket[1]++;
      }
      if (user.churnDay !== Infinity && user.churnDay - user.signupDay > 60) {
        const dayOf = (ms: number) => Math.floor((ms + OFFSET - (END - 180 * 86_400_000)) / 86_400_000);
        const active = events.filter((e) => !e.name.endsWith("_received"));
        const late = active.filter((e) => dayOf(e.ms) >= user.churnDay - 14 && dayOf(e.ms) < user.churnDay).length;
        const early = active.filter((e) => dayOf(e.ms) >= user.churnDay - 44 && dayOf(e.ms) < user.churnDay - 30).length;
        fade[0] += early;
        fade[1] += late;
        expect(active.every((e) => dayOf(e.ms) < user.churnDay || e.name === "coupon_redeemed" || e.name === "purchase")).toBe(true);
      }
    }
    expect(social[1] / social[0]).toBeGreaterThan(solo[1] / solo[0] + 0.15);
    expect(fade[1]).toBeLessThan(fade[0] * 0.8);
  });

  it("loads through the ingest path: profiles with traits, rollups, catalog; a second load is skipped", async () => {
    const db = openDb();
    const ws = ensureWorkspace(db, "demo", new Date(END));
    const first = await loadDemo(db, ws.id, { users: 60, now: new Date(END) });
    expect(first.stored).toBe(first.events);
    expect(first.events).toBeGreaterThan(60 * 30);
    const q = (s: string) => db.$client.prepare(s).get() as any;
    expect(q("SELECT count(*) AS n FROM profiles WHERE traits ->> '$.city_tier' IS NOT NULL").n).toBe(60);
    expect(q("SELECT sum(count) AS n FROM user_daily").n).toBe(first.events);
    expect(q("SELECT count(*) AS n FROM catalog_events").n).toBeGreaterThanOrEqual(12);
    expect(q("SELECT max(occurred_at) AS m FROM events").m).toBeLessThan(END - OFFSET);
    const second = await loadDemo(db, ws.id, { users: 60, now: new Date(END) });
    expect(second.skipped).toBe(true);
    expect(q("SELECT count(*) AS n FROM events").n).toBe(first.events);
  });
});
