/**
 * The billing agent tools with the built-in offline model, through HTTP: a compensation asked for in
 * words waits for the operator's approval and grants only after it; the overview answers with the
 * tool's own figures.
 */
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.ts";

const JSON_ACCEPT = { accept: "application/json" };

describe("billing through the operator agent (offline model)", () => {
  it("给用户补偿额度 waits for approval; nothing is granted before it, the grant is there after", async () => {
    const t = setup();
    const k = t.key("acme", ["operator", "admin", "generate"]);
    const songs = async () => (await t.call("GET", "/v1/billing/users/u42/balance", { key: k })).body.features.find((f: any) => f.feature === "song");
    const before = await songs();
    const turn = await t.call("POST", "/v1/agent/chat", { key: k, body: { message: "给用户 u42 补偿 2 首歌的额度，上次生成失败了" }, headers: JSON_ACCEPT });
    expect(turn.status).toBe(200);
    const a = turn.body.pendingApproval;
    expect(a).toMatchObject({ tool: "grant_credits", status: "pending", input: { userId: "u42", feature: "song", credits: 2 } });
    expect((await songs()).available).toBe(before.available);

    // An operator key may ask and may reject, but approving a grant needs what the grants route needs: admin.
    const operatorOnly = t.key("acme", ["operator"]);
    const refused = await t.call("POST", `/v1/agent/approvals/${a.id}`, { key: operatorOnly, body: { decision: "approve" }, headers: JSON_ACCEPT });
    expect(refused.status).toBe(403);
    expect((await songs()).available).toBe(before.available);
    const done = await t.call("POST", `/v1/agent/approvals/${a.id}`, { key: k, body: { decision: "approve" }, headers: JSON_ACCEPT });
    expect(done.status).toBe(200);
    expect(done.body.toolCalls.find((c: any) => c.name === "grant_credits")?.status).toBe("ok");
    const after = await songs();
    expect(after.available).toBe(before.available + 2);
    expect(after.credits).toEqual([expect.objectContaining({ kind: "compensation", remaining: 2 })]);
    expect(done.body.reply).toContain("u42");
  }, 60_000);

  it("a rejected compensation grants nothing; the overview runs without approval and states its figures", async () => {
    const t = setup();
    const k = t.key("acme", ["operator", "admin", "generate"]);
    const turn = await t.call("POST", "/v1/agent/chat", { key: k, body: { message: "Compensate user u7 with 1.5 copy credits" }, headers: JSON_ACCEPT });
    const a = turn.body.pendingApproval;
    expect(a).toMatchObject({ tool: "grant_credits", input: { userId: "u7", feature: "copy", credits: 1.5 } });
    await t.call("POST", `/v1/agent/approvals/${a.id}`, { key: k, body: { decision: "reject" }, headers: JSON_ACCEPT });
    const copy = (await t.call("GET", "/v1/billing/users/u7/balance", { key: k })).body.features.find((f: any) => f.feature === "copy");
    expect(copy.credits).toEqual([]);

    // Two copy uses settle, so the overview has something to count.
    for (const r of ["g1", "g2"]) expect((await t.call("POST", "/v1/generations/copy", { key: k, body: { userId: "u8", requestId: r, copy: { channel: "push", theme: "promotion" } } })).status).toBe(200);
    const view = await t.call("POST", "/v1/agent/chat", { key: k, body: { message: "看看计费概览" }, headers: JSON_ACCEPT });
    expect(view.body.pendingApproval).toBeUndefined();
    const call = view.body.toolCalls.find((c: any) => c.name === "billing_overview");
    expect(call?.status).toBe("ok");
    const overview = (await t.call("GET", "/v1/billing/overview", { key: k })).body;
    expect(overview.creditTotals).toMatchObject({ granted: 20, spent: 2, released: 0 });
    expect(view.body.reply).toContain("发放 20");
    expect(view.body.reply).toContain("消耗 2");
  }, 60_000);
});
