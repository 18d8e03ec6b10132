/**
 * Moderation in chromium: the workspace's newest songs with a takedown for a published one, and
 * persona cards imported from a file (PNG) and deleted.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;
let songId: string;

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  key = (await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "acme", timezone: "Asia/Shanghai" } })).body.key.key;
  const made = await http(rt, "POST", "/v1/songs", { key, body: { userId: "singer", seed: 3, durationSec: 10, theme: "夏天" } });
  songId = made.body.song.id;
  expect((await http(rt, "POST", `/v1/songs/${songId}/publish`, { key, body: {} })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe("moderation", () => {
  it("takes a published song down, imports a PNG card from a file and deletes it", async () => {
    const png = new Uint8Array(await (await fetch(`${rt.base}/v1/personas/mengmeizi/card.png`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    const file = join(tmpdir(), `card-${process.pid}.png`);
    writeFileSync(file, png);
    const v = await visitor(browser, rt.base, { key });
    const { page } = v;
    await page.goto(`${rt.base}/moderation`);
    const row = page.locator(`tr[data-song="${songId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("已发布");
    await page.getByRole("button", { name: /^下架：/ }).click();
    await page.locator("#songs-status.ok").waitFor();
    expect((await http(rt, "GET", `/v1/songs/${songId}`, { key })).body.published).toBe(false);
    await page.waitForFunction((id) => document.querySelector(`tr[data-song="${id}"]`)?.textContent?.includes("未发布"), songId);

    await page.getByLabel("导入角色卡（PNG 或 JSON，兼容 SillyTavern）").setInputFiles(file);
    await page.getByLabel("角色 ID（小写字母、数字、连字符；可留空）").fill("my-meng");
    await page.getByRole("button", { name: "导入", exact: true }).click();
    await page.locator("#import-status.ok").waitFor();
    await page.getByRole("cell", { name: "persona:my-meng" }).waitFor();
    expect((await http(rt, "GET", "/v1/personas/my-meng", { key })).body.data.name).toBe("Mengmeizi");
    await screenshot(page, "moderation");
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole("button", { name: "删除：my-meng" }).click();
    await page.locator("#import-status.ok").waitFor();
    expect((await http(rt, "GET", "/v1/personas/my-meng", { key })).status).toBe(404);
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  });
});
