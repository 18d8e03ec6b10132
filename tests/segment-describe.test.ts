import { beforeAll, describe, expect, it } from "vitest";
import { repoPrompts } from "../lib/promptFiles.ts";
import type { Prompts } from "../lib/prompts.ts";
import { describeSegment, labelsFor, labelsFrom } from "../tools/segments/describe.ts";
import type { SegmentNode } from "../tools/segments/schema.ts";
import { TOOLS } from "../tools/registry.ts";
import { NOW, ev, setup } from "./helpers.ts";

/** asOf is NOW = 2026-11-24 20:00 in Shanghai: `within {days: 7}` is 11-18..11-24, 30 days 10-26..11-24. */
const TZ = "Asia/Shanghai";
const labels = labelsFor(repoPrompts);
const say = (def: unknown, lang: "zh" | "en", asOf = NOW.getTime(), timezone = TZ) =>
  describeSegment(def as SegmentNode, { lang, asOf, timezone, labels });

const CASES: [string, unknown, string, string][] = [
  ["the brief's example, via order_paid and cityLevel", { and: [{ performed: "order_paid", times: { op: "gte", value: 2 }, within: { days: 30 } }, { trait: "cityLevel", op: "eq", value: 1 }] },
    "近30天（2026-10-26 至 2026-11-24）购买≥2次 且 城市等级 = 一线城市", "purchased ≥ 2 times in the last 30 days (2026-10-26 to 2026-11-24) and city tier = tier-1 cities"],
  ["performed, no window or count", { performed: "purchase" }, "累计购买≥1次", "purchased ≥ 1 time ever"],
  ["performed exactly once", { performed: "play_song", times: { op: "eq", value: 1 }, within: { days: 7 } }, "近7天（2026-11-18 至 2026-11-24）听歌=1次", "played a song = 1 time in the last 7 days (2026-11-18 to 2026-11-24)"],
  ["from/to window", { performed: "purchase", within: { from: "2026-11-01", to: "2026-11-15" } }, "2026-11-01 至 2026-11-15 期间购买≥1次", "purchased ≥ 1 time from 2026-11-01 to 2026-11-15"],
  ["a one-day from/to window", { performed: "purchase", within: { from: "2026-11-11", to: "2026-11-11" } }, "2026-11-11 当天购买≥1次", "purchased ≥ 1 time on 2026-11-11"],
  ["where on a genre", { performed: "play_song", times: { op: "gte", value: 3 }, within: { days: 7 }, where: [{ property: "genre", op: "eq", value: "rock" }] },
    "近7天（2026-11-18 至 2026-11-24）听歌（genre = 摇滚）≥3次", "played a song (genre = rock) ≥ 3 times in the last 7 days (2026-11-18 to 2026-11-24)"],
  ["two filters, one a list", { performed: "play_song", where: [{ property: "genre", op: "in", value: ["pop", "folk"] }, { property: "device", op: "eq", value: "ios" }] },
    "累计听歌（genre 为 流行、民谣 之一，device = ios）≥1次", "played a song (genre is one of pop, folk; device = ios) ≥ 1 time ever"],
  ["sum", { performed: "order_paid", within: { days: 30 }, sum: { op: "gte", value: 300 } },
    "近30天（2026-10-26 至 2026-11-24）购买≥1次，金额合计≥300", "purchased ≥ 1 time in the last 30 days (2026-10-26 to 2026-11-24), total amount ≥ 300"],
  ["fewer than once", { performed: "add_to_cart", times: { op: "lt", value: 1 }, within: { days: 14 } }, "近14天（2026-11-11 至 2026-11-24）加购<1次", "added to cart < 1 time in the last 14 days (2026-11-11 to 2026-11-24)"],
  ["an event the lexicon does not know", { performed: "level_up", times: { op: "gt", value: 5 } }, "累计level_up>5次", "level_up > 5 times ever"],
  ["notPerformed", { notPerformed: "order_paid", within: { days: 30 } }, "近30天（2026-10-26 至 2026-11-24）未购买", "has not purchased in the last 30 days (2026-10-26 to 2026-11-24)"],
  ["notPerformed, raw, one day", { notPerformed: "level_up", within: { days: 1 } }, "近1天（2026-11-24）未level_up", "no level_up in the last 1 day (2026-11-24)"],
  ["trait contains, raw", { trait: "nick", op: "contains", value: "Ali" }, "nick 包含 Ali", "nick contains Ali"],
  ["trait exists", { trait: "city_tier", op: "exists" }, "城市等级 有值", "city tier is set"],
  ["trait in, via aliases", { trait: "gender", op: "in", value: ["F", "male"] }, "性别 为 女性、男性 之一", "gender is one of female, male"],
  ["an ordering shows the number", { trait: "cityLevel", op: "gt", value: 1 }, "城市等级 > 1", "city tier > 1"],
  ["an unknown value as is", { trait: "device", op: "neq", value: "windows" }, "设备 ≠ windows", "device ≠ windows"],
  ["a boolean alias", { trait: "is_vip", op: "eq", value: false }, "会员 = 非会员", "membership = non-members"],
  ["lastActive ≥", { lastActive: { op: "gte", days: 30 } }, "最近一次活跃距今≥30天（2026-10-25 或更早）", "last active ≥ 30 days ago (on or before 2026-10-25)"],
  ["lastActive <", { lastActive: { op: "lt", days: 7 } }, "最近一次活跃距今<7天（2026-11-18 或之后）", "last active < 7 days ago (on or after 2026-11-18)"],
  ["rfm, two classes", { rfm: ["important_value", "important_win_back"] }, "RFM分类 为 重要价值、重要挽留 之一", "RFM class is one of important value, important win back"],
  ["lifecycle", { lifecycle: ["dormant"] }, "生命周期阶段 = 休眠期", "lifecycle stage = dormant"],
  ["score", { score: "churn", op: "gte", value: 0.7 }, "流失概率 ≥ 0.7", "churn probability ≥ 0.7"],
  ["another score", { score: "p_alive", op: "lt", value: 0.2 }, "存活概率 < 0.2", "P(alive) < 0.2"],
  ["topPercent", { topPercent: { score: "clv", pct: 10 } }, "CLV 前10%", "top 10% by CLV"],
  ["change in active days", { change: { event: "active_days", days: 14, op: "drop", pct: 30 } }, "活跃天数近14天比前14天下降≥30%", "active days down ≥ 30% in the last 14 days vs the 14 days before"],
  ["change in an event", { change: { event: "purchase", days: 7, op: "rise", pct: 50 } }, "购买次数近7天比前7天上升≥50%", "times purchased up ≥ 50% in the last 7 days vs the 7 days before"],
  ["change in a raw event", { change: { event: "level_up", days: 7, op: "drop", pct: 20 } }, "level_up次数近7天比前7天下降≥20%", "level_up count down ≥ 20% in the last 7 days vs the 7 days before"],
  ["inSegment, name unknown", { inSegment: "seg_abc" }, "属于分群 seg_abc", "in segment seg_abc"],
  ["randomBucket", { randomBucket: { pct: 12.5, salt: "ab" } }, "随机抽样12.5%（盐值 ab）", "random 12.5% sample (salt ab)"],
  ["randomBucket, no salt", { randomBucket: { pct: 50, salt: "" } }, "随机抽样50%", "random 50% sample"],
  ["or", { or: [{ lifecycle: ["new"] }, { score: "churn", op: "gt", value: 0.5 }] }, "生命周期阶段 = 导入期 或 流失概率 > 0.5", "lifecycle stage = new or churn probability > 0.5"],
  ["not", { not: { performed: "share" } }, "不满足（累计分享≥1次）", "not (shared ≥ 1 time ever)"],
  ["nested and/or/not",
    { and: [{ trait: "cityLevel", op: "in", value: [1, 2] }, { or: [{ performed: "order_paid", within: { days: 7 } }, { not: { and: [{ lifecycle: ["churned"] }, { rfm: ["general_win_back"] }] } }] }] },
    "城市等级 为 一线城市、二线城市 之一 且 （近7天（2026-11-18 至 2026-11-24）购买≥1次 或 不满足（生命周期阶段 = 流失期 且 RFM分类 = 一般挽留））",
    "city tier is one of tier-1 cities, tier-2 cities and (purchased ≥ 1 time in the last 7 days (2026-11-18 to 2026-11-24) or not (lifecycle stage = churned and RFM class = general win back))"],
  ["a one-child group is no group", { and: [{ or: [{ trait: "gender", op: "eq", value: "女" }, { trait: "sex", op: "eq", value: "m" }] }] }, "性别 = 女性 或 性别 = 男性", "gender = female or gender = male"],
  ["and inside and keeps its brackets",
    { and: [{ and: [{ trait: "channel", op: "eq", value: "tiktok" }, { trait: "os", op: "eq", value: "iphone" }] }, { score: "expected_purchases_30d", op: "gte", value: 1 }] },
    "（来源渠道 = 抖音 且 设备 = iOS） 且 预计30天购买次数 ≥ 1", "(acquisition channel = Douyin and device = iOS) and expected purchases in 30 days ≥ 1"],
];

describe("describeSegment: one sentence per definition, in either language", () => {
  it("covers every kind of node", () => {
    const kinds = new Set(CASES.flatMap(([, def]) => JSON.stringify(def).match(/"(\w+)":/g)!.map((k) => k.slice(1, -2))));
    for (const k of ["and", "or", "not", "trait", "performed", "within", "where", "sum", "times", "notPerformed", "lastActive", "rfm", "lifecycle", "score", "topPercent", "change", "inSegment", "randomBucket", "from"])
      expect(kinds, k).toContain(k);
  });
  it.each(CASES)("%s", (_, def, zh, en) => {
    expect(say(def, "zh").text).toBe(zh);
    expect(say(def, "en").text).toBe(en);
  });

  it("lists each window as local dates, with the node it belongs to", () => {
    expect(say(CASES.find(([name]) => name === "nested and/or/not")![1], "zh").windows).toEqual([{ path: "and[1].or[0]", days: 7, from: "2026-11-18", to: "2026-11-24" }]);
    expect(say({ change: { event: "active_days", days: 14, op: "drop", pct: 30 } }, "en").windows).toEqual([
      { path: "(root)", days: 14, from: "2026-11-11", to: "2026-11-24", period: "current" },
      { path: "(root)", days: 14, from: "2026-10-28", to: "2026-11-10", period: "previous" },
    ]);
    expect(say({ not: { notPerformed: "x", within: { days: 3 } } }, "en").windows).toEqual([{ path: "not", days: 3, from: "2026-11-22", to: "2026-11-24" }]);
    // A window running past asOf is counted up to asOf's day; the sentence keeps the definition's dates.
    const late = say({ performed: "purchase", within: { from: "2026-11-20", to: "2026-12-31" } }, "zh");
    expect(late.text).toBe("2026-11-20 至 2026-12-31 期间购买≥1次");
    expect(late.windows).toEqual([{ path: "(root)", from: "2026-11-20", to: "2026-11-24" }]);
    expect(say({ trait: "a", op: "exists" }, "zh").windows).toEqual([]);
  });

  it("counts days in the workspace's timezone: 18:00Z is already 11-25 in Shanghai", () => {
    const at = Date.parse("2026-11-24T18:00:00Z");
    const def = { performed: "purchase", within: { days: 7 } };
    expect(say(def, "zh", at).text).toBe("近7天（2026-11-19 至 2026-11-25）购买≥1次");
    expect(say(def, "en", at, "UTC").windows).toEqual([{ path: "(root)", days: 7, from: "2026-11-18", to: "2026-11-24" }]);
  });

  it("without labels shows raw names and values; labelsFrom reads a lexicon, cached per Prompts", () => {
    const def = { and: [{ performed: "order_paid", times: { op: "gte", value: 2 }, within: { days: 30 } }, { trait: "cityLevel", op: "eq", value: 1 }] } as SegmentNode;
    expect(describeSegment(def, { lang: "en", asOf: NOW.getTime(), timezone: TZ }).text).toBe("order_paid ≥ 2 times in the last 30 days (2026-10-26 to 2026-11-24) and cityLevel = 1");
    const tiny = { events: [{ names: ["buy"], label: { zh: "买", en: "bought" } }], traits: [{ names: ["lvl"], label: { zh: "级别", en: "level" }, values: [{ aliases: ["a"], label: { zh: "甲", en: "A" } }] }] };
    const own = labelsFrom(JSON.stringify(tiny));
    expect(describeSegment({ and: [{ performed: "buy" }, { trait: "lvl", op: "eq", value: "a" }] }, { lang: "zh", asOf: NOW.getTime(), timezone: TZ, labels: own }).text).toBe("累计买≥1次 且 级别 = 甲");
    let reads = 0;
    const prompts: Prompts = { text: () => (reads++, JSON.stringify(tiny)) };
    expect(labelsFor(prompts)).toBe(labelsFor(prompts));
    expect(reads).toBe(1);
  });
});

/**
 * shop (Asia/Shanghai), purchases are `order_paid` and the city trait `cityLevel`; 12:00 local:
 *   u1 cityLevel 1; order_paid 100 on 11-20 and 11-22
 *   u2 cityLevel 1; order_paid 500 on 11-10
 *   u3 cityLevel 2; order_paid 50 on 11-01, 11-15, 11-23
 *   u4 cityLevel 1; play_song on 11-24
 *   u5 cityLevel 3; no events
 * Five profiles, so any audience under max(5, 1%) = 5 gets per-condition counts.
 */
describe("POST /v1/segments/preview with explain", () => {
  const t = setup();
  const key = t.key("shop");
  const radio = t.key("radio");
  const at = (d: string) => `${d}T04:00:00Z`;
  const paid = (id: string, userId: string, day: string, amount: number) => ev(id, { userId, name: "order_paid", timestamp: at(day), properties: { amount } });
  const preview = async (k: string, body: Record<string, unknown>) => {
    const r = await t.call("POST", "/v1/segments/preview", { key: k, body });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  };

  beforeAll(async () => {
    const events = [
      paid("1a", "u1", "2026-11-20", 100), paid("1b", "u1", "2026-11-22", 100), paid("2a", "u2", "2026-11-10", 500),
      paid("3a", "u3", "2026-11-01", 50), paid("3b", "u3", "2026-11-15", 50), paid("3c", "u3", "2026-11-23", 50),
      ev("4a", { userId: "u4", timestamp: at("2026-11-24") }),
    ];
    expect((await t.call("POST", "/v1/events", { key, body: { events } })).body.accepted).toBe(events.length);
    for (const [userId, cityLevel] of [["u1", 1], ["u2", 1], ["u3", 2], ["u4", 1], ["u5", 3]] as const)
      expect((await t.call("POST", "/v1/identify", { key, body: { userId, traits: { cityLevel } } })).status).toBe(200);
    const plays = Array.from({ length: 6 }, (_, i) => ev(`r${i}`, { userId: `r${i}` }));
    expect((await t.call("POST", "/v1/events", { key: radio, body: { events: plays } })).body.accepted).toBe(6);
  });

  it("an empty audience says which condition emptied it", async () => {
    const definition = { and: [
      { performed: "order_paid", times: { op: "gte", value: 2 }, within: { days: 30 } },
      { trait: "cityLevel", op: "eq", value: 1 },
      { performed: "play_song", within: { days: 7 } },
    ] };
    const r = await preview(key, { definition, explain: true });
    expect(r.count).toBe(0);
    expect(r.description).toEqual({
      zh: "近30天（2026-10-26 至 2026-11-24）购买≥2次 且 城市等级 = 一线城市 且 近7天（2026-11-18 至 2026-11-24）听歌≥1次",
      en: "purchased ≥ 2 times in the last 30 days (2026-10-26 to 2026-11-24) and city tier = tier-1 cities and played a song ≥ 1 time in the last 7 days (2026-11-18 to 2026-11-24)",
    });
    expect(r.windows).toEqual([
      { path: "and[0]", days: 30, from: "2026-10-26", to: "2026-11-24" },
      { path: "and[2]", days: 7, from: "2026-11-18", to: "2026-11-24" },
    ]);
    // u1 and u3 bought twice; of them only u1 is tier 1; u1 played nothing (only u4 did).
    expect(r.conditions).toEqual([
      { path: "and[0]", condition: { zh: "近30天（2026-10-26 至 2026-11-24）购买≥2次", en: "purchased ≥ 2 times in the last 30 days (2026-10-26 to 2026-11-24)" }, count_after: 2, alone: 2 },
      { path: "and[1]", condition: { zh: "城市等级 = 一线城市", en: "city tier = tier-1 cities" }, count_after: 1, alone: 3 },
      { path: "and[2]", condition: { zh: "近7天（2026-11-18 至 2026-11-24）听歌≥1次", en: "played a song ≥ 1 time in the last 7 days (2026-11-18 to 2026-11-24)" }, count_after: 0, alone: 1 },
    ]);
  });

  it("a small audience: amounts, a saved segment by name, a not", async () => {
    const bySum = await preview(key, { definition: { and: [{ performed: "order_paid", within: { days: 30 }, sum: { op: "gte", value: 300 } }, { trait: "cityLevel", op: "eq", value: 1 }] }, explain: true });
    expect(bySum.sample).toEqual(["u2"]);
    expect(bySum.conditions.map((c: any) => [c.count_after, c.alone])).toEqual([[1, 1], [1, 3]]);
    const saved = await t.call("POST", "/v1/segments", { key, body: { name: "近期买家", definition: { performed: "order_paid", within: { days: 30 } } } });
    const r = await preview(key, { definition: { and: [{ inSegment: saved.body.id }, { not: { trait: "cityLevel", op: "eq", value: 2 } }] }, explain: true });
    expect(r.sample).toEqual(["u1", "u2"]);
    expect(r.description).toEqual({ zh: "属于分群「近期买家」 且 不满足（城市等级 = 二线城市）", en: 'in segment "近期买家" and not (city tier = tier-2 cities)' });
    expect(r.windows).toEqual([]);
    expect(r.conditions.map((c: any) => [c.path, c.count_after, c.alone])).toEqual([["and[0]", 3, 3], ["and[1]", 2, 4]]);
    const many = await preview(key, { definition: { and: Array.from({ length: 12 }, () => ({ trait: "cityLevel", op: "eq", value: 3 })) }, explain: true });
    expect(many.sample).toEqual(["u5"]);
    expect(many.conditions).toHaveLength(10); // bounded: two counts per condition
  });

  it("a single node is one condition; asOf moves the windows", async () => {
    const r = await preview(key, { definition: { performed: "order_paid", within: { days: 7 } }, asOf: "2026-11-24T18:00:00Z", explain: true });
    expect(r.sample).toEqual(["u1", "u3"]); // 11-19..11-25: u1's 11-20 and 11-22, u3's 11-23
    expect(r.windows).toEqual([{ path: "(root)", days: 7, from: "2026-11-19", to: "2026-11-25" }]);
    expect(r.conditions).toEqual([{ path: "(root)", condition: { zh: "近7天（2026-11-19 至 2026-11-25）购买≥1次", en: "purchased ≥ 1 time in the last 7 days (2026-11-19 to 2026-11-25)" }, count_after: 2, alone: 2 }]);
  });

  it("a big audience is described without per-condition counts", async () => {
    const r = await preview(radio, { definition: { performed: "play_song", within: { days: 7 } }, explain: true });
    expect(r.count).toBe(6);
    expect(r.description.zh).toBe("近7天（2026-11-18 至 2026-11-24）听歌≥1次");
    expect(r.windows).toHaveLength(1);
    expect(r).not.toHaveProperty("conditions");
  });

  it("over HTTP explain is off by default (the answer is as before); the agent's tool explains by default", async () => {
    const definition = { trait: "cityLevel", op: "eq", value: 3 };
    expect(Object.keys(await preview(key, { definition })).sort()).toEqual(["asOf", "count", "elapsedMs", "sample"]);
    const tool = TOOLS.find((x) => x.name === "segments_preview")!;
    const out = tool.run(t.ctx("shop"), tool.input.parse({ definition })) as any;
    expect(out.description.zh).toBe("城市等级 = 三线城市");
    expect(tool.output.safeParse(out).success).toBe(true);
    expect(tool.run(t.ctx("shop"), tool.input.parse({ definition, explain: false }))).not.toHaveProperty("description");
    const doc = (await t.call("GET", "/openapi.json")).body;
    expect(doc.components.schemas.SegmentPreviewInput.properties.explain.default).toBe(false);
  });
});
