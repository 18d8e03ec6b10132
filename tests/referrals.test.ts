import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, MILLI, type Catalog } from "../billing/catalog.ts";
import { billingCatalogs } from "../db/schema/index.ts";
import { NOW, expectEnvelope, rows, setup, type Call } from "./helpers.ts";

const H = 3_600_000;
const D = 24 * H;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const MIDNIGHT = new Date("2026-11-24T16:00:00Z"); // 00:00 on Nov 25 in Asia/Shanghai; NOW is 20:00 on Nov 24

/** A workspace whose referral help earns `copy` credit (the metered route there is) and no free copy allowance. */
function world(referral: Partial<Catalog["referral"]> = {}, feature: Catalog["referral"]["feature"] = "copy") {
  const t = setup();
  const admin = t.key("acme", ["ingest", "generate", "admin"]);
  const gen = t.key("acme", ["generate"]);
  const ctx = t.ctx("acme");
  const free = { ...DEFAULT_CATALOG.plans.free, monthly: { ...DEFAULT_CATALOG.plans.free.monthly, copy: 0 } };
  const catalog: Catalog = { ...DEFAULT_CATALOG, plans: { ...DEFAULT_CATALOG.plans, free }, referral: { ...DEFAULT_CATALOG.referral, feature, ...referral } };
  t.db.insert(billingCatalogs).values({ workspaceId: ctx.workspaceId, catalog, updatedAt: 0 }).run();
  let n = 0;
  /** Users the workspace sees now (no timestamp: the time received) or at an earlier instant. */
  const seen = async (ids: string[], when?: Date) => {
    const events = ids.map((userId) => ({ id: `e${n++}`, userId, name: "open_app", ...(when ? { timestamp: when.toISOString() } : {}) }));
    expect((await t.call("POST", "/v1/events", { key: admin, body: { events } })).body.accepted).toBe(ids.length);
  };
  /** Existing users: first seen the day before the links are made. */
  const old = (...ids: string[]) => seen(ids, at(-D));
  const link = async (userId: string): Promise<string> => {
    const r = await t.call("POST", "/v1/referrals", { key: gen, body: { userId } });
    expect(r.status).toBe(200);
    return r.body.code;
  };
  const help = (code: string, helperId: string, deviceId?: string) =>
    t.call("POST", `/v1/referrals/${code}/help`, { key: gen, body: { helperId, ...(deviceId ? { deviceId } : {}) } });
  const voidHelp = (code: string, helpId: string, key = admin) => t.call("POST", `/v1/referrals/${code}/helps/${helpId}/void`, { key });
  let req = 0;
  const copy = (userId: string) => t.call("POST", "/v1/generations/copy", { key: gen, body: { userId, requestId: `r${req++}`, copy: { channel: "push", theme: "promotion" } } });
  const credits = async (userId: string) => (await t.call("GET", `/v1/billing/users/${userId}/balance`, { key: gen })).body.features.find((f: any) => f.feature === feature);
  const progress = async (code: string) => (await t.call("GET", `/v1/referrals/${code}`, { key: gen })).body;
  return { ...t, admin, gen, seen, old, link, help, voidHelp, copy, credits, progress };
}

function refused(r: Call, status: number, reason: string) {
  expectEnvelope(r, status);
  expect(r.body.error.details.reason).toBe(reason);
}

/** Grants, holds, releases and voids in the ledger add up to what the grants hold now. */
function expectLedgerBalances(db: ReturnType<typeof setup>["db"]) {
  const sum = (type: string) => rows(db, "SELECT coalesce(sum(amount), 0) AS n FROM credit_ledger WHERE type = ?", type)[0].n;
  const remaining = rows(db, "SELECT coalesce(sum(remaining), 0) AS n FROM credit_grants")[0].n;
  expect(remaining).toBe(sum("grant") - sum("hold") + sum("release") - sum("void"));
}

describe("referral help (砍一刀): what a help is worth", () => {
  it("a new user's help is worth 1 credit, an existing user's 0.25, and the fraction shows in the balance", async () => {
    const t = world();
    await t.old("oldie");
    const code = await t.link("ann");
    t.setNow(at(60_000));
    await t.seen(["newbie"]);
    const a = await t.help(code, "newbie", "dev-1");
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ inviterId: "ann", helperId: "newbie", newUser: true, credits: 1, status: "granted", spendableAt: "2026-11-24T20:01:00+08:00", expiresAt: "2026-12-24T20:01:00+08:00" });
    const b = await t.help(code, "oldie");
    expect(b.body).toMatchObject({ newUser: false, credits: 0.25 });
    const bal = await t.credits("ann");
    expect(bal.available).toBe(1.25);
    expect(bal.credits.map((c: any) => [c.kind, c.category, c.remaining]).sort()).toEqual([["referral", "promotional", 0.25], ["referral", "promotional", 1]]);
    expect(rows(t.db, "SELECT type, amount, user_id FROM credit_ledger ORDER BY seq")).toEqual([
      { type: "grant", amount: MILLI, user_id: "ann" },
      { type: "grant", amount: 250, user_id: "ann" },
    ]);
    expectLedgerBalances(t.db);
  });

  it("four existing users' helps buy one use; three do not", async () => {
    const t = world();
    await t.old("o1", "o2", "o3", "o4");
    const code = await t.link("ann");
    for (const h of ["o1", "o2", "o3"]) expect((await t.help(code, h)).status).toBe(200);
    const short = await t.copy("ann");
    expectEnvelope(short, 402, "payment_required");
    expect(short.body.error.details).toMatchObject({ available: 0.75, required: 1 });
    expect((await t.progress(code)).helpsNeeded).toEqual({ newUser: 1, existingUser: 1 });
    expect((await t.help(code, "o4")).status).toBe(200);
    expect((await t.copy("ann")).status).toBe(200);
    expect((await t.credits("ann")).available).toBe(0);
    expectEnvelope(await t.copy("ann"), 402);
    expect((await t.progress(code)).helpsNeeded).toEqual({ newUser: 1, existingUser: 4 });
    expectLedgerBalances(t.db);
  });
});

describe("referral help: every refusal rule", () => {
  it("self-help is a 400, also under an id merged into the inviter", async () => {
    const t = world();
    await t.old("ann", "ann-old");
    const code = await t.link("ann");
    refused(await t.help(code, "ann"), 400, "self_help");
    expect((await t.call("POST", "/v1/alias", { key: t.admin, body: { previousId: "ann-old", userId: "ann" } })).status).toBe(200);
    refused(await t.help(code, "ann-old"), 400, "self_help");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_grants")).toEqual([{ n: 0 }]);
  });

  it("a second help by the same helper to the same inviter is a 409; the first stands", async () => {
    const t = world();
    await t.old("o1");
    const code = await t.link("ann");
    expect((await t.help(code, "o1", "d1")).status).toBe(200);
    refused(await t.help(code, "o1", "d2"), 409, "already_helped");
    expect(rows(t.db, "SELECT user_id, amount FROM credit_grants")).toEqual([{ user_id: "ann", amount: 250 }]);
  });

  it("a second help from the same device to the same inviter is a 409, even by another helper; the device may help someone else", async () => {
    const t = world();
    await t.old("o1", "o2");
    const ann = await t.link("ann");
    const bob = await t.link("bob");
    expect((await t.help(ann, "o1", "phone-1")).status).toBe(200);
    refused(await t.help(ann, "o2", "phone-1"), 409, "device_already_helped");
    expect((await t.help(bob, "o2", "phone-1")).status).toBe(200);
    expect((await t.help(ann, "o2", "phone-2")).status).toBe(200);
    expect(rows(t.db, "SELECT user_id, count(*) AS n FROM credit_grants GROUP BY 1 ORDER BY 1")).toEqual([{ user_id: "ann", n: 2 }, { user_id: "bob", n: 1 }]);
  });

  it("an A↔B loop is refused within 30 days and allowed after", async () => {
    const t = world();
    await t.old("ann", "bob");
    const ann = await t.link("ann");
    const bob = await t.link("bob");
    expect((await t.help(bob, "ann")).status).toBe(200);
    const loop = await t.help(ann, "bob");
    refused(loop, 409, "loop");
    expect(loop.body.error.details.allowedFrom).toBe("2026-12-24T20:00:00+08:00");
    t.setNow(at(30 * D - 1));
    refused(await t.help(ann, "bob"), 409, "loop");
    t.setNow(at(30 * D));
    expect((await t.help(ann, "bob")).status).toBe(200);
  });

  it("past the inviter's daily cap is a 429 until local midnight, not UTC midnight", async () => {
    const t = world();
    const helpers = Array.from({ length: 11 }, (_, i) => `o${i}`);
    await t.old(...helpers, "bob");
    const ann = await t.link("ann");
    for (const h of helpers.slice(0, 10)) expect((await t.help(ann, h)).status).toBe(200);
    const capped = await t.help(ann, "o10");
    refused(capped, 429, "inviter_daily_cap");
    expect(capped.headers.get("retry-after")).toBe(String(4 * 3600));
    expect(capped.body.error.details).toMatchObject({ limit: 10, resetsAt: "2026-11-25T00:00:00+08:00" });
    // Another inviter is not capped by ann's helps.
    expect((await t.help(await t.link("bob"), "o10")).status).toBe(200);
    t.setNow(new Date(MIDNIGHT.getTime() - 1));
    refused(await t.help(ann, "bob"), 429, "inviter_daily_cap");
    t.setNow(MIDNIGHT);
    expect((await t.help(ann, "bob")).status).toBe(200);
  });

  it("past the helper's daily cap is a 429 with Retry-After to local midnight; the cap resets then", async () => {
    const t = world();
    await t.old("o1");
    const links = [];
    for (const u of ["a", "b", "c", "d"]) links.push(await t.link(u));
    for (const code of links.slice(0, 3)) expect((await t.help(code, "o1")).status).toBe(200);
    const capped = await t.help(links[3]!, "o1");
    refused(capped, 429, "helper_daily_cap");
    expect(capped.headers.get("retry-after")).toBe(String(4 * 3600));
    t.setNow(new Date(MIDNIGHT.getTime() - 1000));
    expect((await t.help(links[3]!, "o1")).headers.get("retry-after")).toBe("1");
    t.setNow(MIDNIGHT);
    expect((await t.help(links[3]!, "o1")).status).toBe(200);
    expect(rows(t.db, "SELECT count(*) AS n FROM referral_helps WHERE helper_id = 'o1'")).toEqual([{ n: 4 }]);
  });

  it("an unknown helper, an unknown link and bad input are clear 4xx, and nothing is stored", async () => {
    const t = world();
    const code = await t.link("ann");
    refused(await t.help(code, "ghost"), 404, "unknown_helper");
    refused(await t.help("nope", "ghost"), 404, "unknown_code");
    expectEnvelope(await t.call("GET", "/v1/referrals/nope", { key: t.gen }), 404, "not_found");
    expectEnvelope(await t.call("POST", `/v1/referrals/${code}/help`, { key: t.gen, body: { helperId: "anon:x" } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", `/v1/referrals/${code}/help`, { key: t.gen, body: { helper: "o1" } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/referrals", { key: t.gen, body: {} }), 400, "validation_failed");
    expect(rows(t.db, "SELECT (SELECT count(*) FROM credit_grants) + (SELECT count(*) FROM referral_helps) AS n")).toEqual([{ n: 0 }]);
  });

  it("concurrent helps by the same helper grant once; by one device under different helpers, once", async () => {
    const t = world();
    await t.old("o1", ...Array.from({ length: 5 }, (_, i) => `p${i}`));
    const code = await t.link("ann");
    const same = await Promise.all(Array.from({ length: 5 }, () => t.help(code, "o1")));
    expect(same.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of same.filter((r) => r.status !== 200)) refused(r, 409, "already_helped");
    const device = await Promise.all(Array.from({ length: 5 }, (_, i) => t.help(code, `p${i}`, "shared-phone")));
    expect(device.filter((r) => r.status === 200)).toHaveLength(1);
    expect(rows(t.db, "SELECT count(*) AS n, sum(amount) AS total FROM credit_grants")).toEqual([{ n: 2, total: 500 }]);
    expect(rows(t.db, "SELECT count(*) AS n FROM referral_helps")).toEqual([{ n: 2 }]);
    expectLedgerBalances(t.db);
  });
});

describe("referral credit: hold, void, expiry", () => {
  it("held credit is not spendable before holdHours; an admin can void it then, not after", async () => {
    const t = world({ holdHours: 24 });
    const code = await t.link("ann");
    t.setNow(at(60_000));
    await t.seen(["n1", "n2"]);
    const first = (await t.help(code, "n1")).body;
    expect(first.spendableAt).toBe("2026-11-25T20:01:00+08:00");
    expectEnvelope(await t.copy("ann"), 402);
    expect((await t.progress(code)).helps).toMatchObject({ creditsEarned: 1, creditsPending: 1 });
    t.setNow(at(H));
    expectEnvelope(await t.voidHelp(code, first.id, t.gen), 403, "forbidden");
    const voided = await t.voidHelp(code, first.id);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: "voided", voidedAt: "2026-11-24T21:00:00+08:00" });
    expect((await t.voidHelp(code, first.id)).body.status).toBe("voided");
    expect(rows(t.db, "SELECT remaining, voided_at FROM credit_grants WHERE source = ?", `referral:${first.id}`)).toEqual([{ remaining: 0, voided_at: at(H).getTime() }]);
    expect(rows(t.db, "SELECT type, amount FROM credit_ledger WHERE type = 'void'")).toEqual([{ type: "void", amount: MILLI }]);
    const second = (await t.help(code, "n2")).body;
    // A voided help's credit never becomes spendable; the other one does, after its hold.
    t.setNow(at(25 * H - 1));
    expectEnvelope(await t.copy("ann"), 402);
    t.setNow(at(25 * H));
    expect((await t.credits("ann")).available).toBe(1);
    refused(await t.voidHelp(code, second.id), 409, "hold_over");
    expect((await t.copy("ann")).status).toBe(200);
    refused(await t.voidHelp(code, "help_missing"), 404, "unknown_help");
    expectLedgerBalances(t.db);
  });

  it("an expired referral grant is never spent (half-open: gone at exactly 30 days)", async () => {
    const t = world();
    const code = await t.link("ann");
    t.setNow(at(60_000));
    await t.seen(["n1"]);
    expect((await t.help(code, "n1")).status).toBe(200);
    t.setNow(at(60_000 + 30 * D - 1));
    expect((await t.credits("ann")).available).toBe(1);
    t.setNow(at(60_000 + 30 * D));
    expect((await t.credits("ann")).available).toBe(0);
    t.setNow(at(31 * D));
    const out = await t.copy("ann");
    expectEnvelope(out, 402, "payment_required");
    expect(out.body.error.details).toMatchObject({ limitSource: "credits", available: 0 });
    expect(rows(t.db, "SELECT kind, amount, remaining FROM credit_grants")).toEqual([{ kind: "referral", amount: MILLI, remaining: MILLI }]);
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_ledger WHERE type = 'hold'")).toEqual([{ n: 0 }]);
  });
});

describe("referral links and progress", () => {
  it("the 402 names the referral option with the user's own code when the referral feature matches", async () => {
    const t = world();
    const out = await t.copy("zed");
    expectEnvelope(out, 402);
    const option = out.body.error.details.options.find((o: any) => o.type === "referral");
    const code = await t.link("zed");
    expect(option).toMatchObject({ code, url: `/v1/referrals/${code}`, helpsNeeded: 1, helpsNeededExistingUsers: 4, creditsPerNewUserHelp: 1, creditsPerExistingUserHelp: 0.25 });
    // A referral that earns songs is no way out of a copy 402.
    const songs = world({}, "song");
    const plain = await songs.copy("zed");
    expect(plain.body.error.details.options.map((o: any) => o.type)).toEqual(["subscribe"]);
  });

  it("a link is one per user; progress matches what happened; keys need the generate scope", async () => {
    const t = world({ holdHours: 2 });
    await t.old("o1", "o2");
    const code = await t.link("ann");
    expect(await t.link("ann")).toBe(code);
    expect(await t.link("bob")).not.toBe(code);
    t.setNow(at(60_000));
    await t.seen(["n1"]);
    const helps = [await t.help(code, "n1", "d1"), await t.help(code, "o1", "d2"), await t.help(code, "o2", "d3")].map((r) => r.body);
    expect((await t.voidHelp(code, helps[2].id)).status).toBe(200);
    const p = await t.progress(code);
    expect(p).toMatchObject({
      code,
      url: `/v1/referrals/${code}`,
      inviterId: "ann",
      feature: "copy",
      rules: { creditsPerNewUserHelp: 1, creditsPerExistingUserHelp: 0.25, holdHours: 2, expiresDays: 30, dailyCapPerInviter: 10, dailyCapPerHelper: 3, loopDays: 30 },
      helps: { count: 3, newUsers: 1, existingUsers: 2, voided: 1, creditsEarned: 1.25, creditsPending: 1.25, today: 3, leftToday: 7 },
      balance: { costPerUse: 1, available: 0 },
      helpsNeeded: { newUser: 1, existingUser: 4 },
    });
    expect(p.recent.map((h: any) => [h.helperId, h.status])).toEqual([["o2", "voided"], ["o1", "granted"], ["n1", "granted"]]);
    t.setNow(at(3 * H));
    expect((await t.progress(code)).helps.creditsPending).toBe(0);
    expect((await t.progress(code)).balance.available).toBe(1.25);
    const ingestOnly = t.key("acme", ["ingest"]);
    expectEnvelope(await t.call("POST", "/v1/referrals", { key: ingestOnly, body: { userId: "ann" } }), 403, "forbidden");
    expectEnvelope(await t.call("GET", `/v1/referrals/${code}`), 401);
  });
});
