/**
 * The billing overview in chromium, on real activity: a signed pack purchase, metered copy
 * generations, a referral help. The page shows the API's own figures and the revenue chart has data.
 */
import { createHmac } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeSerious, launch, screenshot, visitor } from "./browser.ts";
import { http, startNode, type Runtime } from "./runtimes.ts";

let rt: Runtime;
let browser: Browser;
let key: string;

beforeAll(async () => {
  [rt, browser] = await Promise.all([startNode(), launch()]);
  const made = (await http(rt, "POST", "/admin/workspaces", { key: rt.adminToken, body: { name: "acme", timezone: "Asia/Shanghai" } })).body;
  key = made.key.key;
  const secret = (await http(rt, "GET", "/v1/billing/settings", { key })).body.secret as string;
  const body = JSON.stringify({ id: "evt_b1", type: "payment.succeeded", data: { userId: "payer", sku: "pack_10", amount: 1200, currency: "CNY" } });
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  const paid = await fetch(`${rt.base}/v1/webhooks/payments/${made.workspace.id}`, { method: "POST", headers: { "content-type": "application/json", "flywheel-signature": `t=${t},v1=${sig}` }, body });
  expect(paid.status).toBe(200);
  for (const u of ["a", "b", "c"]) expect((await http(rt, "POST", "/v1/generations/copy", { key, body: { userId: u, copy: { channel: "push", theme: "promotion" } } })).status).toBe(200);
  const code = (await http(rt, "POST", "/v1/referrals", { key, body: { userId: "inviter" } })).body.code as string;
  await http(rt, "POST", "/v1/events", { key, body: { events: [{ id: "h1", userId: "helper", name: "app_open", timestamp: new Date().toISOString() }] } });
  expect((await http(rt, "POST", `/v1/referrals/${code}/help`, { key, body: { helperId: "helper" } })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe("the billing overview", () => {
  it("shows credits, revenue by pack and referral help as the API counts them", async () => {
    const o = (await http(rt, "GET", "/v1/billing/overview", { key })).body;
    expect(o.revenue.net).toBe(1200);
    const v = await visitor(browser, rt.base, { key });
    const { page } = v;
    await page.goto(`${rt.base}/billing`);
    await page.locator("#status.ok").waitFor();
    const text = async (id: string) => (await page.locator(`#${id}`).textContent())?.trim();
    expect(await text("total-granted")).toBe(Number(o.creditTotals.granted).toLocaleString("zh-CN", { maximumFractionDigits: 3 }));
    expect(await text("total-spent")).toBe(String(o.creditTotals.spent));
    expect(o.creditTotals.spent).toBe(3);
    expect(await page.locator("#revenue-summary").textContent()).toContain("¥12.00");
    expect(await page.locator("#revenue-summary").textContent()).toContain("pack_10");
    expect(await text("ref-helps")).toBe("1 (1 / 0)");
    const bars = await page.evaluate(() => {
      const w = window as unknown as { echarts: { getInstanceByDom: (el: Element) => { getOption: () => { series: { data: number[] }[] } } } };
      return w.echarts.getInstanceByDom(document.getElementById("revenue-chart")!).getOption().series[0]!.data;
    });
    expect(bars).toEqual([12]);
    await screenshot(page, "billing-overview");
    expect(await axeSerious(page)).toEqual([]);
    expect(v.outside).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.context.close();
  });
});
