import { beforeAll, describe, expect, it } from "vitest";
import { getCatalog } from "../../tools/catalog/read.ts";
import { DayRange } from "../../tools/analytics/common.ts";
import { SegmentNode, type SegmentNode as SegmentNodeType } from "../../tools/segments/schema.ts";
import { NOW as HELPERS_NOW, setup } from "../helpers.ts";
import {
  ANALYTICS_CASES,
  AUDIENCE_CASES,
  CASES,
  CHURN_SCORE_CASES,
  COPY_CASES,
  REFUSAL_CASES,
  type AudienceCase,
  type Workspace,
} from "./cases.ts";
import { NOW, SHOP_EVENTS, loadEvalData, type EvalData } from "./fixture.ts";
import { TODAY, audienceOf, chineseNumeral, copyWithinLimits, numbersNotFromTools, sameRange, scoreAudience, workspaceSize } from "./score.ts";

const t = setup();
let data: EvalData;

beforeAll(async () => {
  data = await loadEvalData(t.db);
  console.log(
    `agent-eval fixture: loaded in ${data.seconds.toFixed(2)} s — ` +
      data.workspaces.map((w) => `${w}: ${data.users[w]} users, ${data.events[w]} events`).join("; "),
  );
}, 120_000);

/** Event names and trait keys a definition uses. */
function namesIn(node: unknown, into = { events: new Set<string>(), traits: new Set<string>() }) {
  if (Array.isArray(node)) node.forEach((n) => namesIn(n, into));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (typeof o.performed === "string") into.events.add(o.performed);
    if (typeof o.notPerformed === "string") into.events.add(o.notPerformed);
    if (o.change && typeof o.change === "object" && (o.change as { event: string }).event !== "active_days") into.events.add((o.change as { event: string }).event);
    if (typeof o.trait === "string") into.traits.add(o.trait);
    for (const k of ["and", "or", "not"]) if (k in o) namesIn(o[k], into);
  }
  return into;
}

const catalogOf = (w: Workspace) => {
  const c = getCatalog(t.ctx(w), { top: 20 });
  return { events: new Set(c.events.map((e) => e.name)), traits: new Set(c.traits.map((x) => x.key)), raw: c };
};

function checkAudience(c: AudienceCase) {
  const parsed = SegmentNode.safeParse(c.expect);
  expect(parsed.success, `${c.id}: ${JSON.stringify(parsed.error?.issues?.[0])}`).toBe(true);
  const ctx = t.ctx(c.workspace);
  const n = audienceOf(ctx, c.expect).length;
  const all = workspaceSize(ctx);
  expect(n, `${c.id} (${c.turns.join(" / ")}) selects nobody`).toBeGreaterThan(0);
  expect(n, `${c.id} (${c.turns.join(" / ")}) selects everyone`).toBeLessThan(all);
  const cat = catalogOf(c.workspace);
  const used = namesIn(c.expect);
  for (const e of used.events) expect(cat.events.has(e), `${c.id}: event ${e} is not in ${c.workspace}`).toBe(true);
  for (const k of used.traits) expect(cat.traits.has(k), `${c.id}: trait ${k} is not in ${c.workspace}`).toBe(true);
  return n;
}

describe("agent evaluation set", () => {
  it("the fixture has two workspaces with their own names", () => {
    expect(data.workspaces).toEqual(["demo", "shop"]);
    expect(workspaceSize(t.ctx("demo"))).toBe(400);
    expect(workspaceSize(t.ctx("shop"))).toBe(300);
    const demo = catalogOf("demo");
    const shop = catalogOf("shop");
    for (const [from, to] of Object.entries(SHOP_EVENTS)) {
      expect(demo.events.has(from), from).toBe(true);
      expect(shop.events.has(to), to).toBe(true);
      expect(shop.events.has(from), `shop has no ${from}`).toBe(false);
    }
    expect([...shop.traits].sort()).toEqual(["ageGroup", "cityLevel", "platform", "registerDate", "sex", "source", "vip"]);
    expect([...demo.traits].sort()).toEqual(["age_band", "channel", "city_tier", "device", "gender", "icebreakers_opt_in", "member_tier", "signup_date"]);
    const platform = shop.raw.traits.find((x) => x.key === "platform")!.topValues.map((v) => v.value);
    expect([...platform].sort()).toEqual(["Android", "MiniApp", "iOS"]);
    const style = shop.raw.events.find((e) => e.name === "track_play")!.properties.find((p) => p.name === "style")!.topValues.map((v) => v.value);
    expect(style).toContain("Rock");
    expect(style).toContain("R&B");
    // Both workspaces have model layers (RFM classes, lifecycle stages, CLV) to select on.
    for (const w of ["demo", "shop"] as const) {
      for (const def of [{ rfm: ["important_value"] }, { lifecycle: ["churned"] }, { topPercent: { score: "clv", pct: 10 } }])
        expect(audienceOf(t.ctx(w), def).length, `${w} ${JSON.stringify(def)}`).toBeGreaterThan(0);
    }
  });

  it("every expected audience parses, uses the workspace's names, and selects some users but not everyone", () => {
    const counts = AUDIENCE_CASES.map((c) => [c.id, checkAudience(c)] as const);
    console.log(`audience sizes: ${counts.map(([id, n]) => `${id}=${n}`).join(" ")}`);
  });

  it("the categories meet their minimums", () => {
    const zh = AUDIENCE_CASES.filter((c) => c.lang === "zh");
    const en = AUDIENCE_CASES.filter((c) => c.lang === "en");
    const multi = AUDIENCE_CASES.filter((c) => c.turns.length > 1);
    const shop = AUDIENCE_CASES.filter((c) => c.workspace === "shop");
    console.log(
      `cases: audience ${AUDIENCE_CASES.length} (zh ${zh.length}, en ${en.length}; multi-turn ${multi.length}, shop ${shop.length}), ` +
        `analytics ${ANALYTICS_CASES.length}, copy ${COPY_CASES.length}, refusal ${REFUSAL_CASES.length}; ` +
        `held back until a churn model exists: ${CHURN_SCORE_CASES.length}`,
    );
    expect(AUDIENCE_CASES.length).toBeGreaterThanOrEqual(90);
    expect(zh.length).toBeGreaterThanOrEqual(55);
    expect(en.length).toBeGreaterThanOrEqual(30);
    expect(multi.length).toBeGreaterThanOrEqual(12);
    expect(multi.every((c) => c.turns.length <= 3)).toBe(true);
    expect(shop.length).toBeGreaterThanOrEqual(12);
    expect(ANALYTICS_CASES.length).toBeGreaterThanOrEqual(12);
    expect(COPY_CASES.length).toBeGreaterThanOrEqual(6);
    expect(REFUSAL_CASES.length).toBeGreaterThanOrEqual(8);
    for (const list of [multi, shop, ANALYTICS_CASES, COPY_CASES, REFUSAL_CASES])
      expect(new Set(list.map((c) => c.lang))).toEqual(new Set(["zh", "en"]));
  });

  it("ids are unique and no two cases have identical turns", () => {
    const all = [...CASES, ...CHURN_SCORE_CASES];
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    const seen = new Map<string, string>();
    for (const c of all) {
      const key = JSON.stringify(c.turns.map((s) => s.trim().toLowerCase()));
      expect(seen.get(key), `${c.id} repeats the turns of ${seen.get(key)}`).toBeUndefined();
      seen.set(key, c.id);
      expect(c.turns.length).toBeGreaterThan(0);
      expect(c.turns.every((s) => s.trim().length > 0)).toBe(true);
    }
  });

  it("analytics and copy expectations are well formed and name the workspace's events", () => {
    for (const c of ANALYTICS_CASES) {
      const a = c.expectAnalytics;
      if (a.range) expect(DayRange.safeParse(a.range).success, c.id).toBe(true);
      if (["funnel", "paths"].includes(a.kind)) expect(a.steps?.length, c.id).toBeGreaterThan(0);
      if (a.kind === "funnel") expect(a.steps!.length, c.id).toBeGreaterThanOrEqual(2);
      if (["funnel", "retention", "trend", "paths"].includes(a.kind)) expect(a.range, `${c.id}: a ranged analysis states its range`).toBeDefined();
      const cat = catalogOf(c.workspace);
      for (const e of a.steps ?? []) expect(cat.events.has(e), `${c.id}: ${e} not in ${c.workspace}`).toBe(true);
    }
    for (const c of COPY_CASES) {
      expect(["sms", "push", "wechat", "email"]).toContain(c.expectCopy.channel);
      expect(c.expectCopy.variants).toBeGreaterThanOrEqual(1);
    }
  });

  it("churn-score cases wait for a churn score (they join the set once the fixture has one)", () => {
    const scored = (w: Workspace) =>
      (t.db.$client.prepare("SELECT count(*) AS n FROM profiles WHERE workspace_id = ? AND json_extract(predictive, '$.churn') IS NOT NULL").get(t.ctx(w).workspaceId) as { n: number }).n;
    for (const c of CHURN_SCORE_CASES) {
      if (scored(c.workspace) > 0) checkAudience(c);
      else console.log(`${c.id}: held back — no profile in ${c.workspace} has a churn score yet`);
    }
  });
});

describe("scoring helpers", () => {
  it("share the suite's clock: today is 2026-11-24", () => {
    expect(NOW.getTime()).toBe(HELPERS_NOW.getTime());
    expect(TODAY).toBe("2026-11-24");
    expect(sameRange({ days: 7 }, { from: "2026-11-18", to: "2026-11-24" })).toBe(true);
    expect(sameRange({ days: 30 }, { days: 31 })).toBe(false);
  });

  it("score audiences by their members, so equivalent definitions pass", () => {
    const ctx = t.ctx("demo");
    const cart = { performed: "add_to_cart", within: { days: 7 } };
    const expected: SegmentNodeType = { and: [cart, { notPerformed: "purchase", within: { days: 7 } }] };
    expect(scoreAudience(ctx, { and: [cart, { not: { performed: "purchase", within: { days: 7 } } }] }, expected).ok).toBe(true);
    expect(scoreAudience(ctx, { and: [cart, { performed: "purchase", within: { days: 7 }, times: { op: "lt", value: 1 } }] }, expected).ok).toBe(true);
    expect(scoreAudience(ctx, cart, expected)).toMatchObject({ ok: false, missing: 0 });
    expect(scoreAudience(ctx, { performed: "add_to_cart", within: { days: "7" } }, expected)).toMatchObject({ ok: false, error: expect.any(String) });
    expect(scoreAudience(ctx, undefined, expected).ok).toBe(false);
    const genres = { performed: "play_song", where: [{ property: "genre", op: "in", value: ["jazz", "rock"] }] };
    const either = { or: ["jazz", "rock"].map((g) => ({ performed: "play_song", where: [{ property: "genre", op: "eq", value: g }] })) };
    expect(scoreAudience(ctx, either, genres as SegmentNodeType).ok).toBe(true);
  });

  it("check copy against the channel limits", () => {
    expect(copyWithinLimits("sms", { body: "【乐听】购物车里的歌单周边还在等你，今晚下单立减10元 回T退订" })).toBe(true);
    expect(copyWithinLimits("sms", { body: "购物车里的宝贝还在等你，今晚下单立减10元 回T退订" })).toBe(false); // no signature
    expect(copyWithinLimits("sms", { body: "【乐听】购物车里的宝贝还在等你" })).toBe(false); // no opt-out
    expect(copyWithinLimits("sms", { body: `【乐听】${"好".repeat(61)} 回T退订` })).toBe(true); // exactly 70
    expect(copyWithinLimits("sms", { body: `【乐听】${"好".repeat(62)} 回T退订` })).toBe(false); // 70 + 1 code points
    expect(copyWithinLimits("sms", { body: "【Lets】Your cart misses you: 10 off tonight. Reply T to opt out" })).toBe(true);
    expect(copyWithinLimits("push", { title: "好久不见", body: "你收藏的歌单更新了，快来听听吧" })).toBe(true);
    expect(copyWithinLimits("push", { title: "好久不见，你收藏的歌单更新了快来听听吧呀！", body: "来听" })).toBe(false); // title 21
    expect(copyWithinLimits("push", { title: "We miss you", body: "x".repeat(120) })).toBe(true);
    expect(copyWithinLimits("push", { title: "We miss you", body: "x".repeat(121) })).toBe(false);
    expect(copyWithinLimits("wechat", { fields: { first: "您的VIP即将到期", keyword1: "2026-11-30" } })).toBe(true);
    expect(copyWithinLimits("wechat", { fields: [{ name: "remark", value: "续费立享八折优惠，点击详情马上续费吧朋友们" }] })).toBe(false);
    expect(copyWithinLimits("wechat", { body: "no fields" })).toBe(false);
    expect(copyWithinLimits("email", { subject: "New jazz for you", body: "Hi" })).toBe(true);
    expect(copyWithinLimits("email", { body: "Hi" })).toBe(false);
  });

  it("find numbers in a reply that no tool and no operator gave", () => {
    expect([..."两 十五 二十 三百 一千五 三万 一百零五".split(" ")].map(chineseNumeral)).toEqual([2, 15, 20, 300, 1500, 30000, 105]);
    const calls = [
      { name: "segments_preview", input: { definition: { performed: "purchase", within: { days: 30 } } }, output: { count: 12345, sample: ["u0000042"], asOf: "2026-11-24T12:00:00.000Z" } },
      { name: "analytics", input: { kind: "funnel" }, output: { rate: 0.1234 } },
    ];
    expect(numbersNotFromTools("共 12,345 人，转化率 12.3%，截至 2026-11-24。\n1. 近30天买过两次以上\n2) 样本 u0000042", calls, ["近30天买过两次以上"])).toEqual([]);
    expect(numbersNotFromTools("消费满1.5万、三百元以上的有 12345 人", calls, ["消费满1.5万的", "改成三百元"])).toEqual([]);
    expect(numbersNotFromTools("共 12,345 人，其中约 4,000 人是女性，占 32%", calls, [])).toEqual(["4,000", "32%"]);
    expect(numbersNotFromTools("as of 2025-10-31 there were 12345", calls, [])).toEqual(["2025", "10", "31"]);
    expect(numbersNotFromTools("users who bought at least 2 times", calls, ["at least twice"])).toEqual([]);
  });
});
