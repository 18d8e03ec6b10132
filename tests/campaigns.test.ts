import { beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../tools/registry.ts";
import { expectEnvelope, setup } from "./helpers.ts";

/** Three players in the last 30 days (NOW = 2026-11-24); u3 has the longest name, 10 characters. */
const t = setup();
const key = t.key("acme");
const otherKey = t.key("other");
const PLAYERS = { performed: "play_song", within: { days: 30 } };
let segmentId = "";

beforeAll(async () => {
  const events = ["u1", "u2", "u3"].map((u, i) => ({ id: `e${i}`, userId: u, name: "play_song", timestamp: "2026-11-20T04:00:00Z", properties: { genre: "rock" } }));
  await t.call("POST", "/v1/events", { key, body: { events } });
  await t.call("POST", "/v1/identify", { key, body: { userId: "u3", traits: { name: "Alexandria" } } });
  segmentId = (await t.call("POST", "/v1/segments", { key, body: { name: "players", definition: PLAYERS } })).body.id;
});

const SMS = { channel: "sms", hook: "urgency", body: "【acme】好久不见，回归领8折，仅限今晚！回T退订" };
const PUSH = { channel: "push", hook: "personalization", title: "{{name|朋友}}，你爱的摇滚上新了", body: "最近没来听歌，我们想你了。" };
const draft = (extra: Record<string, unknown> = {}) => ({
  name: "召回 11 月",
  audience: { segmentId },
  channels: ["sms", "push"],
  variants: [SMS, PUSH],
  schedule: { type: "at", at: "2026-11-25T20:00:00+08:00" },
  budget: { maxSends: 1000, maxCost: 50, currency: "CNY" },
  frequencyCap: { maxMessages: 1, windowDays: 7 },
  goal: { event: "play_song", windowDays: 7 },
  ...extra,
});
const create = (body: unknown, k = key) => t.call("POST", "/v1/campaigns", { key: k, body });

describe("campaign drafts", () => {
  it("stores a draft for a saved segment with the audience's count, and lists, gets and deletes it", async () => {
    const r = await create(draft());
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      name: "召回 11 月",
      status: "draft",
      audience: { segmentId, definition: null, count: 3 },
      channels: ["sms", "push"],
      schedule: { type: "at", at: "2026-11-25T20:00:00+08:00" },
      budget: { maxSends: 1000, maxCost: 50, currency: "CNY" },
      frequencyCap: { maxMessages: 1, windowDays: 7 },
      goal: { event: "play_song", windowDays: 7 },
    });
    expect(r.body.variants[0]).toMatchObject({ ...SMS, language: "zh", maxParts: 1, chars: Array.from(SMS.body).length, parts: 1 });
    expect(r.body.id).toMatch(/^cmp_/);

    const list = await t.call("GET", "/v1/campaigns", { key });
    expect(list.body.campaigns.map((c: any) => c.id)).toContain(r.body.id);
    const got = await t.call("GET", `/v1/campaigns/${r.body.id}`, { key });
    expect(got.body).toEqual(r.body);

    expect((await t.call("DELETE", `/v1/campaigns/${r.body.id}`, { key })).body).toEqual({ id: r.body.id, deleted: true });
    expectEnvelope(await t.call("GET", `/v1/campaigns/${r.body.id}`, { key }), 404, "not_found");
    expectEnvelope(await t.call("DELETE", `/v1/campaigns/${r.body.id}`, { key }), 404, "not_found");
  });

  it("stores an inline definition, with now and recurring schedules", async () => {
    for (const schedule of [{ type: "now" }, { type: "recurring", cron: "0 20 * * 5" }, { type: "recurring", every: "week", at: "09:30", weekday: 1 }, { type: "recurring", every: "day", at: "20:00" }]) {
      const r = await create(draft({ audience: { definition: { and: [PLAYERS, { trait: "name", op: "exists" }] } }, schedule, budget: undefined, frequencyCap: undefined, goal: undefined }));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ audience: { segmentId: null, count: 1 }, schedule, budget: null, frequencyCap: null, goal: null });
    }
  });

  it("another workspace's draft is a 404; lists are per workspace", async () => {
    const mine = (await create(draft())).body;
    expectEnvelope(await t.call("GET", `/v1/campaigns/${mine.id}`, { key: otherKey }), 404, "not_found");
    expectEnvelope(await t.call("DELETE", `/v1/campaigns/${mine.id}`, { key: otherKey }), 404, "not_found");
    expect((await t.call("GET", "/v1/campaigns", { key: otherKey })).body.campaigns).toEqual([]);
    expect((await t.call("GET", `/v1/campaigns/${mine.id}`, { key })).status).toBe(200);
  });

  it("a missing segment (or another workspace's) is a 404; a bad inline definition is a 400 naming the path", async () => {
    expectEnvelope(await create(draft({ audience: { segmentId: "seg_missing" } })), 404, "not_found");
    const theirs = (await t.call("POST", "/v1/segments", { key: otherKey, body: { name: "theirs", definition: PLAYERS } })).body.id;
    expectEnvelope(await create(draft({ audience: { segmentId: theirs } })), 404, "not_found");
    const bad = await create(draft({ audience: { definition: { and: [PLAYERS, { performed: "play_song", within: { days: 0 } }] } } }));
    expectEnvelope(bad, 400);
    expect(bad.body.error.message).toContain("audience.definition.and[1].within");
  });

  it("a variant that breaks its channel's rule is a 400 naming the variant and the rule", async () => {
    const long = { ...SMS, body: `【acme】${"好".repeat(61)}回T退订` }; // 71
    const r = await create(draft({ variants: [SMS, PUSH, long] }));
    expectEnvelope(r, 400, "validation_failed");
    expect(r.body.error.message).toContain("variants.2.body");
    expect(r.body.error.message).toContain("sms.length");
    expect(r.body.error.details).toMatchObject({ path: "variants.2.body", variant: 2, rule: "sms.length" });
    // the same with two parts allowed is fine
    expect((await create(draft({ variants: [SMS, PUSH, { ...long, maxParts: 2 }] }))).status).toBe(200);

    const noOptOut = await create(draft({ variants: [{ ...SMS, body: "【acme】好久不见" }, PUSH] }));
    expect(noOptOut.body.error.message).toMatch(/variants\.0\.body.*sms\.opt_out/);
    const title = await create(draft({ variants: [SMS, { ...PUSH, title: "好".repeat(21) }] }));
    expect(title.body.error.message).toMatch(/variants\.1\.title.*push\.title_length/);
    const wechat = await create(draft({ channels: ["wechat"], variants: [{ channel: "wechat", hook: "benefit", fields: { thing1: "会员特惠", thing2: "好".repeat(21) } }] }));
    expect(wechat.body.error.message).toMatch(/variants\.0\.fields\.thing2.*wechat\.field_length/);
  });

  it("{{name}} counts at the audience sample's longest name", async () => {
    // 6 + 13 = 19 at the default allowance, but u3's name is 10: 23 > 20
    const title = "{{name|朋友}}，你爱的摇滚音乐又上新了啦";
    const r = await create(draft({ variants: [SMS, { ...PUSH, title }] }));
    expectEnvelope(r, 400);
    expect(r.body.error.message).toMatch(/variants\.1\.title.*23 chars > 20.*longest name in the audience sample/);
    const u1only = await create(draft({ audience: { definition: { and: [PLAYERS, { not: { trait: "name", op: "exists" } }] } }, variants: [SMS, { ...PUSH, title }] }));
    expect(u1only.status, JSON.stringify(u1only.body)).toBe(200);
  });

  it.each([
    [{ schedule: { type: "at", at: "2026-11-24T19:59:00+08:00" } }, "schedule.at"],
    [{ schedule: { type: "at", at: "2026-11-25 20:00" } }, "schedule.at"],
    [{ schedule: { type: "recurring", cron: "61 * * * *" } }, "schedule.cron"],
    [{ schedule: { type: "recurring", every: "day" } }, "schedule.at"],
    [{ schedule: { type: "later" } }, "schedule"],
    [{ channels: [] }, "channels"],
    [{ channels: ["sms", "fax"] }, "channels.1"],
    [{ channels: ["sms", "push", "email"] }, "channels.2"],
    [{ variants: [SMS, { ...PUSH, channel: "email", subject: "x" }] }, "variants.1.channel"],
    [{ variants: [SMS, { ...PUSH, tone: "fun" }] }, "variants.1"],
    [{ audience: {} }, "audience"],
    [{ audience: { segmentId: "x", definition: PLAYERS } }, "audience"],
    [{ budget: { maxCost: -1 } }, "budget.maxCost"],
    [{ extra: 1 }, "extra"],
  ])("400 for %j", async (extra, path) => {
    const r = await create(draft(extra));
    expectEnvelope(r, 400);
    expect(r.body.error.message).toContain(path);
  });

  it("the campaign_draft tool writes (so it waits for approval) and returns what its output schema accepts", () => {
    const tool = TOOLS.find((x) => x.name === "campaign_draft")!;
    expect(tool).toMatchObject({ scope: "operator", sideEffect: "writes" });
    const ctx = t.ctx("acme");
    const out = tool.run(ctx, tool.input.parse(draft()));
    expect(tool.output.safeParse(out).success).toBe(true);
    const copy = TOOLS.find((x) => x.name === "copy_generate")!;
    expect(copy).toMatchObject({ scope: "operator", sideEffect: "none" });
    const generated = copy.run(ctx, copy.input.parse({ channel: "push", theme: "winback", segmentId })) as any;
    expect(copy.output.safeParse(generated).success).toBe(true);
    // generated copy goes into a draft as it is
    const variants = generated.variants.map(({ hook, title, body }: any) => ({ channel: "push", hook, title, body }));
    expect((tool.run(ctx, tool.input.parse(draft({ channels: ["push"], variants }))) as any).variants).toHaveLength(3);
  });
});
