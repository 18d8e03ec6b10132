import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ensureChromium } from "./chromium.ts";

/**
 * The browser tests' harness: Debian's chromium headless with its networking features off, a
 * context per visitor that refuses (and records) any request outside the server, axe-core injected
 * from the installed package, and screenshots kept as test artifacts (test-artifacts/screenshots).
 */
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const SHOTS = join(import.meta.dirname, "..", "test-artifacts", "screenshots");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: FLAGS, headless: true });
}

export type Visitor = { context: BrowserContext; page: Page; outside: string[]; consoleErrors: string[] };

/**
 * A visitor of `base`: signed in with `key` (operator console) or `token` (end-user app) stored as
 * the pages keep them, in `lang`. Every request that leaves the server is aborted and listed.
 */
export async function visitor(browser: Browser, base: string, opts: { key?: string; token?: string; lang?: "zh" | "en"; width?: number } = {}): Promise<Visitor> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, locale: opts.lang === "en" ? "en-US" : "zh-CN" });
  const origin = new URL(base).origin;
  const outside: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  if (opts.lang) await context.addCookies([{ name: "lang", value: opts.lang, url: base }]);
  await context.addInitScript(
    ([key, token]) => {
      if (key) localStorage.setItem("flywheel.key", key);
      if (token) localStorage.setItem("flywheel.token", token);
    },
    [opts.key ?? "", opts.token ?? ""],
  );
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return { context, page, outside, consoleErrors };
}

/** axe-core's serious and critical violations on the page as it stands (rule id and the first target). */
export async function axeSerious(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, target: v.nodes[0]?.target.join(" ") ?? "" }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}) at ${v.target}`);
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
