import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../cli/main.ts";
import { openDb } from "../db/node.ts";
import { createApp } from "../server/app.ts";
import { createKey } from "../tools/keys/index.ts";
import { findWorkspaceByName } from "../tools/workspaces/index.ts";
import { silentLogger } from "../lib/log.ts";
import { NOW, expectEnvelope, setup } from "./helpers.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

/**
 * Five customers (as of NOW): recency days, purchases, money —
 * c1 1/5/500, c2 10/1/300, c3 100/4/50, c4 200/1/20, c5 30/2/100.
 */
async function rfmWorkspace() {
  const t = setup();
  const key = t.key("shop", ["ingest", "operator", "admin"]);
  const spec: [string, number, number, number][] = [
    ["c1", 1, 5, 500],
    ["c2", 10, 1, 300],
    ["c3", 100, 4, 50],
    ["c4", 200, 1, 20],
    ["c5", 30, 2, 100],
  ];
  const events = spec.flatMap(([u, recency, n, money]) =>
    Array.from({ length: n }, (_, i) => ({ id: `${u}-${i}`, userId: u, name: "purchase", timestamp: daysAgo(recency + i * 2), properties: { amount: money / n } })),
  );
  await t.call("POST", "/v1/events", { key, body: { events } });
  return { t, key };
}

const classes = (dist: { class: string; users: number }[]) => Object.fromEntries(dist.filter((d) => d.users).map((d) => [d.class, d.users]));

describe("RFM", () => {
  it.each([
    ["mean", { important_value: 1, important_develop: 1, general_retain: 1, general_win_back: 1, general_develop: 1 }],
    ["median", { important_value: 1, important_develop: 1, general_retain: 1, general_win_back: 2 }],
    ["pareto", { important_value: 1, general_win_back: 4 }],
    ["kmeans", { important_value: 1, important_develop: 1, general_value: 1, general_win_back: 1, general_develop: 1 }],
  ])("threshold method %s gives the hand-computed classes", async (method, expected) => {
    const { t, key } = await rfmWorkspace();
    const r = await t.call("GET", `/v1/analytics/rfm?method=${method}`, { key });
    expect(r.status).toBe(200);
    expect(r.body.customers).toBe(5);
    expect(classes(r.body.distribution)).toEqual(expected);
    expect(r.body.distribution.find((d: any) => d.class === "important_value").label).toBe("重要价值");
  });

  it("uses the mean by default, and business thresholds from the workspace's settings", async () => {
    const { t, key } = await rfmWorkspace();
    const mean = (await t.call("GET", "/v1/analytics/rfm", { key })).body;
    expect(mean.method).toBe("mean");
    expect(mean.thresholds).toEqual({ recencyDays: 68.2, frequency: 2.6, monetary: 194 });
    expectEnvelope(await t.call("GET", "/v1/analytics/rfm?method=business", { key }), 400);
    expectEnvelope(await t.call("PATCH", "/v1/workspace", { key, body: { settings: { rfm: { method: "business" } } } }), 400);
    const patched = await t.call("PATCH", "/v1/workspace", { key, body: { settings: { rfm: { method: "business", business: { recencyDays: 15, frequency: 1, monetary: 60 } } } } });
    expect(patched.body.settings.rfm.method).toBe("business");
    const biz = (await t.call("GET", "/v1/analytics/rfm", { key })).body;
    expect(classes(biz.distribution)).toEqual({ important_value: 1, important_develop: 1, general_retain: 1, general_win_back: 1, important_retain: 1 });
  });

  it("recompute writes scores and classes to profiles, and the rfm segment node reads them", async () => {
    const { t, key } = await rfmWorkspace();
    await t.call("POST", "/v1/profiles/recompute", { key });
    const c1 = (await t.call("GET", "/v1/users/c1", { key })).body.tags.result.rfm;
    expect(c1).toMatchObject({ class: "important_value", label: "重要价值", rScore: 5, fScore: 5, mScore: 5, recencyDays: 1, frequency: 5, monetary: 500 });
    const c4 = (await t.call("GET", "/v1/users/c4", { key })).body.tags.result.rfm;
    expect(c4).toMatchObject({ class: "general_win_back", rScore: 1, fScore: 1, mScore: 1 });
    const seg = await t.call("POST", "/v1/segments/preview", { key, body: { definition: { rfm: ["important_value", "important_develop"] } } });
    expect(seg.body.sample).toEqual(["c1", "c2"]);
  });
});

describe("lifecycle", () => {
  it("a user who simply stops coming becomes dormant, then churned, with no new event; messages do not revive", async () => {
    const t = setup();
    const key = t.key("app", ["ingest", "operator"]);
    const events = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, userId: "sam", name: "app_open", timestamp: daysAgo(50 - i) }));
    events.push({ id: "n0", userId: "nina", name: "app_open", timestamp: daysAgo(2) });
    await t.call("POST", "/v1/events", { key, body: { events } });
    const stage = async (u: string) => (await t.call("GET", `/v1/users/${u}`, { key })).body.tags.result?.lifecycle?.stage;
    await t.call("POST", "/v1/profiles/recompute", { key });
    expect(await stage("sam")).toBe("growing");
    expect(await stage("nina")).toBe("new");
    t.setNow(new Date(NOW.getTime() + 15 * 86_400_000));
    await t.call("POST", "/v1/profiles/recompute", { key });
    expect(await stage("sam")).toBe("dormant");
    t.setNow(new Date(NOW.getTime() + 31 * 86_400_000));
    await t.call("POST", "/v1/events", { key, body: { events: [{ id: "push", userId: "sam", name: "push_received" }] } });
    await t.call("POST", "/v1/profiles/recompute", { key });
    expect(await stage("sam")).toBe("churned");
    const seg = await t.call("POST", "/v1/segments/preview", { key, body: { definition: { lifecycle: ["churned"] } } });
    expect(seg.body.sample).toEqual(["nina", "sam"]);
    const report = (await t.call("GET", "/v1/analytics/lifecycle", { key })).body;
    expect(report.distribution.find((d: any) => d.stage === "churned")).toMatchObject({ users: 2, label: "流失期" });
    // A week ago (day 24 after NOW) both were dormant (idle 15–30 days); now (day 31) churned.
    expect(report.transitions).toEqual([{ from: "dormant", to: "churned", users: 2 }]);
  });

  it("thresholds are per workspace", async () => {
    const t = setup();
    const key = t.key("app", ["ingest", "operator"]);
    await t.call("POST", "/v1/events", { key, body: { events: [{ id: "a", userId: "u", name: "x", timestamp: daysAgo(20) }, { id: "b", userId: "u", name: "x", timestamp: daysAgo(10) }] } });
    expect((await t.call("GET", "/v1/analytics/lifecycle", { key })).body.distribution.find((d: any) => d.users).stage).toBe("growing");
    const admin = t.key("app", ["admin"]);
    expectEnvelope(await t.call("PATCH", "/v1/workspace", { key: admin, body: { settings: { lifecycle: { dormantDays: 40 } } } }), 400);
    expect((await t.call("PATCH", "/v1/workspace", { key: admin, body: { settings: { lifecycle: { dormantDays: 7 } } } })).status).toBe(200);
    expect((await t.call("GET", "/v1/analytics/lifecycle", { key })).body.distribution.find((d: any) => d.users).stage).toBe("dormant");
  });
});

describe("CLV endpoint on the CDNOW sample", () => {
  it("fits BG/NBD within 1% of the paper, compares the holdout, caches, and writes P(alive)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flywheel-clv-"));
    process.env.DATABASE_PATH = join(dir, "fw.db");
    try {
      expect(await run(["import", "--workspace", "cdnow", "--format", "cdnow", join(import.meta.dirname, "fixtures/cdnow/CDNOW_sample.txt")], () => {})).toBe(0);
    } finally {
      delete process.env.DATABASE_PATH;
    }
    const db = openDb(join(dir, "fw.db"));
    const app = createApp({ db, now: () => new Date("1998-07-01T12:00:00Z"), prompts: repoPrompts });
    const ws = findWorkspaceByName(db, "cdnow")!;
    const key = createKey({ db, workspaceId: ws.id, now: () => new Date(), log: silentLogger, prompts: repoPrompts }, { scopes: ["operator"] }).key;
    const get = async (q: string) => (await app.request(`/v1/analytics/clv?${q}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>;
    const fit = await get("calibrationEnd=1997-09-30&unit=week&holdoutEnd=1998-06-30");
    for (const [k, v] of Object.entries({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 })) expect(Math.abs(fit.params[k] / v - 1)).toBeLessThan(0.01);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(fit).toMatchObject({ customers: 2357, repeatCustomers: 946, calibration: { start: "1997-01-01", end: "1997-09-30", unit: "week" }, cached: false });
    expect(fit.holdout.actualRepeatPurchases).toBe(1882);
    expect(Math.abs(fit.holdout.predictedRepeatPurchases / 1882 - 1)).toBeLessThan(0.15);
    expect((await get("calibrationEnd=1997-09-30&unit=week&holdoutEnd=1998-06-30")).cached).toBe(true);
    const bad = await app.request("/v1/analytics/clv?calibrationEnd=1990-01-01", { headers: { authorization: `Bearer ${key}` } });
    expect(bad.status).toBe(400);
    const recomputed = (await (await app.request("/v1/profiles/recompute", { method: "POST", headers: { authorization: `Bearer ${key}` } })).json()) as any;
    expect(recomputed.clv.customers).toBe(2357);
    const p = (await (await app.request("/v1/users/4", { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    expect(p.tags.predictive.p_alive).toBeGreaterThan(0);
    expect(p.tags.predictive.p_alive).toBeLessThanOrEqual(1);
    expect(p.tags.predictive.expected_purchases_90d).toBeGreaterThan(p.tags.predictive.expected_purchases_30d);
    const top = (await (await app.request("/v1/segments/preview", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ definition: { topPercent: { score: "clv", pct: 10 } }, sample: 0 }),
    })).json()) as any;
    expect(top.count).toBeGreaterThanOrEqual(236); // ceil(10% of 2,357); ties at the cut are in
    expect(top.count).toBeLessThan(300);
    db.$client.close();
  });
});

describe("incremental recompute", () => {
  it("rescores only profiles with new events, against the last full fit", async () => {
    const { t, key } = await rfmWorkspace();
    const full = (await t.call("POST", "/v1/profiles/recompute", { key })).body;
    expect(full.mode).toBe("full");
    const at = (u: string) => t.db.$client.prepare("SELECT result_computed_at AS a, result FROM profiles WHERE user_id = ?").get(u) as { a: number; result: string };
    const c5Before = at("c5");
    t.setNow(new Date(NOW.getTime() + 3_600_000));
    // c4 buys big today: under the stored thresholds (mean: 68.2 days, 2.6 buys, $194) it becomes recent and valuable.
    await t.call("POST", "/v1/events", { key, body: { events: [{ id: "c4-big", userId: "c4", name: "purchase", properties: { amount: 1000 } }] } });
    const inc = (await t.call("POST", "/v1/profiles/recompute?mode=changed", { key })).body;
    expect(inc).toMatchObject({ mode: "changed", users: 1 });
    expect(JSON.parse(at("c4").result).rfm).toMatchObject({ class: "important_develop", recencyDays: 0, frequency: 2, monetary: 1020 });
    expect(at("c5")).toEqual(c5Before);
    expect((await t.call("POST", "/v1/profiles/recompute?mode=changed", { key })).body.users).toBe(0);
    // The next day the incremental call refits everyone first.
    t.setNow(new Date(NOW.getTime() + 86_400_000));
    expect((await t.call("POST", "/v1/profiles/recompute?mode=changed", { key })).body.mode).toBe("full");
  });
});
