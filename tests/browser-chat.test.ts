/**
 * The agent chat page (/chat) in a real browser against a real server (offline model): an operator
 * asks in Chinese for an audience, sees the segment card with the count the API computes, continues
 * the same conversation to save it, approves the save, and the segment exists afterwards.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;

const DAY = 86_400_000;
const ROCK_WEEK = { performed: "play_song", within: { days: 7 }, where: [{ property: "genre", op: "eq", value: "rock" }] };

/** The newest conversation as the API stores it: messages with their cards, approvals, the model. */
async function latestConversation() {
  const convs = (await http(rt, "GET", "/v1/agent/conversations", { key })).body.conversations;
  return (await http(rt, "GET", `/v1/agent/conversations/${convs[0].id}`, { key })).body;
}

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  const made = await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "chat-ws", timezone: "Asia/Shanghai" } });
  key = made.body.key.key;
  // 7 users played rock in the last days, 3 only long ago, 4 played pop.
  const now = Date.now();
  const events = [
    ...Array.from({ length: 7 }, (_, i) => ({ id: `r${i}`, userId: `rock${i}`, name: "play_song", timestamp: new Date(now - (i % 5) * DAY - 3_600_000).toISOString(), properties: { genre: "rock" } })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: `o${i}`, userId: `old${i}`, name: "play_song", timestamp: new Date(now - 20 * DAY).toISOString(), properties: { genre: "rock" } })),
    ...Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, userId: `pop${i}`, name: "play_song", timestamp: new Date(now - DAY).toISOString(), properties: { genre: "pop" } })),
  ];
  expect((await http(rt, "POST", "/v1/events", { key, body: { events } })).body.accepted).toBe(events.length);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe("the agent chat page", () => {
  it("asks in Chinese, shows the segment card with the API's count, continues the conversation, approves the save", async () => {
    // Profiles catch up with ingestion on their own schedule: wait until the API counts them.
    let preview: any;
    for (let i = 0; i < 50; i++) {
      preview = (await http(rt, "POST", "/v1/segments/preview", { key, body: { definition: ROCK_WEEK, sample: 20 } })).body;
      if (preview.count === 7) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(preview.count).toBe(7);

    const v = await visitor(browser, rt.base, { key });
    await v.page.goto(`${rt.base}/chat`);
    const box = v.page.getByLabel("给运营助手的消息");
    await box.fill("最近7天");
    await box.press("Shift+Enter");
    expect(await box.inputValue()).toBe("最近7天\n");
    expect(await v.page.locator(".bubble.user").count()).toBe(0);

    await box.fill("最近7天播放过摇滚的用户");
    await box.press("Enter");
    const card = v.page.locator(".segment-card");
    await card.waitFor();
    const first = await latestConversation();
    expect(await v.page.locator(".bubble.user").first().textContent()).toBe("最近7天播放过摇滚的用户");
    // The card shows the count the preview route computes for the same definition, and what the agent answered.
    const segCard = first.messages.at(-1).cards.find((c: any) => c.type === "segment");
    expect(segCard.definition).toEqual(ROCK_WEEK);
    expect(segCard.count).toBe(preview.count);
    expect(await card.locator(".seg-count").textContent()).toBe(String(preview.count));
    expect(await card.locator(".seg-desc").textContent()).toBe(segCard.description.zh);
    for (const id of preview.sample) expect(await card.textContent()).toContain(id);
    expect(await card.textContent()).toContain(`${segCard.windows[0].from} 至 ${segCard.windows[0].to}`);
    expect(await v.page.locator(".turn .meta").first().textContent()).toBe(`模型：${first.model.provider} · ${first.model.name}`);
    await v.page.locator(".turn .bubble.assistant", { hasText: `${preview.count} 人` }).first().waitFor();
    await screenshot(v.page, "chat-card");

    await box.fill("保存这个分群，命名为摇滚活跃");
    await v.page.getByRole("button", { name: "发送" }).click();
    const approval = v.page.locator(".approval-card");
    await approval.waitFor();
    // The same conversation continued: the page sent its id with the second message.
    const second = await latestConversation();
    expect(second.id).toBe(first.id);
    expect(second.approvals.map((a: any) => [a.tool, a.status])).toEqual([["segments_save", "pending"]]);
    expect(await approval.locator("h3").textContent()).toBe("等待审批：segments_save");
    expect(await approval.locator("pre").textContent()).toContain("摇滚活跃");
    expect((await http(rt, "GET", "/v1/segments", { key })).body.segments).toEqual([]);

    // A reload loses nothing: the conversation is reopened from the list, pending approval included.
    await v.page.reload();
    expect(await v.page.locator(".turn").count()).toBe(0);
    await v.page.getByLabel("会话").locator(`option[value="${second.id}"]`).waitFor({ state: "attached" });
    await v.page.getByLabel("会话").selectOption(second.id);
    await approval.waitFor();
    expect(await v.page.locator(".segment-card .seg-count").textContent()).toBe(String(preview.count));
    expect(await v.page.locator(".bubble.user").allTextContents()).toEqual(["最近7天播放过摇滚的用户", "保存这个分群，命名为摇滚活跃"]);

    await approval.getByRole("button", { name: "批准" }).click();
    await approval.locator(".outcome").waitFor();
    expect(await approval.locator(".outcome").textContent()).toBe("已批准并执行，结果：完成");
    const saved = v.page.locator(".saved-card");
    await saved.waitFor();
    expect(await saved.textContent()).toContain("摇滚活跃");
    expect(await approval.getByRole("button").count()).toBe(0);

    const segs = (await http(rt, "GET", "/v1/segments", { key })).body.segments;
    expect(segs.map((s: any) => s.name)).toEqual(["摇滚活跃"]);
    expect(segs[0].definition).toEqual(ROCK_WEEK);
    expect(await saved.textContent()).toContain(`人数：${segs[0].count}`);
    // One conversation holds both messages and the decision.
    expect((await http(rt, "GET", "/v1/agent/conversations", { key })).body.conversations).toHaveLength(1);
    const conv = await latestConversation();
    expect(conv.approvals.map((a: any) => a.status)).toEqual(["approved"]);
    expect(conv.messages.filter((m: any) => m.role === "operator").map((m: any) => m.content)).toEqual(["最近7天播放过摇滚的用户", "保存这个分群，命名为摇滚活跃", "[approved] segments_save"]);
    await v.page.getByLabel("会话").locator(`option[value="${conv.id}"]`).waitFor({ state: "attached" });

    await screenshot(v.page, "chat-approved");
    expect(await axeSerious(v.page)).toEqual([]);
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  }, 60_000);

  it("in English at phone width: a chart card, a copy card with lengths and checks, an edited save and a rejected one", async () => {
    const v = await visitor(browser, rt.base, { key, lang: "en", width: 375 });
    await v.page.goto(`${rt.base}/chat`);
    const box = v.page.getByLabel("Message to the agent");
    const ask = async (text: string, waitFor: string) => {
      const before = await v.page.locator(waitFor).count();
      await box.fill(text);
      await box.press("Enter");
      await v.page.locator(waitFor).nth(before).waitFor();
      return (await latestConversation()).messages.at(-1);
    };

    const trend = await ask("Show me the DAU trend for the past 2 weeks", ".chart-card");
    const chartData = trend.cards.find((c: any) => c.type === "chart");
    expect(chartData.kind).toBe("trend");
    const chart = v.page.locator(".chart-card").last();
    expect(await chart.locator("h3").textContent()).toBe(chartData.title.en);
    await chart.locator(".chart canvas").first().waitFor();
    const rows = chart.locator("tbody tr");
    expect(await rows.count()).toBe(chartData.series[0].points.length);
    expect(chartData.series[0].points.length).toBeGreaterThan(0);
    const [day, dau] = chartData.series[0].points.at(-1);
    expect(await rows.last().locator("th").textContent()).toBe(day);
    expect(await rows.last().locator("td").first().textContent()).toBe(String(dau));

    const copy = await ask("Write 3 push notification variants inviting churned users back with a free 7-day VIP trial", ".copy-card");
    const copyData = copy.cards.find((c: any) => c.type === "copy");
    expect(copyData.channel).toBe("push");
    expect(copyData.variants).toHaveLength(3);
    const copyCard = v.page.locator(".copy-card").last();
    expect(await copyCard.locator(".variant").count()).toBe(3);
    for (const [i, variant] of copyData.variants.entries()) {
      const node = copyCard.locator(".variant").nth(i);
      expect(await node.textContent()).toContain(variant.body);
      expect(await node.textContent()).toContain(`Length ${variant.chars}`);
      expect(await node.locator("li").count()).toBe(variant.checks.length);
    }

    await ask("users who played rock in the last 7 days", ".segment-card");
    await ask("save this segment named Rock weekly", ".approval-card");
    const edited = v.page.locator(".approval-card").last();
    await edited.getByRole("button", { name: "Edit" }).click();
    const json = edited.getByLabel("Edit the input (JSON)");
    const proposed = JSON.parse(await json.inputValue());
    expect(proposed.name).toBe("Rock weekly");
    await json.fill(JSON.stringify({ ...proposed, name: "Rock weekly (edited)" }));
    await edited.getByRole("button", { name: "Run edited" }).click();
    await edited.locator(".outcome").waitFor();
    expect(await edited.locator(".outcome").textContent()).toBe("Run with the edited input; result: done");
    await v.page.locator(".saved-card", { hasText: "Rock weekly (edited)" }).waitFor();

    await ask("save this segment named Never", ".approval-card");
    const rejected = v.page.locator(".approval-card").last();
    await rejected.getByRole("button", { name: "Reject" }).click();
    await rejected.getByLabel("Why (optional)").fill("not now");
    await rejected.getByRole("button", { name: "Confirm reject" }).click();
    await rejected.locator(".outcome").waitFor();
    expect(await rejected.locator(".outcome").textContent()).toBe("Rejected, not run (why: not now)");

    const names = (await http(rt, "GET", "/v1/segments", { key })).body.segments.map((s: any) => s.name).sort();
    expect(names).toEqual(["Rock weekly (edited)", "摇滚活跃"]);
    const conv = await latestConversation();
    expect(conv.approvals.map((a: any) => [a.status, a.message ?? null])).toEqual([["edited", null], ["rejected", "not now"]]);
    expect(conv.approvals[0].decidedInput.name).toBe("Rock weekly (edited)");
    // Readable at 375 px: nothing wider than the screen.
    expect(await v.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await screenshot(v.page, "chat-en-375");
    expect(await axeSerious(v.page)).toEqual([]);
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  }, 60_000);
});
