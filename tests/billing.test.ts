import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, MILLI, type Catalog } from "../billing/catalog.ts";
import { addGrant, allowancePeriod } from "../billing/grants.ts";
import { release, reserve, sweepHolds } from "../billing/holds.ts";
import { keyHeadroom, setKeyLimit } from "../billing/keyLimits.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { expectEnvelope, rows, setup } from "./helpers.ts";

const DAY = 86_400_000;
const COPY = { channel: "push", theme: "promotion" };
const catalogWith = (copy: number, extra: Partial<Catalog> = {}): Catalog => ({
  ...DEFAULT_CATALOG,
  plans: { ...DEFAULT_CATALOG.plans, free: { ...DEFAULT_CATALOG.plans.free, monthly: { ...DEFAULT_CATALOG.plans.free.monthly, copy } } },
  ...extra,
});

function billed(copyAllowance: number, start?: Date, extra: Partial<Catalog> = {}) {
  const t = setup(start);
  const key = t.key("acme", ["ingest", "operator", "generate", "admin"]);
  const ctx = t.ctx("acme");
  t.db.insert(billingCatalogs).values({ workspaceId: ctx.workspaceId, catalog: catalogWith(copyAllowance, extra), updatedAt: 0 }).run();
  const gen = (userId: string, requestId?: string, copy: Record<string, unknown> = COPY) =>
    t.call("POST", "/v1/generations/copy", { key, body: { userId, ...(requestId ? { requestId } : {}), copy } });
  return { ...t, key, keyOf: t.key, ctx: () => t.ctx("acme"), gen };
}

/** Every hold, settle, release and grant in the ledger adds up to what the grants hold now. */
function expectLedgerBalances(db: ReturnType<typeof setup>["db"]) {
  const granted = rows(db, "SELECT coalesce(sum(amount), 0) AS n FROM credit_ledger WHERE type = 'grant'")[0].n;
  const held = rows(db, "SELECT coalesce(sum(amount), 0) AS n FROM credit_ledger WHERE type = 'hold'")[0].n;
  const released = rows(db, "SELECT coalesce(sum(amount), 0) AS n FROM credit_ledger WHERE type = 'release'")[0].n;
  const remaining = rows(db, "SELECT coalesce(sum(remaining), 0) AS n FROM credit_grants")[0].n;
  expect(remaining).toBe(granted - held + released);
}

describe("metered generations: hold, settle, release", () => {
  it("1,000 concurrent requests over real HTTP for a user with 3 credits left: exactly 3 succeed, 997 get the 402", async () => {
    const t = billed(5);
    // Two of five used first, so three are left.
    for (const id of ["r1", "r2"]) expect((await t.gen("alice", id)).status).toBe(200);
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          fetch(`${base}/v1/generations/copy`, {
            method: "POST",
            headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
            body: JSON.stringify({ userId: "alice", requestId: `c${i}`, copy: COPY }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
        ),
      );
      expect(statuses.filter((s) => s.status === 200)).toHaveLength(3);
      const refused = statuses.filter((s) => s.status === 402);
      expect(refused).toHaveLength(997);
      expect(refused[0]!.body.error).toMatchObject({ code: "payment_required", details: { limitSource: "monthly_allowance", feature: "copy", required: 1, available: 0 } });
      expect(refused[0]!.body.error.details.options.map((o: any) => o.type)).toEqual(["subscribe"]);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(rows(t.db, "SELECT status, count(*) AS n FROM credit_holds GROUP BY 1")).toEqual([{ status: "settled", n: 5 }]);
    expect(rows(t.db, "SELECT amount, remaining, kind FROM credit_grants")).toEqual([{ amount: 5 * MILLI, remaining: 0, kind: "monthly" }]);
    expectLedgerBalances(t.db);
  }, 60_000);

  it("a replayed request id is charged once and answers the first outcome; other parameters under it are a 409", async () => {
    const t = billed(3);
    const first = await t.gen("bob", "same");
    expect(first.status).toBe(200);
    const again = await t.gen("bob", "same");
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replay: true, hold: { status: "settled" } });
    // The first outcome itself, not a new generation.
    expect(again.body.copy).toEqual(first.body.copy);
    expectEnvelope(await t.gen("carol", "same"), 409, "conflict");
    // Other parameters under the same id: another body, or another key.
    expectEnvelope(await t.gen("bob", "same", { ...COPY, theme: "winback" }), 409, "conflict");
    const other = t.keyOf("acme", ["generate"]);
    expectEnvelope(await t.call("POST", "/v1/generations/copy", { key: other, body: { userId: "bob", requestId: "same", copy: COPY } }), 409, "conflict");
    const b = (await t.call("GET", "/v1/billing/users/bob/balance", { key: t.key })).body;
    expect(b.features.find((f: any) => f.feature === "copy").allowance).toMatchObject({ granted: 3, used: 1, left: 2 });
    // A request id whose first attempt is still running is a 409, and nothing is generated or charged again.
    const keyId = rows(t.db, "SELECT id FROM api_keys WHERE name = 'key' ORDER BY created_at LIMIT 1")[0].id;
    reserve(t.ctx(), { holdId: "running", userId: "bob", feature: "copy", keyId, params: COPY });
    expectEnvelope(await t.gen("bob", "running"), 409, "conflict");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_ledger WHERE hold_id = 'running'")).toEqual([{ n: 1 }]);
  });

  it("a generation that fails after its hold releases the credit; nothing is charged", async () => {
    const t = billed(1);
    expectEnvelope(await t.gen("dave", "f1", { ...COPY, segmentId: "seg_missing" }), 404, "not_found");
    expect(rows(t.db, "SELECT status FROM credit_holds WHERE id = 'f1'")).toEqual([{ status: "released" }]);
    // A retry of the failed request answers the same error; it is not run or charged again.
    const retry = await t.gen("dave", "f1", { ...COPY, segmentId: "seg_missing" });
    expectEnvelope(retry, 404, "not_found");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_ledger WHERE hold_id = 'f1'")).toEqual([{ n: 2 }]);
    // The one credit is back and can be spent.
    expect((await t.gen("dave", "ok")).status).toBe(200);
    expectEnvelope(await t.gen("dave", "more"), 402, "payment_required");
    expectLedgerBalances(t.db);
  });

  it("a hold past its timeout is released by the sweep, exactly once; a grant expired meanwhile comes back as compensation", () => {
    const t = billed(2, new Date("2026-11-30T15:00:00Z")); // 23:00 on Nov 30 in Shanghai
    const ctx = t.ctx();
    reserve(ctx, { holdId: "h1", userId: "erin", feature: "copy" });
    expect(sweepHolds(ctx)).toBe(0);
    // Past the timeout, and past midnight local: November's allowance has expired.
    t.setNow(new Date("2026-11-30T16:30:00Z"));
    expect(sweepHolds(t.ctx())).toBe(1);
    expect(sweepHolds(t.ctx())).toBe(0);
    expect(release(t.ctx(), "h1").status).toBe("released");
    const grants = rows(t.db, "SELECT kind, amount, remaining, period FROM credit_grants ORDER BY created_at, kind");
    expect(grants).toEqual([
      { kind: "monthly", amount: 2 * MILLI, remaining: 1 * MILLI, period: "m:2026-11" },
      { kind: "compensation", amount: 1 * MILLI, remaining: 1 * MILLI, period: null },
    ]);
    expect(rows(t.db, "SELECT type FROM credit_ledger WHERE hold_id = 'h1' ORDER BY seq")).toEqual([{ type: "hold" }, { type: "release" }]);
    expectLedgerBalances(t.db);
  });

  it("the monthly allowance resets at midnight on the 1st in Asia/Shanghai, not at UTC midnight", async () => {
    const t = billed(1, new Date("2026-11-30T15:59:00Z")); // 23:59 on Nov 30, Shanghai
    expect((await t.gen("fay", "a")).status).toBe(200);
    const out = await t.gen("fay", "b");
    expectEnvelope(out, 402, "payment_required");
    expect(out.body.error.details.nextResetAt).toBe("2026-12-01T00:00:00+08:00");
    t.setNow(new Date("2026-11-30T16:00:00Z")); // 00:00 on Dec 1 in Shanghai (still Nov 30 in UTC)
    expect((await t.gen("fay", "c")).status).toBe(200);
    expectEnvelope(await t.gen("fay", "d"), 402);
    expect(rows(t.db, "SELECT period FROM credit_grants ORDER BY period")).toEqual([{ period: "m:2026-11" }, { period: "m:2026-12" }]);
  });

  it("spend order: priority, soonest expiry, promotional before paid, oldest; an expired grant is never spent", async () => {
    const t = billed(0, undefined, {});
    const ctx = t.ctx();
    const now = ctx.now().getTime();
    const g = (kind: "pack" | "referral" | "compensation", category: "paid" | "promotional", expiresAt: number | null, amount = MILLI) =>
      addGrant(ctx.db, { workspaceId: ctx.workspaceId, userId: "gus", feature: "copy", kind, category, amount, effectiveAt: now - 1000, expiresAt }, now);
    const expired = g("referral", "promotional", now - 1);
    const pack = g("pack", "paid", null);
    const promoLater = g("referral", "promotional", now + 20 * 86_400_000);
    const promoSoon = g("referral", "promotional", now + 5 * 86_400_000);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push(reserve(t.ctx(), { holdId: `s${i}`, userId: "gus", feature: "copy" }).hold.id);
    const spentFrom = rows(t.db, "SELECT lines FROM credit_holds ORDER BY created_at, id").map((r: any) => JSON.parse(r.lines)[0].grantId);
    expect(spentFrom).toEqual([promoSoon, promoLater, pack]);
    const out = await t.gen("gus", "none-left");
    expectEnvelope(out, 402);
    expect(out.body.error.details.limitSource).toBe("credits");
    expect(rows(t.db, "SELECT remaining FROM credit_grants WHERE id = ?", expired)).toEqual([{ remaining: MILLI }]);
  });

  it("the catalogue is readable by any key of the workspace; the balance says what is used and left", async () => {
    const t = billed(3);
    const ingestOnly = t.keyOf("acme", ["ingest"]);
    const cat = await t.call("GET", "/v1/billing/catalog", { key: ingestOnly });
    expect(cat.status).toBe(200);
    expect(cat.body.subscription).toMatchObject({ sku: "member_monthly", price: 1800, firstMonthPrice: 600 });
    expect(cat.body.packs[0].price).toBeLessThan(cat.body.subscription.price);
    await t.gen("hal", "x");
    const b = (await t.call("GET", "/v1/billing/users/hal/balance", { key: t.key })).body;
    expect(b.plan).toBe("free");
    expect(b.features.find((f: any) => f.feature === "copy").allowance).toMatchObject({ every: "monthly", period: "2026-11", granted: 3, used: 1, left: 2, nextResetAt: "2026-12-01T00:00:00+08:00" });
    expect(b.features.find((f: any) => f.feature === "song").allowance).toMatchObject({ granted: 3, used: 0, left: 3 });
    const l = (await t.call("GET", "/v1/billing/users/hal/ledger", { key: t.key })).body.entries;
    expect(l.map((e: any) => e.type)).toEqual(["settle", "hold", "grant"]);
  });

  it("a key's cap gives back exactly what a released use counted, and only to the cap period it was counted in", () => {
    const t = billed(50);
    const ctx = t.ctx();
    const ws = { id: ctx.workspaceId, timezone: "Asia/Shanghai" };
    const take = (id: string) => reserve(ctx, { holdId: id, userId: "kim", feature: "copy", keyId: "key_capped" });
    // A use made before the key had a cap counts nothing, so its release gives nothing back.
    take("before");
    setKeyLimit(ctx.db, ws, "key_capped", 5 * MILLI, "monthly", ctx.now().getTime());
    take("a");
    take("b");
    release(ctx, "before");
    expect(keyHeadroom(ctx.db, ws, "key_capped", ctx.now().getTime())).toMatchObject({ used: 2 * MILLI });
    release(ctx, "a");
    expect(keyHeadroom(ctx.db, ws, "key_capped", ctx.now().getTime())).toMatchObject({ used: 1 * MILLI });
    // A cap reset to another refill starts a new count: an older use's release does not reduce it.
    setKeyLimit(ctx.db, ws, "key_capped", 5 * MILLI, "never", ctx.now().getTime());
    take("c");
    release(ctx, "b");
    expect(keyHeadroom(ctx.db, ws, "key_capped", ctx.now().getTime())).toMatchObject({ used: 1 * MILLI });
    expectLedgerBalances(t.db);
  });

  it("a day that has no midnight (summer time starting at 00:00 in Santiago) still starts and ends where the local date changes", () => {
    const at = Date.parse("2026-09-06T03:30:00Z"); // 23:30 on Sep 5 in Santiago; clocks then skip 00:00 → 01:00
    const p = allowancePeriod(at, "America/Santiago", "daily");
    expect(p.key).toBe("d:2026-09-05");
    expect(p.end).toBe(Date.parse("2026-09-06T04:00:00Z")); // 01:00 local, the first minute of Sep 6
    expect(p.end).toBeGreaterThan(at);
    expect(allowancePeriod(p.end, "America/Santiago", "daily").key).toBe("d:2026-09-06");
  });

  it("a timezone change mid-month never grants the allowance twice; a member's 402 offers packs, not the subscription", async () => {
    const t = billed(2, new Date("2026-12-01T02:00:00Z")); // Dec 1 10:00 in Shanghai, still Nov 30 in Los Angeles
    t.db.$client.prepare("UPDATE workspaces SET timezone = 'America/Los_Angeles'").run();
    expect((await t.gen("zed", "la")).status).toBe(200);
    t.db.$client.prepare("UPDATE workspaces SET timezone = 'Asia/Shanghai'").run();
    expect((await t.gen("zed", "sh")).status).toBe(200);
    expectEnvelope(await t.gen("zed", "third"), 402, "payment_required");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_grants WHERE kind = 'monthly'")).toEqual([{ n: 1 }]);

    t.db.$client.prepare("INSERT INTO billing_accounts (workspace_id, user_id, plan, plan_until, subscribed_at, created_at, updated_at) VALUES (?, 'vip', 'member', NULL, 1, 0, 0)").run(t.ctx().workspaceId);
    t.db.$client.prepare("UPDATE billing_catalogs SET catalog = json_set(catalog, '$.plans.member.monthly.copy', 0)").run();
    const refused = await t.gen("vip", "m1");
    expectEnvelope(refused, 402, "payment_required");
    expect(refused.body.error.details.options.map((o: any) => o.type)).toEqual([]);
  });

  it("the overview counts credit left unspent when its grant expired in the window", async () => {
    const t = billed(0);
    const ctx = t.ctx();
    const now = ctx.now().getTime();
    addGrant(ctx.db, { workspaceId: ctx.workspaceId, userId: "exp", feature: "copy", kind: "compensation", category: "promotional", amount: 2 * MILLI, effectiveAt: now - 5 * DAY, expiresAt: now - DAY }, now - 5 * DAY);
    addGrant(ctx.db, { workspaceId: ctx.workspaceId, userId: "exp", feature: "copy", kind: "compensation", category: "promotional", amount: 1 * MILLI, effectiveAt: now - DAY, expiresAt: now + DAY }, now - DAY);
    const o = (await t.call("GET", "/v1/billing/overview", { key: t.key })).body;
    expect(o.creditTotals).toMatchObject({ granted: 3, expired: 2 });
  });

  it("a request whose hold the sweep released (it never reported back) runs again under the same id; a decided one replays", () => {
    const t = billed(5, new Date("2026-11-24T12:00:00Z"));
    const take = () => reserve(t.ctx(), { holdId: "lost", userId: "sam", feature: "copy", params: { a: 1 } });
    expect(take().replay).toBe(false);
    t.setNow(new Date("2026-11-24T12:11:00Z"));
    expect(sweepHolds(t.ctx())).toBe(1);
    const again = take();
    expect(again).toMatchObject({ replay: false, hold: { status: "held" } });
    release(t.ctx(), "lost", { error: { code: "not_found", message: "gone" } });
    // Released with an outcome: that is the request's answer now.
    expect(take()).toMatchObject({ replay: true, outcome: { error: { code: "not_found" } } });
    expectLedgerBalances(t.db);
  });
});

