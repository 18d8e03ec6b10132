/**
 * The admin side of billing over HTTP: catalogue changes (each price-ladder rule), compensation
 * grants, usage per key/feature/local day, developer-key credit caps, billing_overview against a
 * scripted history, and grant_credits through the agent waiting for the operator's approval.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, MILLI } from "../billing/catalog.ts";
import { addGrant, ledger } from "../billing/grants.ts";
import { billingOverview } from "../billing/overview.ts";
import { reserve, settle } from "../billing/holds.ts";
import { openDb } from "../db/node.ts";
import { creditGrants, paymentEvents, referralHelps, referrals } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { createApp } from "../server/app.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import { TOOLS } from "../tools/registry.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { NOW, callResult, expectEnvelope, jsonInit, rows, setup } from "./helpers.ts";

const COPY = { channel: "push", theme: "promotion" };
const DAY = 86_400_000;

/** A workspace with an admin key, an operator key and developer keys (generate only) whose ids we know. */
function billed(start: Date = NOW) {
  const t = setup(start);
  const admin = t.key("acme", ["admin"]);
  const operator = t.key("acme", ["operator"]);
  const dev = (name: string) => createKey(t.ctx("acme"), { name, scopes: ["generate"] });
  const gen = (key: string, userId: string, extra: Record<string, unknown> = {}) => t.call("POST", "/v1/generations/copy", { key, body: { userId, copy: COPY, ...extra } });
  const failing = (key: string, userId: string) => gen(key, userId, { copy: { ...COPY, segmentId: "seg_missing" } });
  return { ...t, admin, operator, dev, gen, failing };
}

describe("PATCH /v1/billing/catalog", () => {
  it("merges a valid change and stores it; refuses each price-ladder rule with the reason; admin only", async () => {
    const t = billed();
    const patch = (body: unknown, key = t.admin) => t.call("PATCH", "/v1/billing/catalog", { key, body });
    const ok = await patch({ packs: [{ sku: "pack_10", feature: "song", credits: 10, price: 1000 }], plans: { free: { monthly: { copy: 5 } } } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.packs[0].price).toBe(1000);
    // A merge: the other allowances of the free plan are still there.
    expect(ok.body.plans.free.monthly).toEqual({ song: 3, certificate: 1, copy: 5 });
    expect((await t.call("GET", "/v1/billing/catalog", { key: t.operator })).body).toEqual(ok.body);
    expect(JSON.parse(rows(t.db, "SELECT catalog FROM billing_catalogs")[0].catalog).packs[0].price).toBe(1000);

    const packTooDear = await patch({ packs: [{ sku: "pack_10", feature: "song", credits: 10, price: 1800 }] });
    expectEnvelope(packTooDear, 400, "validation_failed");
    expect(packTooDear.body.error.message).toMatch(/^加速包须比一个月会员便宜.* \/ invalid catalogue: packs: pack pack_10 \(1800 fen\) must cost less than a month of membership \(1800 fen\)/);
    const membershipCheaper = await patch({ subscription: { price: 900 } });
    expectEnvelope(membershipCheaper, 400, "validation_failed");
    expect(membershipCheaper.body.error.details[0]).toEqual({ path: "packs", message: "pack pack_10 (1000 fen) must cost less than a month of membership (900 fen)" });
    const firstMonth = await patch({ subscription: { firstMonthPrice: 1000 } });
    expectEnvelope(firstMonth, 400, "validation_failed");
    expect(firstMonth.body.error.message).toContain("首月价格须低于每个加速包");
    expect(firstMonth.body.error.message).toContain("the first month (1000 fen) must cost less than pack pack_10 (1000 fen)");

    for (const bad of [{ bogus: 1 }, { currency: "USD" }, { features: { song: { cost: 0 } } }, { plans: { free: { monthly: { copy: 1.5 } } } }]) expectEnvelope(await patch(bad), 400, "validation_failed");
    // One sku per product; thousandths at most; a feature renews monthly or daily, not both.
    const twice = await patch({ packs: [{ sku: "p", feature: "song", credits: 1, price: 700 }, { sku: "p", feature: "copy", credits: 50, price: 700 }] });
    expectEnvelope(twice, 400, "validation_failed");
    expect(twice.body.error.message).toContain("sku p is used twice");
    expectEnvelope(await patch({ packs: [{ sku: "member_monthly", feature: "song", credits: 1, price: 500 }] }), 400, "validation_failed");
    expectEnvelope(await patch({ referral: { ...DEFAULT_CATALOG.referral, newUserCredits: 0.0004, existingUserCredits: 0 } }), 400, "validation_failed");
    expectEnvelope(await patch({ features: { song: { cost: 1.0005 } } }), 400, "validation_failed");
    const both = await patch({ plans: { free: { daily: { copy: 0 } } } });
    expectEnvelope(both, 400, "validation_failed");
    expect(both.body.error.message).toContain("copy has both a monthly and a daily allowance on the free plan");
    expectEnvelope(await patch([1, 2]), 400, "validation_failed");
    expectEnvelope(await patch({}), 400, "validation_failed");
    expectEnvelope(await patch({ plans: { free: { ["__proto__"]: { monthly: {} } } } }), 400, "validation_failed");
    const proto = await t.app.request("/v1/billing/catalog", jsonInit("PATCH", { key: t.admin, raw: '{"__proto__": {"currency": "USD"}}' }));
    expectEnvelope(await callResult(proto), 400, "validation_failed");
    for (const key of [t.operator, t.key("acme", ["ingest"]), t.dev("d").key]) expectEnvelope(await patch({ holdTimeoutSeconds: 60 }, key), 403, "forbidden");
    // Nothing refused was kept; null removes an allowance.
    expect((await t.call("GET", "/v1/billing/catalog", { key: t.admin })).body).toEqual(ok.body);
    expect((await patch({ plans: { free: { monthly: { copy: null } } } })).body.plans.free.monthly).toEqual({ song: 3, certificate: 1 });
  });
});

describe("POST /v1/billing/users/{userId}/grants (compensation)", () => {
  it("shows in the balance and the ledger, is spendable, expires, and grants once per request id", async () => {
    const t = billed();
    const dev = t.dev("app").key;
    await t.call("PATCH", "/v1/billing/catalog", { key: t.admin, body: { plans: { free: { monthly: { copy: null } } } } });
    const grant = (body: Record<string, unknown>, key = t.admin, user = "ann") => t.call("POST", `/v1/billing/users/${user}/grants`, { key, body });
    const body = { feature: "copy", credits: 2.5, expiresInDays: 1, reason: "outage on the 23rd", requestId: "comp-1" };
    const first = await grant(body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ replay: false, grant: { userId: "ann", kind: "compensation", credits: 2.5, remaining: 2.5, expiresAt: "2026-11-25T20:00:00+08:00", reason: "outage on the 23rd" } });
    expect((await grant(body)).body).toEqual({ ...first.body, replay: true });
    expectEnvelope(await grant({ ...body, credits: 3 }), 409, "conflict");
    expectEnvelope(await grant(body, t.admin, "bob"), 409, "conflict");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_grants WHERE kind = 'compensation'")).toEqual([{ n: 1 }]);

    const copy = (await t.call("GET", "/v1/billing/users/ann/balance", { key: t.admin })).body.features.find((f: any) => f.feature === "copy");
    expect(copy.available).toBe(2.5);
    expect(copy.credits).toEqual([expect.objectContaining({ id: first.body.grant.id, kind: "compensation", remaining: 2.5 })]);
    expect((await t.call("GET", "/v1/billing/users/ann/ledger", { key: t.admin })).body.entries).toEqual([expect.objectContaining({ type: "grant", credits: 2.5, grantId: first.body.grant.id })]);

    expect((await t.gen(dev, "ann")).status).toBe(200);
    t.setNow(new Date(NOW.getTime() + DAY - 60_000));
    expect((await t.gen(dev, "ann")).status).toBe(200);
    // Half a credit is left, less than a use costs; at the expiry instant it is gone altogether.
    expectEnvelope(await t.gen(dev, "ann"), 402, "payment_required");
    t.setNow(new Date(NOW.getTime() + DAY));
    expect((await t.call("GET", "/v1/billing/users/ann/balance", { key: t.admin })).body.features.find((f: any) => f.feature === "copy")).toMatchObject({ available: 0, credits: [] });
    const later = await grant({ feature: "copy", credits: 1, reason: "goodwill" });
    expect(later.body.grant).toMatchObject({ expiresAt: null, credits: 1 });
    expect((await t.gen(dev, "ann")).status).toBe(200);

    for (const bad of [{ ...body, credits: 0.0005 }, { ...body, credits: 0 }, { ...body, credits: -1 }, { ...body, feature: "video" }, { feature: "copy", credits: 1 }, { ...body, expiresInDays: 0 }, { ...body, extra: true }])
      expectEnvelope(await grant(bad), 400, "validation_failed");
    expectEnvelope(await grant(body, t.admin, "anon:x"), 400, "validation_failed");
    expectEnvelope(await grant(body, t.operator), 403, "forbidden");
  });
});

describe("GET /v1/usage", () => {
  it("counts per key, feature and local day in Asia/Shanghai: uses just after local midnight are the next day although UTC is still the same day", async () => {
    const t = billed(new Date("2026-11-24T15:30:00Z")); // 23:30 on Nov 24 in Shanghai
    const a = t.dev("a");
    const b = t.dev("b");
    for (const u of ["u1", "u2"]) expect((await t.gen(a.key, u)).status).toBe(200);
    expect((await t.gen(b.key, "u1")).status).toBe(200);
    t.setNow(new Date("2026-11-24T16:30:00Z")); // 00:30 on Nov 25 in Shanghai, still Nov 24 in UTC
    expect((await t.gen(a.key, "u3")).status).toBe(200);
    expectEnvelope(await t.failing(a.key, "u3"), 404);
    reserve(t.ctx("acme"), { holdId: "open", userId: "u4", feature: "copy", keyId: a.id });

    const fig = (uses: number, succeeded: number, failed: number, held = 0) => ({ uses, succeeded, failed, creditsSettled: succeeded, creditsReleased: failed, creditsHeld: held });
    const day24 = [{ day: "2026-11-24", keyId: a.id, feature: "copy", ...fig(2, 2, 0) }, { day: "2026-11-24", keyId: b.id, feature: "copy", ...fig(1, 1, 0) }].sort((x, y) => x.keyId.localeCompare(y.keyId));
    const day25 = { day: "2026-11-25", keyId: a.id, feature: "copy", ...fig(3, 1, 1, 1) };
    const r = await t.call("GET", "/v1/usage?from=2026-11-24&to=2026-11-25", { key: t.operator });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ timezone: "Asia/Shanghai", from: "2026-11-24", to: "2026-11-25", rows: [...day24, day25], totals: fig(6, 4, 1, 1) });
    // The default window ends today (local) and spans 30 days; admin keys may read it too.
    const d = await t.call("GET", "/v1/usage", { key: t.admin });
    expect(d.body).toMatchObject({ from: "2026-10-27", to: "2026-11-25", rows: [...day24, day25] });
    expect((await t.call("GET", `/v1/usage?keyId=${b.id}`, { key: t.operator })).body.rows).toEqual(day24.filter((x) => x.keyId === b.id));
    expect((await t.call("GET", "/v1/usage?to=2026-11-24", { key: t.operator })).body.rows).toEqual(day24);
    expect((await t.call("GET", "/v1/usage?feature=song", { key: t.operator })).body.rows).toEqual([]);

    for (const q of ["from=2026-01-01&to=2026-12-31", "from=2026-11-25&to=2026-11-24", "from=2026-13-01", "to=yesterday", "feature=video", "bogus=1"])
      expectEnvelope(await t.call("GET", `/v1/usage?${q}`, { key: t.operator }), 400, "validation_failed");
    for (const key of [t.key("acme", ["ingest"]), a.key]) expectEnvelope(await t.call("GET", "/v1/usage", { key }), 403, "forbidden");
  });
});

describe("developer key credit caps", () => {
  it("a key capped at 2 credits a month: the third use is a 402 api_key_limit although the user has credit; other keys unaffected; a failed use gives the cap back; it refills on the 1st (local)", async () => {
    const t = billed(new Date("2026-11-30T15:00:00Z")); // 23:00 on Nov 30 in Shanghai
    const a = t.dev("capped");
    const b = t.dev("free");
    const limit = (keyId: string, key = t.admin) => t.call("GET", `/v1/billing/keys/${keyId}/limit`, { key });
    const set = await t.call("PUT", `/v1/billing/keys/${a.id}/limit`, { key: t.admin, body: { credits: 2, refill: "monthly" } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ keyId: a.id, limit: { credits: 2, refill: "monthly", used: 0, left: 2, resetsAt: "2026-12-01T00:00:00+08:00" } });

    expect((await t.gen(a.key, "u1")).status).toBe(200);
    expectEnvelope(await t.failing(a.key, "u1"), 404);
    expect((await limit(a.id)).body.limit).toMatchObject({ used: 1, left: 1 });
    expect((await t.gen(a.key, "u1")).status).toBe(200);
    const out = await t.gen(a.key, "u1");
    expectEnvelope(out, 402, "payment_required");
    expect(out.body.error.details).toMatchObject({ limitSource: "api_key_limit", required: 1, available: 0, nextResetAt: "2026-12-01T00:00:00+08:00" });
    const copy = (await t.call("GET", "/v1/billing/users/u1/balance", { key: t.admin })).body.features.find((f: any) => f.feature === "copy");
    expect(copy.allowance).toMatchObject({ used: 2, left: 18 });
    expect((await t.gen(b.key, "u1")).status).toBe(200);

    // The key sees its own cap; only an admin sees another's.
    expect((await t.call("GET", "/v1/billing/keys/self/limit", { key: a.key })).body).toEqual({ keyId: a.id, limit: { credits: 2, refill: "monthly", used: 2, left: 0, resetsAt: "2026-12-01T00:00:00+08:00" } });
    expect((await t.call("GET", "/v1/billing/keys/self/limit", { key: b.key })).body).toEqual({ keyId: b.id, limit: null });
    expectEnvelope(await limit(a.id, a.key), 403, "forbidden");
    expectEnvelope(await limit(a.id, t.operator), 403, "forbidden");

    t.setNow(new Date("2026-11-30T16:00:00Z")); // 00:00 on Dec 1 in Shanghai
    expect((await t.gen(a.key, "u1")).status).toBe(200);
    expect((await limit(a.id)).body.limit).toEqual({ credits: 2, refill: "monthly", used: 1, left: 1, resetsAt: "2027-01-01T00:00:00+08:00" });

    // Without refill the cap is a one-off budget.
    await t.call("PUT", `/v1/billing/keys/${b.id}/limit`, { key: t.admin, body: { credits: 1, refill: "never" } });
    expect((await t.gen(b.key, "u2")).status).toBe(200);
    const never = await t.gen(b.key, "u2");
    expectEnvelope(never, 402);
    expect(never.body.error.details).toMatchObject({ limitSource: "api_key_limit", nextResetAt: null });

    expect((await t.call("DELETE", `/v1/billing/keys/${a.id}/limit`, { key: t.admin })).body).toEqual({ keyId: a.id, limit: null });
    for (let i = 0; i < 3; i++) expect((await t.gen(a.key, "u3")).status).toBe(200);
    expectEnvelope(await t.call("DELETE", `/v1/billing/keys/${a.id}/limit`, { key: t.admin }), 404, "not_found");
    for (const body of [{ credits: -1, refill: "monthly" }, { credits: 1.0001, refill: "monthly" }, { credits: 1, refill: "weekly" }, { credits: 1 }])
      expectEnvelope(await t.call("PUT", `/v1/billing/keys/${a.id}/limit`, { key: t.admin, body }), 400, "validation_failed");
    expectEnvelope(await t.call("PUT", "/v1/billing/keys/bogus/limit", { key: t.admin, body: { credits: 1, refill: "monthly" } }), 400, "validation_failed");
  });
});

describe("billing_overview", () => {
  it("matches a scripted history: credits by kind and feature, revenue by SKU net of refunds, the referral funnel", async () => {
    const t = billed();
    const dev = t.dev("app").key;
    const ctx = () => t.ctx("acme");
    const now = NOW.getTime();
    const ws = ctx().workspaceId;
    await t.call("PATCH", "/v1/billing/catalog", { key: t.admin, body: { plans: { free: { monthly: { copy: 2 } } } } });
    // Outside the window (40 days ago): a compensation grant and a payment.
    t.setNow(new Date(now - 40 * DAY));
    await t.call("POST", "/v1/billing/users/u5/grants", { key: t.admin, body: { feature: "copy", credits: 5, reason: "old" } });
    t.setNow(NOW);
    // copy: u1 spends its 2; u2 its 2 and 1 of 3 compensation credits; u2's failed use holds and releases compensation credit.
    for (let i = 0; i < 2; i++) expect((await t.gen(dev, "u1")).status).toBe(200);
    expectEnvelope(await t.gen(dev, "u1"), 402);
    await t.call("POST", "/v1/billing/users/u2/grants", { key: t.admin, body: { feature: "copy", credits: 3, reason: "bug" } });
    for (let i = 0; i < 3; i++) expect((await t.gen(dev, "u2")).status).toBe(200);
    expectEnvelope(await t.failing(dev, "u2"), 404);
    // song: u3 bought a pack and uses 4 songs (3 from the allowance, 1 from the pack).
    addGrant(ctx().db, { workspaceId: ws, userId: "u3", feature: "song", kind: "pack", category: "paid", amount: 10 * MILLI, effectiveAt: now, expiresAt: null }, now);
    const songs = (user: string, n: number) => {
      for (let i = 0; i < n; i++) settle(ctx(), reserve(ctx(), { holdId: `${user}-song-${i}`, userId: user, feature: "song" }).hold.id);
    };
    songs("u3", 4);
    // Referral: two links; u4 is helped by two new users (1 each), one existing user (0.25), and one help voided.
    t.db.insert(referrals).values([{ workspaceId: ws, code: "c3", userId: "u3", createdAt: now }, { workspaceId: ws, code: "c4", userId: "u4", createdAt: now }]).run();
    const help = (i: number, newUser: boolean, amount: number, voided = false) => {
      const grantId = addGrant(ctx().db, { workspaceId: ws, userId: "u4", feature: "song", kind: "referral", category: "promotional", amount, effectiveAt: now, expiresAt: now + 30 * DAY }, now);
      if (voided) {
        t.db.update(creditGrants).set({ remaining: 0, voidedAt: now }).where(eq(creditGrants.id, grantId)).run();
        ledger(ctx().db, { workspaceId: ws, userId: "u4", feature: "song", type: "void", amount, grantId, at: now });
      }
      t.db.insert(referralHelps).values({ id: `h${i}`, workspaceId: ws, code: "c4", inviterId: "u4", helperId: `f${i}`, newUser, amount, grantId, status: voided ? "voided" : "granted", createdAt: now, voidedAt: voided ? now : null }).run();
    };
    help(1, true, MILLI);
    help(2, true, MILLI);
    help(3, false, 250);
    help(4, true, MILLI, true);
    songs("u4", 4); // 3 from the allowance, 1 from a referral grant
    const pay = (id: string, type: string, sku: string, amount: number, status: "applied" | "rejected" = "applied", at = now) =>
      t.db.insert(paymentEvents).values({ workspaceId: ws, id, type, userId: "u3", sku, amount, currency: "CNY", status, result: {}, receivedAt: at }).run();
    pay("e1", "payment.succeeded", "pack_10", 1200);
    pay("e2", "payment.succeeded", "pack_10", 1200);
    pay("e3", "payment.refunded", "pack_10", 1200);
    pay("e4", "payment.succeeded", "member_monthly", 600);
    pay("e5", "subscription.renewed", "member_monthly", 1800);
    pay("e6", "payment.succeeded", "pack_10", 999, "rejected");
    pay("e7", "payment.succeeded", "pack_10", 1200, "applied", now - 40 * DAY);

    const row = (kind: string, feature: string, granted: number, spent: number, released = 0, voided = 0) => ({ kind, feature, granted, spent, released, voided, expired: 0 });
    const expected = {
      timezone: "Asia/Shanghai",
      from: "2026-10-26",
      to: "2026-11-24",
      credits: [row("compensation", "copy", 3, 1, 1), row("monthly", "copy", 4, 4), row("monthly", "song", 6, 6), row("pack", "song", 10, 1), row("referral", "song", 3.25, 1, 0, 1)],
      creditTotals: { granted: 26.25, spent: 13, released: 1, voided: 1, expired: 0 },
      revenue: {
        currency: "CNY",
        bySku: [
          { sku: "member_monthly", payments: 2, gross: 2400, refunds: 0, refunded: 0, net: 2400 },
          { sku: "pack_10", payments: 2, gross: 2400, refunds: 1, refunded: 1200, net: 1200 },
        ],
        net: 3600,
      },
      referrals: { linksMade: 2, helps: 4, newUserHelps: 3, existingUserHelps: 1, voidedHelps: 1, invitersHelped: 1, creditsGranted: 2.25, creditsFromNewUsers: 2, creditsFromExistingUsers: 0.25, creditsSpent: 1 },
    };
    const tool = TOOLS.find((x) => x.name === "billing_overview")!;
    expect(tool.sideEffect).toBe("none");
    const out = tool.run(ctx(), tool.input.parse({}));
    expect(out).toEqual(expected);
    expect(tool.output.safeParse(out).success).toBe(true);
    const http = await t.call("GET", "/v1/billing/overview", { key: t.operator });
    expect(http.body).toEqual(expected);
    // A window that starts after all of it is empty; the one 40 days back holds only the old grant and payment.
    const old = await t.call("GET", `/v1/billing/overview?from=2026-10-15&to=2026-10-15`, { key: t.operator });
    expect(old.body.credits).toEqual([row("compensation", "copy", 5, 0)]);
    expect(old.body.revenue.bySku).toEqual([{ sku: "pack_10", payments: 1, gross: 1200, refunds: 0, refunded: 0, net: 1200 }]);
    expectEnvelope(await t.call("GET", "/v1/billing/overview?from=2025-01-01&to=2026-11-24", { key: t.operator }), 400, "validation_failed");
    expectEnvelope(await t.call("GET", "/v1/billing/overview", { key: dev }), 403, "forbidden");
  });
});

// ---------------------------------------------------------------- grant_credits through the agent

/**
 * The offline model routes by lexicon intents to a fixed set of tools and has none for billing, so
 * the agent runs here on a scripted OpenAI-compatible endpoint (as in agent-openai.test.ts): the
 * product's real ChatOpenAI, approval gate and checkpoints, with only the model's choices scripted.
 */
describe("billing tools through the agent", () => {
  type Req = { messages: { role: string; content: unknown }[]; tools?: { function: { name: string; parameters?: any } }[] };
  type Answer = { tool: string; args: unknown } | { text: string };
  const requests: Req[] = [];
  let script: (n: number, req: Req) => Answer = () => ({ text: "no script" });
  let server: Server;
  let app: ReturnType<typeof createApp>;
  const db = openDb();
  const ctx: Ctx = { db, workspaceId: ensureWorkspace(db, "acme", NOW).id, now: () => NOW, log: silentLogger, prompts: repoPrompts };
  const operator = createKey(ctx, { scopes: ["operator"] }).key;
  const admin = createKey(ctx, { scopes: ["admin"] }).key;
  const call = async (method: string, path: string, body?: unknown, key = operator) => callResult(await app.request(path, jsonInit(method, { key, body, headers: { accept: "application/json" } })));
  const songCredits = async (user: string) => (await call("GET", `/v1/billing/users/${user}/balance`, undefined, admin)).body.features.find((f: any) => f.feature === "song").credits;
  const lastToolResult = (r: Req) => JSON.parse(String(r.messages.filter((m) => m.role === "tool").at(-1)!.content));

  /** One streamed chat completion: the scripted tool call or text. */
  function answer(n: number, a: Answer) {
    const delta = "tool" in a ? { role: "assistant", tool_calls: [{ index: 0, id: `call_${n}`, type: "function", function: { name: a.tool, arguments: JSON.stringify(a.args) } }] } : { role: "assistant", content: a.text };
    const chunk = (d: unknown, finish: string | null) => `data: ${JSON.stringify({ id: `c${n}`, object: "chat.completion.chunk", created: 1, model: "fake-gpt", choices: [{ index: 0, delta: d, finish_reason: finish, logprobs: null }] })}\n\n`;
    return chunk(delta, null) + chunk({}, "tool" in a ? "tool_calls" : "stop") + "data: [DONE]\n\n";
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (d) => (raw += d));
      req.on("end", () => {
        const r = JSON.parse(raw) as Req;
        requests.push(r);
        res.writeHead(200, { "content-type": "text/event-stream" }).end(answer(requests.length, script(requests.length, r)));
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    app = createApp({ db, now: () => NOW, prompts: repoPrompts, llm: { baseURL, apiKey: "test", model: "fake-gpt", maxRetries: 0 } });
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  const GRANT = { userId: "zoe", feature: "song", credits: 2, reason: "song render failed twice", requestId: "agent-1" };

  it("grant_credits waits for the operator's approval and grants only after it; a rejection grants nothing", async () => {
    requests.length = 0;
    script = (n, req) => (n === 1 ? { tool: "grant_credits", args: GRANT } : { text: `Granted ${lastToolResult(req).grant.credits} song credits.` });
    const r = await call("POST", "/v1/agent/chat", { message: "Give zoe 2 song credits: her song render failed twice" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pendingApproval).toMatchObject({ tool: "grant_credits", status: "pending", input: GRANT });
    expect(r.body.toolCalls).toEqual([expect.objectContaining({ name: "grant_credits", status: "pending" })]);
    expect(await songCredits("zoe")).toEqual([]);
    // Both tools reach the model as top-level object schemas.
    const params = Object.fromEntries(requests[0]!.tools!.map((x) => [x.function.name, x.function.parameters]));
    expect(params.grant_credits).toMatchObject({ type: "object", properties: { userId: expect.any(Object), credits: expect.any(Object) } });
    expect(params.billing_overview).toMatchObject({ type: "object" });

    // The operator key that asked may not approve a grant: that needs admin, as the grants route does.
    expect((await call("POST", `/v1/agent/approvals/${r.body.pendingApproval.id}`, { decision: "approve" })).status).toBe(403);
    expect(await songCredits("zoe")).toEqual([]);
    const done = await call("POST", `/v1/agent/approvals/${r.body.pendingApproval.id}`, { decision: "approve" }, admin);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.reply).toBe("Granted 2 song credits.");
    expect(await songCredits("zoe")).toEqual([expect.objectContaining({ kind: "compensation", remaining: 2 })]);
    expect((await call("GET", "/v1/billing/users/zoe/ledger", undefined, admin)).body.entries).toEqual([expect.objectContaining({ type: "grant", feature: "song", credits: 2 })]);

    script = (n) => (n === 3 ? { tool: "grant_credits", args: { ...GRANT, userId: "yan", requestId: "agent-2" } } : { text: "Not granted." });
    const again = await call("POST", "/v1/agent/chat", { message: "Give yan 2 song credits" });
    expect(again.body.pendingApproval).toMatchObject({ tool: "grant_credits" });
    const no = await call("POST", `/v1/agent/approvals/${again.body.pendingApproval.id}`, { decision: "reject", message: "not warranted" });
    expect(no.status).toBe(200);
    expect(await songCredits("yan")).toEqual([]);
    expect(rows(db, "SELECT user_id FROM credit_grants WHERE kind = 'compensation'")).toEqual([{ user_id: "zoe" }]);
  });

  it("billing_overview runs without approval and its figures go back to the model", async () => {
    expect((await call("POST", "/v1/billing/users/xia/grants", { feature: "copy", credits: 1.5, reason: "support ticket" }, admin)).status).toBe(200);
    const expected = billingOverview(ctx, {});
    expect(expected.credits).toContainEqual(expect.objectContaining({ kind: "compensation", feature: "copy", granted: 1.5 }));
    requests.length = 0;
    script = (n, req) => (n === 1 ? { tool: "billing_overview", args: {} } : { text: `Granted ${lastToolResult(req).creditTotals.granted} credits.` });
    const r = await call("POST", "/v1/agent/chat", { message: "How much credit did we grant this month?" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pendingApproval).toBeUndefined();
    expect(r.body.toolCalls).toEqual([expect.objectContaining({ name: "billing_overview", status: "ok", output: expected })]);
    expect(r.body.reply).toBe(`Granted ${expected.creditTotals.granted} credits.`);
  });
});
