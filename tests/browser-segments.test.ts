/**
 * The segment builder in chromium: a JSON definition loaded into the form comes back out the same,
 * the live count is the API's, an edit in the form changes the JSON and the count, and a save lists
 * the segment with its count.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;
const DAY = 86_400_000;

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  key = (await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "acme", timezone: "Asia/Shanghai" } })).body.key.key;
  const events = [];
  for (let u = 0; u < 12; u++)
    for (let i = 0; i < (u % 4) + 1; i++)
      events.push({ id: `e${u}-${i}`, userId: `u${u}`, name: "play_song", timestamp: new Date(Date.now() - (i + 1) * DAY).toISOString(), properties: { genre: u % 3 ? "rock" : "pop" } });
  expect((await http(rt, "POST", "/v1/events", { key, body: { events } })).status).toBe(200);
  for (let u = 0; u < 12; u++) await http(rt, "POST", "/v1/identify", { key, body: { userId: `u${u}`, traits: { city_tier: (u % 3) + 1 } } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

const previewCount = async (definition: unknown) => (await http(rt, "POST", "/v1/segments/preview", { key, body: { definition } })).body.count as number;

describe("the segment builder", () => {
  it("round-trips a definition through the form, counts live as you edit, saves", async () => {
    const v = await visitor(browser, rt.base, { key });
    const { page } = v;
    await page.goto(`${rt.base}/segments`);
    await page.locator("#rows li").first().waitFor();
    const def = {
      and: [
        { performed: "play_song", times: { op: "gte", value: 2 }, within: { days: 30 }, where: [{ property: "genre", op: "eq", value: "rock" }] },
        { trait: "city_tier", op: "lte", value: 2 },
      ],
    };
    await page.getByLabel("定义（随表单更新；也可粘贴后载入表单）").fill(JSON.stringify(def));
    await page.getByRole("button", { name: "载入表单" }).click();
    await page.locator("#json-status.ok").waitFor();
    expect(JSON.parse(await page.locator("#json").inputValue())).toEqual(def);
    expect(await page.locator("#rows > li").count()).toBe(2);
    const expected = await previewCount(def);
    expect(expected).toBeGreaterThan(0);
    await page.waitForFunction((n) => document.getElementById("count")?.dataset.count === String(n), expected);

    // An edit in the form: at least once instead of twice.
    await page.getByLabel("次数（空=不限）").fill("1");
    const edited = { and: [{ ...def.and[0], times: { op: "gte", value: 1 } }, def.and[1]] };
    await page.waitForFunction((d) => JSON.stringify(JSON.parse((document.getElementById("json") as HTMLTextAreaElement).value)) === d, JSON.stringify(edited));
    const more = await previewCount(edited);
    expect(more).toBeGreaterThan(expected);
    await page.waitForFunction((n) => document.getElementById("count")?.dataset.count === String(n), more);
    await screenshot(page, "segments-builder");

    await page.getByLabel("分群名称").fill("摇滚常听");
    await page.getByRole("button", { name: "保存分群" }).click();
    await page.locator("#save-status.ok").waitFor();
    await page.getByRole("cell", { name: "摇滚常听", exact: true }).waitFor();
    const list = (await http(rt, "GET", "/v1/segments", { key })).body.segments;
    expect(list.map((s: { name: string; count: number; definition: unknown }) => [s.name, s.count, s.definition])).toEqual([["摇滚常听", more, edited]]);
    expect(await page.locator("#saved").textContent()).toContain(String(more));
    await screenshot(page, "segments-saved");
    expect(await axeSerious(page)).toEqual([]);
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  });
});
