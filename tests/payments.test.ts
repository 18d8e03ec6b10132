import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, MILLI, type Catalog } from "../billing/catalog.ts";
import { reserve, release } from "../billing/holds.ts";
import { MAX_ATTEMPTS, deliverDue } from "../billing/outbound.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { scheduledTick } from "../server/schedule.ts";
import { TEST_PAYMENT_PAGE } from "../server/pages/testPayment.ts";
import { createApp } from "../server/app.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { expectEnvelope, rows, setup } from "./helpers.ts";

const START = new Date("2026-11-24T12:00:00Z"); // 20:00 in Asia/Shanghai
const COPY = { channel: "push", theme: "promotion" };
const HOUR = 3_600_000;

/** Copy gets a small allowance (free 3, member 10) and a pack of its own, so metered copy stands in for songs. */
const CATALOG: Catalog = {
  ...DEFAULT_CATALOG,
  plans: {
    free: { ...DEFAULT_CATALOG.plans.free, monthly: { ...DEFAULT_CATALOG.plans.free.monthly, copy: 3 } },
    member: { ...DEFAULT_CATALOG.plans.member, monthly: { ...DEFAULT_CATALOG.plans.member.monthly, copy: 10 } },
  },
  packs: [...DEFAULT_CATALOG.packs, { sku: "copy_5", feature: "copy", credits: 5, price: 1000 }],
};

/** The provider's side, written independently of billing/signature.ts: hex HMAC-SHA256 of "<t>.<body>". */
const hmacHex = (secret: string, t: number, body: string) => createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");

async function paid(start = START, catalog: Catalog = CATALOG) {
  const t = setup(start);
  const admin = t.key("acme", ["ingest", "operator", "generate", "admin"]);
  const ws = t.ctx("acme").workspaceId;
  t.db.insert(billingCatalogs).values({ workspaceId: ws, catalog, updatedAt: 0 }).run();
  const settings = async () => (await t.call("GET", "/v1/billing/settings", { key: admin })).body;
  const first = await settings();
  const nowS = () => Math.floor(t.ctx("acme").now().getTime() / 1000);
  /** Posts an event signed with `secrets` (each a v1) at `at` seconds, or with the given header. */
  const hook = (event: unknown, o: { secrets?: string[]; at?: number; header?: string | null; workspace?: number | string } = {}) => {
    const body = JSON.stringify(event);
    const at = o.at ?? nowS();
    const header = o.header !== undefined ? o.header : `t=${at},${(o.secrets ?? [first.secret]).map((s) => `v1=${hmacHex(s, at, body)}`).join(",")}`;
    return t.call("POST", `/v1/webhooks/payments/${o.workspace ?? ws}`, { raw: body, headers: header === null ? {} : { "flywheel-signature": header } });
  };
  const gen = (userId: string, requestId: string) => t.call("POST", "/v1/generations/copy", { key: admin, body: { userId, requestId, copy: COPY } });
  const balance = async (userId: string) => (await t.call("GET", `/v1/billing/users/${userId}/balance`, { key: admin })).body;
  const feature = async (userId: string, f: string) => (await balance(userId)).features.find((x: any) => x.feature === f);
  return { ...t, admin, ws, secret: first.secret as string, settings, hook, gen, balance, feature, nowS, ctxOf: t.ctx, ctx: () => t.ctx("acme") };
}

const event = (id: string, type: string, data: Record<string, unknown>) => ({ id, type, data: { userId: "ann", currency: "CNY", ...data } });
const buyPack = (id: string, sku = "pack_10", amount = 1200, userId = "ann") => event(id, "payment.succeeded", { sku, amount, userId });
const subscribe = (id: string, amount: number, type = "payment.succeeded") => event(id, type, { sku: "member_monthly", amount });

/** Every grant, hold, release and void in the ledger adds up to what the grants hold now. */
function expectLedgerBalances(db: ReturnType<typeof setup>["db"]) {
  const sum = (type: string) => rows(db, "SELECT coalesce(sum(amount), 0) AS n FROM credit_ledger WHERE type = ?", type)[0].n;
  const remaining = rows(db, "SELECT coalesce(sum(remaining), 0) AS n FROM credit_grants")[0].n;
  expect(remaining).toBe(sum("grant") - sum("hold") + sum("release") - sum("void"));
}

const packGrants = (db: ReturnType<typeof setup>["db"]) => rows(db, "SELECT amount, remaining, voided_at FROM credit_grants WHERE kind = 'pack'");

/** A local receiver for outbound webhooks; `status` says what it answers. */
type Received = { headers: IncomingHttpHeaders; body: string };
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
async function receiver(status: () => number = () => 200) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(status()).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Standard Webhooks verification, by the spec rather than by billing/signature.ts. */
function expectStandardSignature(m: Received, secret: string) {
  const id = m.headers["webhook-id"] as string;
  const ts = m.headers["webhook-timestamp"] as string;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${ts}.${m.body}`).digest("base64");
  expect(id).toMatch(/^msg_/);
  expect((m.headers["webhook-signature"] as string).split(" ")).toContain(`v1,${expected}`);
}

describe("payment webhook: signature", () => {
  it("a valid signature credits a pack; the same event sent 100 times credits once; the same id with another body is a 409", async () => {
    const t = await paid();
    const r = await t.hook(buyPack("evt_1"));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: "evt_1", status: "applied", replay: false, result: { product: "pack", feature: "song", credits: 10 } });
    const replays = await Promise.all(Array.from({ length: 100 }, () => t.hook(buyPack("evt_1"))));
    expect(replays.every((x) => x.status === 200 && x.body.replay === true && x.body.result.grantId === r.body.result.grantId)).toBe(true);
    expect(packGrants(t.db)).toEqual([{ amount: 10 * MILLI, remaining: 10 * MILLI, voided_at: null }]);
    expect((await t.feature("ann", "song")).available).toBe(13);
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_ledger WHERE type = 'grant'")).toEqual([{ n: 1 }]);
    expectEnvelope(await t.hook(buyPack("evt_1", "pack_10", 1200, "bob")), 409, "conflict");
    expect(rows(t.db, "SELECT count(*) AS n FROM payment_events")).toEqual([{ n: 1 }]);
  });

  it("a bad, tampered, stale (either way), malformed or missing signature is a 401 and credits nothing", async () => {
    const t = await paid(new Date("2026-11-24T12:00:00Z"));
    const now = t.nowS();
    const body = JSON.stringify(buyPack("evt_x"));
    const refusals = [
      [await t.hook(buyPack("evt_x"), { secrets: ["fwps_not_the_secret"] }), "mismatch"],
      [await t.hook(buyPack("evt_x"), { header: `t=${now},v1=${hmacHex(t.secret, now, body.replace("1200", "1201"))}` }), "mismatch"],
      [await t.hook(buyPack("evt_x"), { at: now - 301 }), "stale"],
      [await t.hook(buyPack("evt_x"), { at: now + 301 }), "stale"],
      [await t.hook(buyPack("evt_x"), { header: `v1=${hmacHex(t.secret, now, body)}` }), "malformed"],
      [await t.hook(buyPack("evt_x"), { header: `t=${now},v1=zz` }), "mismatch"],
      [await t.hook(buyPack("evt_x"), { header: null }), "missing"],
      // Unsigned garbage is refused for its signature before its body is read as JSON.
      [await t.call("POST", `/v1/webhooks/payments/${t.ws}`, { raw: "{not json" }), "missing"],
    ] as const;
    for (const [r, reason] of refusals) {
      expectEnvelope(r, 401, "unauthorized");
      expect(r.body.error.details.reason).toBe(reason);
    }
    expect(packGrants(t.db)).toEqual([]);
    expect(rows(t.db, "SELECT count(*) AS n FROM payment_events")).toEqual([{ n: 0 }]);
    // Within the tolerance both ways it is accepted.
    expect((await t.hook(buyPack("evt_early"), { at: now - 299 })).status).toBe(200);
    expect((await t.hook(buyPack("evt_late"), { at: now + 299 })).status).toBe(200);
    // Signed but invalid: a 400, still nothing stored.
    const bad = await t.hook({ id: "evt_bad", type: "payment.stolen", data: {} });
    expectEnvelope(bad, 400, "validation_failed");
    expectEnvelope(await t.hook(buyPack("evt_z"), { workspace: 999 }), 404, "not_found");
    expectEnvelope(await t.hook({ ...buyPack("evt_big"), pad: "x".repeat(70_000) }), 413, "payload_too_large");
    // A workspace whose admin never read its secret has none, so nothing signed for it is accepted.
    const fresh = await t.hook(buyPack("evt_z"), { workspace: t.ctxOf("other").workspaceId });
    expectEnvelope(fresh, 401, "unauthorized");
    expect(fresh.body.error.details.reason).toBe("no_secret");
    expect(rows(t.db, "SELECT count(*) AS n FROM payment_events")).toEqual([{ n: 2 }]);
  });

  it("after a rotation the previous secret works for the grace period, alone or among several v1, then stops", async () => {
    const t = await paid();
    const old = t.secret;
    const rotated = await t.call("POST", "/v1/billing/settings/rotate-secret", { key: t.admin });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).not.toBe(old);
    expect(rotated.body.previousSecretValidUntil).toBe("2026-11-25T20:00:00+08:00");
    expect((await t.hook(buyPack("evt_old"), { secrets: [old] })).status).toBe(200);
    expect((await t.hook(buyPack("evt_both"), { secrets: ["fwps_wrong", fresh, old] })).status).toBe(200);
    t.setNow(new Date(START.getTime() + 24 * HOUR + 1000));
    expect((await t.settings()).previousSecretValidUntil).toBeNull();
    expectEnvelope(await t.hook(buyPack("evt_late_old"), { secrets: [old] }), 401, "unauthorized");
    expect((await t.hook(buyPack("evt_late_both"), { secrets: [old, fresh] })).status).toBe(200);
    expect(packGrants(t.db)).toHaveLength(3);
  });
});

describe("payment webhook: amounts and refunds", () => {
  it("a wrong amount, currency or sku is refused with a 400, recorded, and credits nothing; resent, it answers the same", async () => {
    const t = await paid();
    const wrong = await t.hook(buyPack("evt_cheap", "pack_10", 1));
    expectEnvelope(wrong, 400, "bad_request");
    expect(wrong.body.error.message).toMatch(/^金额不符.* \/ amount 1 fen does not match the price of pack pack_10 \(1200 fen\)$/);
    expect(wrong.body.error.details).toMatchObject({ eventId: "evt_cheap", status: "rejected", replay: false });
    const again = await t.hook(buyPack("evt_cheap", "pack_10", 1));
    expectEnvelope(again, 400, "bad_request");
    expect(again.body.error.details.replay).toBe(true);
    expectEnvelope(await t.hook(event("evt_usd", "payment.succeeded", { sku: "pack_10", amount: 1200, currency: "USD" })), 400, "bad_request");
    expectEnvelope(await t.hook(buyPack("evt_sku", "pack_999")), 400, "bad_request");
    expect(packGrants(t.db)).toEqual([]);
    expect(rows(t.db, "SELECT id, status FROM payment_events ORDER BY id")).toEqual([
      { id: "evt_cheap", status: "rejected" },
      { id: "evt_sku", status: "rejected" },
      { id: "evt_usd", status: "rejected" },
    ]);
  });

  it("a refund voids what is left of the pack; a hold taken from it and released later does not bring the pack back", async () => {
    const t = await paid(START, { ...CATALOG, plans: { ...CATALOG.plans, free: { ...CATALOG.plans.free, monthly: { copy: 0 } } } });
    expect((await t.hook(buyPack("evt_p", "copy_5", 1000))).status).toBe(200);
    for (const id of ["g1", "g2"]) expect((await t.gen("ann", id)).status).toBe(200);
    reserve(t.ctx(), { holdId: "inflight", userId: "ann", feature: "copy" });
    expectEnvelope(await t.hook(event("evt_r_bad", "payment.refunded", { sku: "copy_5", amount: 999 })), 400, "bad_request");
    const refund = await t.hook(event("evt_r", "payment.refunded", { sku: "copy_5", amount: 1000 }));
    expect(refund.status).toBe(200);
    expect(refund.body.result).toMatchObject({ product: "pack", refundedPaymentId: "evt_p", voidedCredits: 2 });
    expect(packGrants(t.db)).toEqual([{ amount: 5 * MILLI, remaining: 0, voided_at: START.getTime() }]);
    expect(rows(t.db, "SELECT amount FROM credit_ledger WHERE type = 'void'")).toEqual([{ amount: 2 * MILLI }]);
    expectEnvelope(await t.gen("ann", "g3"), 402, "payment_required");
    // The same payment cannot be refunded twice, by name or by default.
    expectEnvelope(await t.hook(event("evt_r2", "payment.refunded", { sku: "copy_5", amount: 1000, paymentId: "evt_p" })), 409, "conflict");
    expectEnvelope(await t.hook(event("evt_r3", "payment.refunded", { sku: "copy_5", amount: 1000 })), 404, "not_found");
    release(t.ctx(), "inflight");
    expect(packGrants(t.db)).toEqual([{ amount: 5 * MILLI, remaining: 0, voided_at: START.getTime() }]);
    expectLedgerBalances(t.db);
  });

  it("a hold taken from a refunded pack and released later gives no credit back at all", async () => {
    const t = await paid(START, { ...CATALOG, plans: { ...CATALOG.plans, free: { ...CATALOG.plans.free, monthly: { copy: 0 } } } });
    await t.hook(buyPack("evt_p", "copy_5", 1000));
    reserve(t.ctx(), { holdId: "inflight", userId: "ann", feature: "copy" });
    await t.hook(event("evt_r", "payment.refunded", { sku: "copy_5", amount: 1000, paymentId: "evt_p" }));
    release(t.ctx(), "inflight");
    expectLedgerBalances(t.db);
    expect((await t.feature("ann", "copy")).available).toBe(0);
  });

  it("refunds name the payment by paymentId, or take the user's latest of the sku; an unknown one is a 404", async () => {
    const t = await paid();
    await t.hook(buyPack("evt_a"));
    await t.hook(buyPack("evt_b"));
    expectEnvelope(await t.hook(event("evt_r0", "payment.refunded", { sku: "pack_10", amount: 1200, paymentId: "evt_nope" })), 404, "not_found");
    const named = await t.hook(event("evt_r1", "payment.refunded", { sku: "pack_10", amount: 1200, paymentId: "evt_a" }));
    expect(named.body.result.refundedPaymentId).toBe("evt_a");
    // Refunds are checked against what was paid, so a pack since repriced (or withdrawn) is refunded at its old price.
    t.db.update(billingCatalogs).set({ catalog: { ...CATALOG, packs: [{ sku: "pack_20", feature: "song", credits: 20, price: 1500 }] } }).run();
    expectEnvelope(await t.hook(event("evt_r2x", "payment.refunded", { sku: "pack_10", amount: 1200, currency: "USD" })), 400, "bad_request");
    const latest = await t.hook(event("evt_r2", "payment.refunded", { sku: "pack_10", amount: 1200 }));
    expect(latest.body.result.refundedPaymentId).toBe("evt_b");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_grants WHERE kind = 'pack' AND voided_at IS NOT NULL")).toEqual([{ n: 2 }]);
  });
});

describe("subscription", () => {
  it("the first payment at the first-month price makes a member (10 songs, not 3); the allowance rises by the difference; the next must be the full price", async () => {
    const t = await paid();
    expect((await t.gen("ann", "before")).status).toBe(200);
    expect((await t.feature("ann", "song")).allowance.granted).toBe(3);
    expectEnvelope(await t.hook(subscribe("evt_s0", 1800)), 400, "bad_request");
    const first = await t.hook(subscribe("evt_s1", 600));
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ product: "subscription", firstPayment: true, plan: "member", planUntil: "2026-12-24T20:00:00+08:00" });
    expect((await t.balance("ann")).plan).toBe("member");
    expect((await t.feature("ann", "song")).allowance.granted).toBe(10);
    // November's copy allowance (3, one used) becomes the member's 10 on the next spend.
    expect((await t.gen("ann", "after")).status).toBe(200);
    expect((await t.feature("ann", "copy")).allowance).toMatchObject({ granted: 10, used: 2, left: 8 });
    const cheap = await t.hook(subscribe("evt_s2", 600));
    expectEnvelope(cheap, 400, "bad_request");
    expect(cheap.body.error.message).toMatch(/a month's price \(1800 fen\)/);
    const second = await t.hook(subscribe("evt_s3", 1800));
    expect(second.body.result).toMatchObject({ firstPayment: false, planUntil: "2027-01-24T20:00:00+08:00" });
    expect(rows(t.db, "SELECT subscribed_at FROM billing_accounts WHERE user_id = 'ann'")).toEqual([{ subscribed_at: START.getTime() }]);
  });

  it("a refund that arrives before its payment is not recorded: the provider's retry applies once the payment is in", async () => {
    const t = await paid();
    const early = event("evt_r_early", "payment.refunded", { sku: "pack_10", amount: 1200, paymentId: "evt_late_pay" });
    expectEnvelope(await t.hook(early), 404, "not_found");
    expect(rows(t.db, "SELECT count(*) AS n FROM payment_events")).toEqual([{ n: 0 }]);
    expect((await t.hook(buyPack("evt_late_pay"))).status).toBe(200);
    const retried = await t.hook(early);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.result).toMatchObject({ product: "pack", voidedCredits: 10 });
    // A renewal before any subscription, likewise.
    expectEnvelope(await t.hook(subscribe("evt_renew_early", 1800, "subscription.renewed")), 409, "conflict");
    expect(rows(t.db, "SELECT id FROM payment_events WHERE id = 'evt_renew_early'")).toEqual([]);
    expectLedgerBalances(t.db);
  });

  it("the balance shows an upgrade at once; a refunded membership takes back what it raised (the part not yet used)", async () => {
    const t = await paid();
    expect((await t.gen("ann", "u1")).status).toBe(200);
    await t.hook(subscribe("evt_m1", 600));
    // Before the next spend, the balance already shows the member's allowance.
    expect((await t.feature("ann", "copy")).allowance).toMatchObject({ granted: 10, used: 1, left: 9 });
    for (const id of ["u2", "u3"]) expect((await t.gen("ann", id)).status).toBe(200);
    const refund = await t.hook(event("evt_m1r", "payment.refunded", { sku: "member_monthly", amount: 600, paymentId: "evt_m1" }));
    expect(refund.status).toBe(200);
    expect((await t.balance("ann")).plan).toBe("free");
    // Three used of the free 3: nothing left, and the member's extra 7 is voided, not kept.
    expect((await t.feature("ann", "copy")).allowance).toMatchObject({ granted: 3, used: 3, left: 0 });
    expectEnvelope(await t.gen("ann", "u4"), 402, "payment_required");
    expectLedgerBalances(t.db);
  });

  it("a renewal extends a month at the full price and tells the app, signed the Standard Webhooks way", async () => {
    const t = await paid();
    const app = await receiver();
    const set = await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: app.url } });
    expect(set.status).toBe(200);
    const secret = set.body.outboundSecret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect((await t.settings()).outboundSecret).toBeUndefined();
    expectEnvelope(await t.hook(subscribe("evt_ren0", 1800, "subscription.renewed")), 409, "conflict");
    await t.hook(subscribe("evt_s1", 600));
    expectEnvelope(await t.hook(subscribe("evt_ren1", 600, "subscription.renewed")), 400, "bad_request");
    const renewed = await t.hook(subscribe("evt_ren2", 1800, "subscription.renewed"));
    expect(renewed.body.result).toMatchObject({ planUntil: "2027-01-24T20:00:00+08:00" });
    await until(() => app.got.length === 1);
    const m = app.got[0]!;
    expectStandardSignature(m, secret);
    expect(m.headers["webhook-timestamp"]).toBe(String(t.nowS()));
    expect(JSON.parse(m.body)).toMatchObject({ type: "subscription.renewed", data: { userId: "ann", plan: "member", planUntil: "2027-01-24T20:00:00+08:00", paymentEventId: "evt_ren2", amount: 1800 } });
    // A resent renewal is answered from the record and tells no one again.
    expect((await t.hook(subscribe("evt_ren2", 1800, "subscription.renewed"))).body.replay).toBe(true);
    await until(() => rows(t.db, "SELECT status FROM webhook_outbox")[0]?.status === "delivered");
    expect(rows(t.db, "SELECT type, status, attempts FROM webhook_outbox")).toEqual([{ type: "subscription.renewed", status: "delivered", attempts: 1 }]);
    expect((await t.settings()).outbox).toEqual({ delivered: 1 });
  });

  it("a delivery the app refuses is retried with backoff and fails after the last attempt", async () => {
    const t = await paid();
    let answer = 500;
    const app = await receiver(() => answer);
    await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: app.url } });
    await t.hook(subscribe("evt_s1", 600));
    await t.hook(subscribe("evt_ren", 1800, "subscription.renewed"));
    await until(() => rows(t.db, "SELECT attempts FROM webhook_outbox")[0]?.attempts === 1 && rows(t.db, "SELECT last_error FROM webhook_outbox")[0]?.last_error);
    expect(rows(t.db, "SELECT status, next_attempt_at - ? AS wait, last_error FROM webhook_outbox", START.getTime())).toEqual([{ status: "pending", wait: 30_000, last_error: "HTTP 500" }]);
    // Not due yet: nothing is sent.
    expect(await deliverDue(t.ctx())).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    let at = START.getTime();
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      at += 25 * HOUR;
      t.setNow(new Date(at));
      expect(await deliverDue(t.ctx())).toEqual(attempt < MAX_ATTEMPTS ? { delivered: 0, retrying: 1, failed: 0 } : { delivered: 0, retrying: 0, failed: 1 });
    }
    expect(rows(t.db, "SELECT status, attempts FROM webhook_outbox")).toEqual([{ status: "failed", attempts: MAX_ATTEMPTS }]);
    expect(app.got).toHaveLength(MAX_ATTEMPTS);
    answer = 200;
    t.setNow(new Date(at + 25 * HOUR));
    expect(await deliverDue(t.ctx())).toEqual({ delivered: 0, retrying: 0, failed: 0 });
  });

  it("a cancellation keeps the plan to its paid-through time, then the user is free; a subscription refund ends it now", async () => {
    const t = await paid();
    expectEnvelope(await t.hook(subscribe("evt_c0", 0, "subscription.cancelled")), 409, "conflict");
    await t.hook(subscribe("evt_s1", 600));
    expectEnvelope(await t.hook(subscribe("evt_c1", 1800, "subscription.cancelled")), 400, "bad_request");
    const c = await t.hook(subscribe("evt_c2", 0, "subscription.cancelled"));
    expect(c.body.result).toMatchObject({ plan: "member", planUntil: "2026-12-24T20:00:00+08:00", cancelledAt: "2026-11-24T20:00:00+08:00" });
    expectEnvelope(await t.hook(subscribe("evt_c3", 0, "subscription.cancelled")), 409, "conflict");
    t.setNow(new Date("2026-12-24T11:59:59Z"));
    expect((await t.balance("ann")).plan).toBe("member");
    t.setNow(new Date("2026-12-24T12:00:00Z"));
    expect((await t.balance("ann")).plan).toBe("free");
    expect((await t.feature("ann", "song")).allowance.granted).toBe(3);

    const u = await t.hook(event("evt_b1", "payment.succeeded", { userId: "ben", sku: "member_monthly", amount: 600 }));
    expect(u.status).toBe(200);
    const r = await t.hook(event("evt_b2", "payment.refunded", { userId: "ben", sku: "member_monthly", amount: 600 }));
    expect(r.body.result).toMatchObject({ product: "subscription", refundedPaymentId: "evt_b1", planEndedAt: "2026-12-24T20:00:00+08:00" });
    expect((await t.balance("ben")).plan).toBe("free");
  });
});

describe("outbound credits.low, the hold sweep and the test page", () => {
  it("credits.low is sent once, when a use takes the user below the threshold", async () => {
    const t = await paid();
    const app = await receiver();
    const secret = (await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: app.url } })).body.outboundSecret;
    for (const id of ["c1", "c2"]) expect((await t.gen("ann", id)).status).toBe(200);
    expect(rows(t.db, "SELECT count(*) AS n FROM webhook_outbox")).toEqual([{ n: 0 }]);
    expect((await t.gen("ann", "c3")).status).toBe(200);
    expectEnvelope(await t.gen("ann", "c4"), 402);
    await until(() => app.got.length === 1);
    expectStandardSignature(app.got[0]!, secret);
    expect(JSON.parse(app.got[0]!.body)).toEqual({
      type: "credits.low",
      timestamp: START.toISOString(),
      data: { userId: "ann", feature: "copy", available: 0, threshold: 1, nextResetAt: "2026-12-01T00:00:00+08:00" },
    });
    // Credit comes back (a pack) and runs low again: that is a new crossing.
    await t.hook(buyPack("evt_p", "copy_5", 1000));
    for (const id of ["c5", "c6", "c7", "c8"]) expect((await t.gen("ann", id)).status).toBe(200);
    expect(rows(t.db, "SELECT count(*) AS n FROM webhook_outbox")).toEqual([{ n: 1 }]);
    expect((await t.gen("ann", "c9")).status).toBe(200);
    await until(() => app.got.length === 2);
    expect(rows(t.db, "SELECT type, status FROM webhook_outbox")).toEqual([
      { type: "credits.low", status: "delivered" },
      { type: "credits.low", status: "delivered" },
    ]);
  });

  it("the scheduled tick releases a hold past its timeout", async () => {
    const t = await paid();
    reserve(t.ctx(), { holdId: "stuck", userId: "ann", feature: "copy" });
    await scheduledTick(t.ctx(), "acme");
    expect(rows(t.db, "SELECT status FROM credit_holds")).toEqual([{ status: "held" }]);
    t.setNow(new Date(START.getTime() + CATALOG.holdTimeoutSeconds * 1000));
    await scheduledTick(t.ctx(), "acme");
    expect(rows(t.db, "SELECT status FROM credit_holds")).toEqual([{ status: "released" }]);
    expect((await t.feature("ann", "copy")).allowance).toMatchObject({ used: 0, left: 3 });
  });

  it("settings need the admin scope; the outbound URL must be http(s)", async () => {
    const t = await paid();
    expectEnvelope(await t.call("GET", "/v1/billing/settings", { key: t.key("acme", ["ingest", "generate"]) }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/billing/settings/rotate-secret", { key: t.key("acme", ["operator"]) }), 403, "forbidden");
    expectEnvelope(await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: "ftp://example.com/x" } }), 400, "validation_failed");
    expectEnvelope(await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: "not a url" } }), 400, "validation_failed");
    const s = await t.settings();
    expect(s).toMatchObject({ workspaceId: t.ws, webhookPath: `/v1/webhooks/payments/${t.ws}`, outboundUrl: null, outboundSecretSet: false, previousSecretValidUntil: null });
    const set = (await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: "https://app.example/hooks" } })).body;
    expect(set).toMatchObject({ outboundUrl: "https://app.example/hooks", outboundSecretSet: true });
    const same = (await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: "https://app.example/other" } })).body;
    expect(same.outboundSecret).toBeUndefined();
    const rotated = (await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { rotateOutboundSecret: true } })).body;
    expect(rotated).toMatchObject({ outboundUrl: "https://app.example/other", outboundSecret: expect.stringMatching(/^whsec_/) });
    expect(rotated.outboundSecret).not.toBe(set.outboundSecret);
    const cleared = (await t.call("PATCH", "/v1/billing/settings", { key: t.admin, body: { outboundUrl: null } })).body;
    expect(cleared).toMatchObject({ outboundUrl: null, outboundSecretSet: true });
    expect(cleared.outboundSecret).toBeUndefined();
  });

  it("the test payment page is served without a key, and the signature its script computes is accepted", async () => {
    const t = await paid();
    const page = await t.app.request("/dev/test-payment");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toBe(TEST_PAYMENT_PAGE);
    expect(html.indexOf("测试支付")).toBeLessThan(html.indexOf("Test payment"));
    // A production app (FLYWHEEL_DEV_PAGES=off; Workers unless DEV_PAGES=on) does not serve it.
    const production = createApp({ db: t.db, prompts: repoPrompts, devPages: false });
    expect((await production.request("/dev/test-payment")).status).toBe(404);
    // The page's own signing function, run here: the browser and the server agree on the scheme.
    const src = /async function hmacHex\(secret, text\) \{[\s\S]*?\n\}/.exec(html)![0];
    const pageHmac = new Function(`${src}; return hmacHex;`)() as (secret: string, text: string) => Promise<string>;
    const body = JSON.stringify(buyPack("evt_page"));
    const at = t.nowS();
    const r = await t.hook(buyPack("evt_page"), { header: `t=${at},v1=${await pageHmac(t.secret, `${at}.${body}`)}` });
    expect(r.status).toBe(200);
  });
});
