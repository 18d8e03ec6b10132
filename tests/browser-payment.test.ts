/**
 * Buying a pack in chromium: the test payment page signs a pack purchase in the browser and posts
 * it to the signed webhook; the end user's credits page then shows the pack's songs.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;
let token: string;

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  key = (await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "acme", timezone: "Asia/Shanghai" } })).body.key.key;
  token = (await http(rt, "POST", "/v1/end-users/alice/tokens", { key, body: {} })).body.token;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

const songCard = (page: import("playwright-core").Page) => page.locator("#credits section.card").filter({ has: page.getByRole("heading", { name: "歌曲" }) });

describe("a pack purchase", () => {
  it("signed in the test payment page, raises the end user's balance", async () => {
    const alice = await visitor(browser, rt.base, { token });
    await alice.page.goto(`${rt.base}/app/credits`);
    await songCard(alice.page).waitFor();
    expect(await songCard(alice.page).textContent()).toContain("可用 3");

    const dev = await visitor(browser, rt.base);
    const { page } = dev;
    await page.goto(`${rt.base}/dev/test-payment`);
    await page.getByLabel("管理员密钥 / Admin key").fill(key);
    await page.getByRole("button", { name: "读取设置与目录 / Load settings and catalogue" }).click();
    await page.locator("#ws").filter({ hasText: "webhook" }).waitFor();
    await page.getByLabel("用户 / User id").fill("alice");
    await page.getByLabel("商品 / SKU").selectOption("pack_10");
    await page.getByRole("button", { name: "签名并发送 / Sign and send" }).click();
    await page.locator("#status.ok").waitFor();
    await screenshot(page, "test-payment");
    expect(await axeSerious(page)).toEqual([]);

    await alice.page.reload();
    await songCard(alice.page).waitFor();
    expect(await songCard(alice.page).textContent()).toContain("可用 13");
    const balance = (await http(rt, "GET", "/v1/billing/users/alice/balance", { key })).body.features.find((f: { feature: string }) => f.feature === "song");
    expect(balance.available).toBe(13);
    await screenshot(alice.page, "app-credits-after-pack");
    expect(alice.outside).toEqual([]);
    expect(dev.outside).toEqual([]);
    await alice.context.close();
    await dev.context.close();
  });
});
