// The browser tests drive Debian's chromium (playwright cannot download browsers on these
// machines). Installs it, with CJK fonts so Chinese pages render, when it is missing: a clean CI
// checkout has neither. Needs root (CI runs as root); otherwise says what to run.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) throw new Error(`chromium is missing: run "apt-get install -y chromium fonts-noto-cjk" as root, then the tests again`);
  console.error("installing Debian's chromium and fonts-noto-cjk for the browser tests …");
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium", "fonts-noto-cjk"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (!existsSync(CHROMIUM)) throw new Error("apt-get finished but /usr/bin/chromium is not there");
  return CHROMIUM;
}

