/**
 * The pages' frame in a real browser (Debian's chromium): the console and the app render for a
 * signed-in visitor, the language switch persists, nothing is requested outside the server, and
 * axe-core finds no serious violation.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  const made = await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "acme", timezone: "Asia/Shanghai" } });
  key = made.body.key.key;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe("the pages' frame in a browser", () => {
  it("asks for a key, then shows the workspace; the language switch persists; nothing outside; no serious axe violation", async () => {
    const v = await visitor(browser, rt.base);
    await v.page.goto(`${rt.base}/`);
    expect(await v.page.locator("#login").isVisible()).toBe(true);
    await v.page.getByLabel("API 密钥（需 operator 权限）").fill(key);
    await v.page.getByRole("button", { name: "进入" }).click();
    await v.page.locator("#ws.ok").waitFor();
    expect(await v.page.locator("#ws").textContent()).toContain("acme");
    expect(await v.page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await screenshot(v.page, "console-overview-zh");
    expect(await axeSerious(v.page)).toEqual([]);

    await v.page.getByRole("link", { name: "English" }).click();
    await v.page.waitForURL(`${rt.base}/`);
    expect(await v.page.locator("h1").textContent()).toBe("Operator console");
    await v.page.reload();
    expect(await v.page.locator("html").getAttribute("lang")).toBe("en");
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  });

  it("serves ECharts from the server itself", async () => {
    const r = await fetch(`${rt.base}/assets/echarts.min.js`);
    expect(r.status).toBe(200);
    expect((await r.text()).length).toBeGreaterThan(500_000);
    expect((await fetch(`${rt.base}/assets/nope.js`)).status).toBe(404);
  });
});
