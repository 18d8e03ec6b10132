import { createHash, createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli/main.ts";
import { http, startNode, startWorker, type Runtime } from "./runtimes.ts";

/**
 * The same behaviour on both runtimes: every check below runs over real HTTP against the Node
 * server and against the Worker under local workerd (one Durable Object per workspace, keys in the
 * directory object), with the same expectations, and the two answers are compared where whole.
 */
const DAY = 86_400_000;
const now = Date.now();
const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
const ev = (id: string, fields: Record<string, unknown>) => ({ id, name: "play_song", timestamp: at(1), ...fields });

const EVENTS = [
  ev("e1", { userId: "u1", properties: { genre: "rock" }, timestamp: at(2) }),
  ev("e1", { userId: "u1", properties: { genre: "rock" }, timestamp: at(2) }), // the same id again: a duplicate
  ev("e2", { userId: "u1", name: "purchase", properties: { amount: 30 }, timestamp: at(3) }),
  ev("e3", { userId: "u1", name: "purchase", properties: { amount: 20 }, timestamp: at(10) }),
  ev("e4", { userId: "u2", properties: { genre: "pop" }, timestamp: at(2) }),
  ev("e5", { userId: "u2", name: "app_open", timestamp: at(1) }),
  ev("e6", { userId: "u3", properties: { genre: "rock" }, timestamp: at(20) }),
  ev("e7", { anonymousId: "a1", properties: { genre: "rock" }, timestamp: at(1) }),
  ev("e8", { userId: "u5", name: "app_open", timestamp: at(4) }),
  ev("e9", { userId: "u5", properties: { genre: "rock" }, timestamp: at(4) }),
  ev("e10", { userId: "u5", name: "purchase", properties: { amount: 9 }, timestamp: at(3) }),
  ev("e11", { userId: "u2", name: "purchase", properties: { amount: 5 }, timestamp: at(1) }),
];

type Setup = { rt: Runtime; key: string; otherKey: string; workspaceId: number };
const runtimes: Setup[] = [];
const each = async <T>(fn: (s: Setup) => Promise<T>) => Promise.all(runtimes.map(fn));

beforeAll(async () => {
  for (const rt of await Promise.all([startNode(), startWorker()])) {
    const created = async (name: string) => {
      const r = await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name, timezone: "Asia/Shanghai" } });
      expect(r.status, `${rt.name}: ${JSON.stringify(r.body)}`).toBe(200);
      return { key: r.body.key.key as string, id: r.body.workspace.id as number };
    };
    const acme = await created("acme");
    runtimes.push({ rt, key: acme.key, workspaceId: acme.id, otherKey: (await created("other")).key });
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(runtimes.map((s) => s.rt.stop()));
});

describe("the same API on Node and on Workers (Durable Objects)", () => {
  it("ingest: a duplicate id in the batch and a resent batch are counted, never stored twice", async () => {
    const out = await each(async ({ rt, key }) => {
      const first = await http(rt, "POST", "/v1/events", { key, body: { events: EVENTS } });
      expect(first.status, `${rt.name}: ${JSON.stringify(first.body)}`).toBe(200);
      const again = await http(rt, "POST", "/v1/events", { key, body: { events: EVENTS } });
      return { first: first.body, again: again.body };
    });
    for (const o of out) {
      expect(o.first).toMatchObject({ accepted: 11, duplicates: 1, rejected: 0 });
      expect(o.again).toMatchObject({ accepted: 0, duplicates: 12, rejected: 0 });
    }
  });

  it("identify links an anonymous id and sets traits; alias merges a user into another", async () => {
    const out = await each(async ({ rt, key }) => {
      const id = await http(rt, "POST", "/v1/identify", { key, body: { userId: "u4", anonymousId: "a1", traits: { city_tier: 1, vip: true } } });
      expect(id.status, `${rt.name}: ${JSON.stringify(id.body)}`).toBe(200);
      const alias = await http(rt, "POST", "/v1/alias", { key, body: { previousId: "u5", userId: "u1" } });
      expect(alias.body).toEqual({ userId: "u1", merged: "u5" });
      const u4 = (await http(rt, "GET", "/v1/users/u4", { key })).body;
      const u1 = (await http(rt, "GET", "/v1/users/u5", { key })).body;
      return { u4: { userId: u4.userId, traits: u4.traits, events: u4.tags.behaviour.eventCount }, u1: { userId: u1.userId, events: u1.tags.behaviour.eventCount } };
    });
    for (const o of out) expect(o).toEqual({ u4: { userId: "u4", traits: { city_tier: 1, vip: true }, events: 1 }, u1: { userId: "u1", events: 6 } });
  });

  it("segment preview: a behaviour window with a `where`, and a trait", async () => {
    const rock7 = { performed: "play_song", where: [{ property: "genre", op: "eq", value: "rock" }], within: { days: 7 } };
    const out = await each(async ({ rt, key }) => {
      const a = await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: rock7, sample: 10 } });
      expect(a.status, `${rt.name}: ${JSON.stringify(a.body)}`).toBe(200);
      const b = await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: { and: [rock7, { trait: "city_tier", op: "eq", value: 1 }] }, sample: 10 } });
      return { rock: [a.body.count, a.body.sample], tier1: [b.body.count, b.body.sample] };
    });
    // u3's rock play is 20 days old; u5's (merged into u1) and a1's (now u4) count for their new owners.
    for (const o of out) expect(o).toEqual({ rock: [2, ["u1", "u4"]], tier1: [1, ["u4"]] });
  });

  it("RFM classes and a funnel give the same answers", async () => {
    const out = await each(async ({ rt, key }) => {
      const rfm = await http(rt, "GET", "/v1/analytics/rfm", { key });
      expect(rfm.status, `${rt.name}: ${JSON.stringify(rfm.body)}`).toBe(200);
      const funnel = await http(rt, "POST", "/v1/analytics/funnel", { key, body: { steps: [{ event: "app_open" }, { event: "purchase" }], range: { days: 30 } } });
      expect(funnel.status, `${rt.name}: ${JSON.stringify(funnel.body)}`).toBe(200);
      return { rfm: { customers: rfm.body.customers, distribution: rfm.body.distribution }, funnel: funnel.body.steps.map((s: any) => s.users) };
    });
    expect(out[0]!.rfm.customers).toBe(2);
    expect(out[0]!.funnel).toEqual([2, 2]);
    expect(out[1]).toEqual(out[0]);
  });

  it("errors come in the one envelope: bad JSON, validation, unknown route, no key", async () => {
    const out = await each(async ({ rt, key }) => {
      const codes = [
        await http(rt, "POST", "/v1/events", { key, raw: "{not json" }),
        await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: { performed: "" } } }),
        await http(rt, "GET", "/v1/nowhere", { key }),
        await http(rt, "GET", "/v1/segments"),
        await http(rt, "POST", "/admin/workspaces", { key: "wrong-token-wrong-token", body: { name: "x" } }),
      ];
      for (const r of codes) expect(Object.keys(r.body.error).sort().filter((k) => k !== "details")).toEqual(["code", "message", "requestId"]);
      return codes.map((r) => [r.status, r.body.error.code]);
    });
    for (const o of out) expect(o).toEqual([[400, "malformed_json"], [400, "validation_failed"], [404, "not_found"], [401, "unauthorized"], [401, "unauthorized"]]);
  });

  it("a workspace cannot see another's data: its segment is a 404 there, its events are not counted", async () => {
    const out = await each(async ({ rt, key, otherKey }) => {
      const saved = await http(rt, "POST", "/v1/segments", { key, body: { name: "rockers", definition: { performed: "play_song" } } });
      expect(saved.status, `${rt.name}: ${JSON.stringify(saved.body)}`).toBe(200);
      const there = await http(rt, "GET", `/v1/segments/${saved.body.id}`, { key: otherKey });
      const mine = await http(rt, "GET", `/v1/segments/${saved.body.id}`, { key });
      const count = await http(rt, "POST", "/v1/segments/preview", { key: otherKey, body: { definition: { performed: "play_song" } } });
      return { there: [there.status, there.body.error?.code], mine: mine.status, otherCount: count.body.count };
    });
    for (const o of out) expect(o).toEqual({ there: [404, "not_found"], mine: 200, otherCount: 0 });
  });

  it("keys: a key made over the API works at once and stops at once when revoked", async () => {
    const out = await each(async ({ rt, key }) => {
      const made = await http(rt, "POST", "/v1/keys", { key, body: { name: "ingest only", scopes: ["ingest"] } });
      expect(made.status, `${rt.name}: ${JSON.stringify(made.body)}`).toBe(200);
      const use = async () => (await http(rt, "POST", "/v1/events", { key: made.body.key, body: { events: [ev(`k-${rt.name}`, { userId: "u9" })] } })).status;
      const before = await use();
      const forbidden = (await http(rt, "GET", "/v1/segments", { key: made.body.key })).status;
      await http(rt, "DELETE", `/v1/keys/${made.body.id}`, { key });
      return [before, forbidden, await use()];
    });
    for (const o of out) expect(o).toEqual([200, 403, 401]);
  });

  it("the operator agent (offline model): a turn with tool calls, then a save that waits for approval", async () => {
    const out = await each(async ({ rt, key }) => {
      const chat = (body: unknown) => http(rt, "POST", "/v1/agent/chat", { key, body, headers: { accept: "application/json" } });
      const first = await chat({ message: "近30天听过摇滚的用户" });
      expect(first.status, `${rt.name}: ${JSON.stringify(first.body)}`).toBe(200);
      const preview = first.body.toolCalls.find((c: any) => c.name === "segments_preview");
      const direct = await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: preview.input.definition, sample: 10 } });
      const second = await chat({ conversationId: first.body.conversationId, message: "保存这个分群，命名为摇滚听众" });
      const approval = second.body.pendingApproval;
      const before = (await http(rt, "GET", "/v1/segments", { key })).body.segments.map((x: any) => x.name);
      const done = await http(rt, "POST", `/v1/agent/approvals/${approval.id}`, { key, body: { decision: "approve" } });
      const after = (await http(rt, "GET", "/v1/segments", { key })).body.segments.map((x: any) => x.name);
      return {
        model: first.body.model,
        tools: first.body.toolCalls.map((c: any) => c.name),
        definition: preview.input.definition,
        count: preview.output.count,
        directCount: direct.body.count,
        replyHasCount: first.body.reply.includes(`${direct.body.count} 人`),
        pending: approval.tool,
        saved: [before.includes("摇滚听众"), after.includes("摇滚听众"), done.status],
      };
    });
    expect(out[0]).toMatchObject({ model: { provider: "offline" }, tools: ["catalog", "segments_preview"], count: 3, directCount: 3, replyHasCount: true, pending: "segments_save", saved: [false, true, 200] });
    expect(out[1]).toEqual(out[0]);
  });

  it("the CLI loads the demo into a running server over HTTP (--url), and a second load stores nothing", async () => {
    const out = await each(async ({ rt }) => {
      const made = await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "demo-http" } });
      const key = made.body.key.key as string;
      const lines: string[] = [];
      const args = ["demo", "--url", rt.base, "--key", key, "--users", "30", "--days", "30", "--now", new Date(now).toISOString()];
      expect(await run(args, (l) => lines.push(l)), lines.join("\n")).toBe(0);
      const again: string[] = [];
      expect(await run(args, (l) => again.push(l))).toBe(0);
      const rock = await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: { performed: "play_song", within: { days: 30 } } } });
      const stored = (s: string[]) => Number(/\(([\d,]+) new/.exec(s.join("\n"))![1]!.replace(/,/g, ""));
      return { first: stored(lines), second: stored(again), players: rock.body.count };
    });
    expect(out[0]!.first).toBeGreaterThan(500);
    expect(out[0]!.second).toBe(0);
    expect(out[1]).toEqual(out[0]);
  }, 120_000);

  it("the scheduled recompute runs by itself (a timer on Node, the workspace object's alarm on Workers)", async () => {
    const out = await each(async ({ rt }) => {
      const key = (await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "scheduled" } })).body.key.key as string;
      await http(rt, "POST", "/v1/events", { key, body: { events: [ev("s1", { userId: "s1", name: "purchase", properties: { amount: 12 }, timestamp: at(2) })] } });
      // Only the recompute writes a profile's result layer (RFM class, lifecycle stage); ingest does not.
      for (const started = Date.now(); Date.now() - started < 20_000; await new Promise((r) => setTimeout(r, 250))) {
        const result = (await http(rt, "GET", "/v1/users/s1", { key })).body.tags?.result;
        if (result?.lifecycle) return { stage: result.lifecycle.stage, rfm: result.rfm?.class ?? null };
      }
      return undefined;
    });
    expect(out[0]).toBeDefined();
    expect(out[0]!.stage).toBe("new");
    expect(out[1]).toEqual(out[0]);
  }, 60_000);

  it("metering: 100 concurrent generations against a free allowance of 20 copy uses — exactly 20 are charged, 80 get the 402", async () => {
    const out = await each(async ({ rt, key }) => {
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => http(rt, "POST", "/v1/generations/copy", { key, body: { userId: "meter", requestId: `m${i}`, copy: { channel: "push", theme: "promotion" } } })),
      );
      const balance = (await http(rt, "GET", "/v1/billing/users/meter/balance", { key })).body.features.find((f: any) => f.feature === "copy").allowance;
      return { ok: statuses.filter((s) => s.status === 200).length, refused: statuses.filter((s) => s.status === 402 && s.body.error.code === "payment_required").length, used: balance.used, left: balance.left };
    });
    for (const o of out) expect(o).toEqual({ ok: 20, refused: 80, used: 20, left: 0 });
  });

  it("referral help (砍一刀): a link, a new user's help worth a song, the same helper refused, progress", async () => {
    const out = await each(async ({ rt, key }) => {
      const link = await http(rt, "POST", "/v1/referrals", { key, body: { userId: "inviter" } });
      // The helper must be a user the workspace has seen; first seen after the link, so a new user.
      await http(rt, "POST", "/v1/events", { key, body: { events: [ev("ref-helper-1", { userId: "helper-1", timestamp: new Date().toISOString() })] } });
      const code = link.body.code as string;
      const help = await http(rt, "POST", `/v1/referrals/${code}/help`, { key, body: { helperId: "helper-1", deviceId: "d1" } });
      const again = await http(rt, "POST", `/v1/referrals/${code}/help`, { key, body: { helperId: "helper-1" } });
      const self = await http(rt, "POST", `/v1/referrals/${code}/help`, { key, body: { helperId: "inviter" } });
      const progress = await http(rt, "GET", `/v1/referrals/${code}`, { key });
      const song = (await http(rt, "GET", "/v1/billing/users/inviter/balance", { key })).body.features.find((f: any) => f.feature === "song");
      return {
        link: [link.status, typeof code],
        help: [help.status, help.body.newUser, help.body.credits],
        again: [again.status, again.body.error?.details?.reason],
        self: [self.status, self.body.error?.details?.reason],
        progress: [progress.status, progress.body.helps?.count, progress.body.helps?.creditsEarned],
        songAvailable: song.available,
      };
    });
    for (const o of out)
      expect(o).toEqual({ link: [200, "string"], help: [200, true, 1], again: [409, "already_helped"], self: [400, "self_help"], progress: [200, 1, 1], songAvailable: 4 });
  });

  it("encoded paths route as the app reads them: /%761/events is a workspace route, /v1/%6beys the keys", async () => {
    const out = await each(async ({ rt, key }) => {
      const ev1 = await http(rt, "POST", "/%761/events", { key, body: { events: [ev("enc-1", { userId: "enc" })] } });
      const seen = await http(rt, "GET", "/v1/users/enc", { key });
      const keys = await http(rt, "GET", "/v1/%6beys", { key });
      return { ingest: ev1.status, user: seen.status, keys: [keys.status, Array.isArray(keys.body.keys) && keys.body.keys.length > 0] };
    });
    for (const o of out) expect(o).toEqual({ ingest: 200, user: 200, keys: [200, true] });
  });

  it("payments: a signed pack purchase credits once however often it is resent; a bad signature is a 401; an unknown workspace a 404", async () => {
    const out = await each(async ({ rt, key, workspaceId }) => {
      const secret = (await http(rt, "GET", "/v1/billing/settings", { key })).body.secret as string;
      const body = JSON.stringify({ id: "evt_smoke_1", type: "payment.succeeded", data: { userId: "payer", sku: "pack_10", amount: 1200, currency: "CNY" } });
      const t = Math.floor(Date.now() / 1000);
      // Signed here with node:crypto, independently of the product's Web Crypto code.
      const sig = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
      const post = (signature: string, path = `/v1/webhooks/payments/${workspaceId}`) =>
        fetch(`${rt.base}${path}`, { method: "POST", headers: { "content-type": "application/json", "flywheel-signature": signature }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      const first = await post(`t=${t},v1=${sig}`);
      const resent = await Promise.all(Array.from({ length: 5 }, () => post(`t=${t},v1=${sig}`)));
      const forged = await post(`t=${t},v1=${"0".repeat(64)}`);
      const nowhere = await post(`t=${t},v1=${sig}`, "/v1/webhooks/payments/999999");
      const song = (await http(rt, "GET", "/v1/billing/users/payer/balance", { key })).body.features.find((f: any) => f.feature === "song");
      return {
        first: first.status,
        resent: resent.map((r) => r.status),
        forged: [forged.status, forged.body.error?.code],
        nowhere: nowhere.status,
        packs: song.credits.map((c: any) => [c.kind, c.remaining]),
      };
    });
    for (const o of out) expect(o).toEqual({ first: 200, resent: [200, 200, 200, 200, 200], forged: [401, "unauthorized"], nowhere: 404, packs: [["pack", 10]] });
  });

  it("billing admin: the catalogue's price ladder, a compensation grant, a key's credit cap (402 api_key_limit), usage per key", async () => {
    const out = await each(async ({ rt, key }) => {
      const cheaper = await http(rt, "PATCH", "/v1/billing/catalog", { key, body: { subscription: { price: 2000 } } });
      const broken = await http(rt, "PATCH", "/v1/billing/catalog", { key, body: { subscription: { firstMonthPrice: 1500 } } });
      const comp = await http(rt, "POST", "/v1/billing/users/comp-user/grants", { key, body: { feature: "song", credits: 2.5, reason: "smoke" } });
      const song = (await http(rt, "GET", "/v1/billing/users/comp-user/balance", { key })).body.features.find((f: any) => f.feature === "song");
      const made = (await http(rt, "POST", "/v1/keys", { key, body: { name: "capped", scopes: ["generate"] } })).body;
      const cap = await http(rt, "PUT", `/v1/billing/keys/${made.id}/limit`, { key, body: { credits: 1, refill: "monthly" } });
      const gen = (id: string) => http(rt, "POST", "/v1/generations/copy", { key: made.key, body: { userId: "capped-user", requestId: id, copy: { channel: "push", theme: "promotion" } } });
      const first = await gen("cap-1");
      const second = await gen("cap-2");
      const usage = (await http(rt, "GET", `/v1/usage?keyId=${made.id}`, { key })).body;
      return {
        ladder: [cheaper.status, cheaper.body.subscription?.price, broken.status, broken.body.error?.code],
        comp: [comp.status, song.credits.map((c: any) => [c.kind, c.remaining])],
        cap: [cap.status, first.status, second.status, second.body.error?.details?.limitSource],
        usage: [usage.totals?.uses, usage.totals?.succeeded, usage.rows?.map((r: any) => r.keyId)],
        madeId: made.id,
      };
    });
    for (const o of out)
      expect(o).toEqual({
        ladder: [200, 2000, 400, "validation_failed"],
        comp: [200, [["compensation", 2.5]]],
        cap: [200, 200, 402, "api_key_limit"],
        usage: [1, 1, [o.madeId]],
        madeId: o.madeId,
      });
  });

  it("outbound webhooks: a subscription's renewal reaches the app's endpoint, signed the Standard Webhooks way", async () => {
    const got: { runtime: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => (got.push({ runtime: new URL(req.url!, "http://x").searchParams.get("rt")!, headers: req.headers, body }), res.end("ok")));
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const out = await each(async ({ rt, key, workspaceId }) => {
        const set = await http(rt, "PATCH", "/v1/billing/settings", { key, body: { outboundUrl: `http://127.0.0.1:${port}/hooks?rt=${rt.name}` } });
        const outbound = set.body.outboundSecret as string;
        const secret = set.body.secret as string;
        const send = async (id: string, type: string, amount: number) => {
          const body = JSON.stringify({ id, type, data: { userId: "subscriber", sku: "member_monthly", amount, currency: "CNY" } });
          const t = Math.floor(Date.now() / 1000);
          const sig = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
          return (await fetch(`${rt.base}/v1/webhooks/payments/${workspaceId}`, { method: "POST", headers: { "content-type": "application/json", "flywheel-signature": `t=${t},v1=${sig}` }, body })).status;
        };
        const sub = (await http(rt, "GET", "/v1/billing/catalog", { key })).body.subscription;
        const paid = await send("evt_sub_1", "payment.succeeded", sub.firstMonthPrice);
        const renewed = await send("evt_sub_2", "subscription.renewed", sub.price);
        const balance = (await http(rt, "GET", "/v1/billing/users/subscriber/balance", { key })).body;
        for (let i = 0; i < 100 && !got.some((g) => g.runtime === rt.name); i++) await new Promise((r) => setTimeout(r, 100));
        const hit = got.find((g) => g.runtime === rt.name);
        // Verified here with node:crypto, independently of the product's signing code.
        const expected = hit && createHmac("sha256", Buffer.from(outbound.slice("whsec_".length), "base64")).update(`${hit.headers["webhook-id"]}.${hit.headers["webhook-timestamp"]}.${hit.body}`).digest("base64");
        return {
          statuses: [set.status, paid, renewed],
          plan: balance.plan,
          delivered: hit && [JSON.parse(hit.body).type, (hit.headers["webhook-signature"] as string).split(" ").includes(`v1,${expected}`)],
        };
      });
      for (const o of out) expect(o).toEqual({ statuses: [200, 200, 200], plan: "member", delivered: ["subscription.renewed", true] });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it("end-user tokens: minted by a generate key, they read their own user's balance and nothing else", async () => {
    const out = await each(async ({ rt, key, otherKey }) => {
      const mint = await http(rt, "POST", "/v1/end-users/eu-1/tokens", { key, body: { ttlSeconds: 300 } });
      const token = mint.body.token as string;
      const own = await http(rt, "GET", "/v1/billing/users/eu-1/balance", { key: token });
      const someoneElse = await http(rt, "GET", "/v1/billing/users/eu-2/balance", { key: token });
      const events = await http(rt, "POST", "/v1/events", { key: token, body: { events: [] } });
      const tampered = await http(rt, "GET", "/v1/billing/users/eu-1/balance", { key: token.slice(0, -4) + "AAAA" });
      // The other workspace's token for the same user id sees that workspace's (empty) ledger.
      const other = (await http(rt, "POST", "/v1/end-users/eu-1/tokens", { key: otherKey, body: {} })).body.token as string;
      const otherLedger = await http(rt, "GET", "/v1/billing/users/eu-1/ledger", { key: other });
      return { mint: mint.status, own: [own.status, own.body.userId], someoneElse: someoneElse.status, events: events.status, tampered: tampered.status, otherLedger: [otherLedger.status, otherLedger.body.entries] };
    });
    for (const o of out) expect(o).toEqual({ mint: 200, own: [200, "eu-1"], someoneElse: 403, events: 403, tampered: 401, otherLedger: [200, []] });
  });

  it("songs: made through the metered path, files served from the blob store (R2 on Workers), the same seed giving the same bytes; a certificate verifies without a key", async () => {
    const out = await each(async ({ rt, key }) => {
      const made = await http(rt, "POST", "/v1/songs", { key, body: { userId: "singer", seed: 7, durationSec: 10, theme: "夏天", style: "pop", mood: "happy" } });
      const song = made.body.song;
      const wav = await fetch(`${rt.base}${song.files["audio.wav"].url}`, { headers: { authorization: `Bearer ${key}` } });
      const bytes = new Uint8Array(await wav.arrayBuffer());
      const hash = createHash("sha256").update(bytes).digest("hex");
      const cert = await http(rt, "POST", `/v1/songs/${song.id}/certificate`, { key, body: {} });
      const verified = await http(rt, "POST", "/v1/certificates/verify", { body: { certificate: cert.body.certificate?.certificate, files: { "audio.wav": Buffer.from(bytes).toString("base64") } } });
      const jwks = await (await fetch(`${rt.base}/.well-known/flywheel-certificate-keys.json`)).json();
      return {
        made: [made.status, made.body.hold?.status],
        hashes: [hash === song.files["audio.wav"].sha256, song.files["audio.wav"].sha256, song.files["song.mid"].sha256],
        wav: [wav.status, wav.headers.get("content-type")],
        cert: cert.status,
        verified: [verified.status, verified.body.valid, verified.body.files?.["audio.wav"]],
        jwks: (jwks as any).keys?.length,
      };
    });
    for (const o of out) expect(o).toEqual({ made: [200, "settled"], hashes: [true, expect.any(String), expect.any(String)], wav: [200, "audio/wav"], cert: 200, verified: [200, true, "match"], jwks: 1 });
    // Node and the Worker make byte-identical files from the same request and seed.
    expect(out[0]!.hashes).toEqual(out[1]!.hashes);
  }, 120_000);

  it("personas: cards listed and a PNG card round trip (R2 on Workers); a chat that remembers a name; the safety answer; the OpenAI SDK streamed and not", async () => {
    const out = await each(async ({ rt, key }) => {
      const list = await http(rt, "GET", "/v1/personas", { key });
      const png = await fetch(`${rt.base}/v1/personas/mengmeizi/card.png`, { headers: { authorization: `Bearer ${key}` } });
      const bytes = new Uint8Array(await png.arrayBuffer());
      const imported = await fetch(`${rt.base}/v1/personas?id=my-meng`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "image/png" }, body: bytes });
      const back = await http(rt, "GET", "/v1/personas/my-meng", { key });
      const say = (message: string) => http(rt, "POST", "/v1/personas/nuannan/chat", { key, body: { userId: "pal", message } });
      await say("我叫小林");
      await say("我喜欢民谣");
      await say("今天下雨了");
      const recalled = await say("我叫什么？");
      const crisis = await say("我不想活了");
      const client = new OpenAI({ baseURL: `${rt.base}/v1`, apiKey: key, maxRetries: 0 });
      const models = (await client.models.list()).data.map((m) => m.id);
      const plain = await client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "sdk", seed: 3, messages: [{ role: "user", content: "My name is Lin" }] });
      let streamed = "";
      let usage = 0;
      for await (const c of await client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "sdk", seed: 3, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "What's my name?" }] })) {
        streamed += c.choices[0]?.delta.content ?? "";
        usage = c.usage?.total_tokens ?? usage;
      }
      const bad = await client.chat.completions.create({ model: "persona:nobody", user: "sdk", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
      return {
        list: [list.status, list.body.personas?.length],
        png: [png.status, png.headers.get("content-type"), imported.status, back.body.data?.name],
        recalled: [recalled.status, recalled.body.replies?.[0]?.content.includes("小林"), recalled.body.memory?.length, recalled.body.model?.provider],
        crisis: [crisis.body.safety, crisis.body.replies?.[0]?.content.includes("400-161-9995")],
        models: models.includes("persona:my-meng") && models.includes("persona:nuannan"),
        plain: [plain.system_fingerprint, plain.choices[0]!.message.content!.includes("Lin")],
        streamed: [streamed.includes("Lin"), usage > 0],
        bad: [bad.status, bad.error?.code],
        reply: recalled.body.replies?.[0]?.content,
      };
    });
    for (const o of out)
      expect(o).toEqual({
        list: [200, 4],
        png: [200, "image/png", 200, "Mengmeizi"],
        recalled: [200, true, 2, "offline"],
        crisis: ["self_harm", true],
        models: true,
        plain: ["offline:flywheel-persona-offline-1", true],
        streamed: [true, true],
        bad: [404, "model_not_found"],
        reply: expect.any(String),
      });
    // The offline engine gives the same words on both runtimes.
    expect(out[0]!.reply).toBe(out[1]!.reply);
  }, 60_000);

  it("icebreakers: opted-in users with shared plays match, and the lines cite what they share", async () => {
    const out = await each(async ({ rt, key }) => {
      const plays = (user: string, genre: string, artist: string, n: number) => Array.from({ length: n }, (_, i) => ev(`ib-${user}-${genre}-${i}`, { userId: user, properties: { genre, artist } }));
      await http(rt, "POST", "/v1/events", { key, body: { events: [...plays("ib-a", "jazz", "Miles", 5), ...plays("ib-a", "rock", "Muse", 1), ...plays("ib-b", "jazz", "Miles", 3), ...plays("ib-c", "jazz", "Miles", 9)] } });
      for (const [user, optIn] of [["ib-a", true], ["ib-b", true], ["ib-c", false]] as const) await http(rt, "POST", "/v1/identify", { key, body: { userId: user, traits: { icebreakers_opt_in: optIn } } });
      const matches = await http(rt, "GET", "/v1/users/ib-a/matches", { key });
      const lines = await http(rt, "POST", "/v1/icebreakers", { key, body: { userId: "ib-a", matchId: "ib-b", personaId: "mengmeizi", language: "en" } });
      return {
        matches: [matches.status, matches.body.matches?.map((m: { userId: string }) => m.userId), matches.body.matches?.[0]?.sharedArtists?.[0]?.artist],
        lines: [lines.status, lines.body.lines?.length, lines.body.lines?.every((l: string) => l.includes("Miles"))],
      };
    });
    for (const o of out) expect(o).toEqual({ matches: [200, ["ib-b"], "Miles"], lines: [200, 3, true] });
  });

  it("pages: the console and the app render, in the chosen language, with their files (ECharts from the assets binding on Workers)", async () => {
    const out = await each(async ({ rt }) => {
      const home = await fetch(`${rt.base}/`);
      const html = await home.text();
      const en = await (await fetch(`${rt.base}/`, { headers: { cookie: "lang=en" } })).text();
      const echarts = await fetch(`${rt.base}/assets/echarts.min.js`);
      const common = await fetch(`${rt.base}/assets/common.js`);
      return {
        home: [home.status, home.headers.get("content-type")?.split(";")[0], html.includes('lang="zh-CN"'), html.includes("运营控制台")],
        en: en.includes("Operator console"),
        echarts: [echarts.status, (await echarts.text()).length > 500_000],
        common: [common.status, (await common.text()).includes("flywheel.key")],
        missing: (await fetch(`${rt.base}/assets/nope.js`)).status,
      };
    });
    for (const o of out) expect(o).toEqual({ home: [200, "text/html", true, true], en: true, echarts: [200, true], common: [200, true], missing: 404 });
  });
});

