/**
 * End-user tokens over HTTP: minted by a `generate` key, they act for one user of one workspace on
 * the routes that take end users, and nowhere else.
 */
import { describe, expect, it } from "vitest";
import { expectEnvelope, setup } from "./helpers.ts";

describe("end-user tokens", () => {
  it("a token reads its own user's balance and ledger, not another user's, not another workspace's, and no other route", async () => {
    const t = setup();
    const backend = t.key("acme", ["generate"]);
    const other = t.key("other", ["generate", "admin"]);
    const mint = await t.call("POST", "/v1/end-users/alice/tokens", { key: backend, body: { ttlSeconds: 600 } });
    expect(mint.status, JSON.stringify(mint.body)).toBe(200);
    expect(mint.body).toMatchObject({ userId: "alice", expiresAt: new Date(t.ctx("acme").now().getTime() + 600_000).toISOString() });
    const alice = mint.body.token as string;

    expect((await t.call("GET", "/v1/billing/users/alice/balance", { key: alice })).status).toBe(200);
    expect((await t.call("GET", "/v1/billing/users/alice/ledger", { key: alice })).status).toBe(200);
    expectEnvelope(await t.call("GET", "/v1/billing/users/bob/balance", { key: alice }), 403, "forbidden");
    expectEnvelope(await t.call("GET", "/v1/billing/users/bob/ledger", { key: alice }), 403, "forbidden");
    // Not a key: no events, no keys, no catalogue edits, no minting more tokens, no agent.
    expectEnvelope(await t.call("POST", "/v1/events", { key: alice, body: { events: [] } }), 403, "forbidden");
    expectEnvelope(await t.call("GET", "/v1/keys", { key: alice }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/end-users/alice/tokens", { key: alice, body: {} }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/agent/chat", { key: alice, body: { message: "hi" } }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/generations/copy", { key: alice, body: { userId: "alice", copy: { channel: "push", theme: "promotion" } } }), 403, "forbidden");

    // A token of another workspace's user sees that workspace only: alice's data here is not there.
    const otherAlice = (await t.call("POST", "/v1/end-users/alice/tokens", { key: other, body: {} })).body.token as string;
    await t.call("POST", "/v1/generations/copy", { key: t.key("acme", ["generate"]), body: { userId: "alice", requestId: "r1", copy: { channel: "push", theme: "promotion" } } });
    const here = (await t.call("GET", "/v1/billing/users/alice/ledger", { key: alice })).body.entries;
    const there = (await t.call("GET", "/v1/billing/users/alice/ledger", { key: otherAlice })).body.entries;
    expect(here.length).toBeGreaterThan(0);
    expect(there).toEqual([]);
  });

  it("an expired, tampered or foreign-signed token is a 401", async () => {
    const t = setup();
    const backend = t.key("acme", ["generate"]);
    const token = (await t.call("POST", "/v1/end-users/carol/tokens", { key: backend, body: { ttlSeconds: 60 } })).body.token as string;
    const [h, p, s] = token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: "dave" })).toString("base64url")}.${s}`;
    expectEnvelope(await t.call("GET", "/v1/billing/users/dave/balance", { key: forged }), 401, "unauthorized");
    expectEnvelope(await t.call("GET", "/v1/billing/users/carol/balance", { key: `${h}.${p}.${"A".repeat(43)}` }), 401, "unauthorized");
    t.setNow(new Date(t.ctx("acme").now().getTime() + 61_000));
    expectEnvelope(await t.call("GET", "/v1/billing/users/carol/balance", { key: token }), 401, "unauthorized");
    // Another deployment's key signs tokens this one does not accept.
    const elsewhere = setup();
    const foreign = (await elsewhere.call("POST", "/v1/end-users/carol/tokens", { key: elsewhere.key("acme", ["generate"]), body: {} })).body.token as string;
    expectEnvelope(await t.call("GET", "/v1/billing/users/carol/balance", { key: foreign }), 401, "unauthorized");
    // Minting needs a generate key; bad input is a 400.
    expectEnvelope(await t.call("POST", "/v1/end-users/carol/tokens", { key: t.key("acme", ["ingest"]), body: {} }), 403, "forbidden");
    expectEnvelope(await t.call("POST", "/v1/end-users/carol/tokens", { key: backend, body: { ttlSeconds: 10 } }), 400, "validation_failed");
  });

  it("a token makes its own user's referral link and helps as its own user only", async () => {
    const t = setup();
    const backend = t.key("acme", ["generate", "ingest"]);
    const token = async (u: string) => (await t.call("POST", `/v1/end-users/${u}/tokens`, { key: backend, body: {} })).body.token as string;
    const inviter = await token("inv");
    const link = await t.call("POST", "/v1/referrals", { key: inviter, body: { userId: "inv" } });
    expect(link.status).toBe(200);
    expectEnvelope(await t.call("POST", "/v1/referrals", { key: inviter, body: { userId: "someone-else" } }), 403, "forbidden");
    await t.call("POST", "/v1/events", { key: backend, body: { events: [{ id: "h1", userId: "helper", name: "app_open", timestamp: t.ctx("acme").now().toISOString() }] } });
    const helper = await token("helper");
    expectEnvelope(await t.call("POST", `/v1/referrals/${link.body.code}/help`, { key: helper, body: { helperId: "not-me" } }), 403, "forbidden");
    expect((await t.call("POST", `/v1/referrals/${link.body.code}/help`, { key: helper, body: { helperId: "helper" } })).status).toBe(200);
    // The progress shows the inviter's balance and helpers: only the inviter's own token sees it.
    expect((await t.call("GET", `/v1/referrals/${link.body.code}`, { key: inviter })).body.inviterId).toBe("inv");
    expectEnvelope(await t.call("GET", `/v1/referrals/${link.body.code}`, { key: helper }), 404, "not_found");
    expect((await t.call("GET", `/v1/referrals/${link.body.code}`, { key: backend })).status).toBe(200);
  });
});
