import { serve } from "@hono/node-server";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../db/node.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { createApp } from "../server/app.ts";
import { nodeDocsAssets } from "../server/docsAssets.ts";
import { nodeWebAssets } from "../web/assetsNode.ts";
import { scheduleDailyRecompute } from "../server/schedule.ts";
import { silentLogger } from "../lib/log.ts";
import { callResult, jsonInit, type CallOptions } from "./helpers.ts";

/** A running Flywheel reached over real HTTP: the Node server or the Worker under local workerd. */
export type Runtime = { name: "node" | "worker"; base: string; adminToken: string; stop(): Promise<void> };

export const ADMIN_TOKEN = "smoke-admin-token-0123456789";
/** The scheduled recompute's period in the smoke runs: short, so a test can see it happen. */
export const RECOMPUTE_EVERY_MS = 1500;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** The Node runtime: createApp over an in-memory database, served on 127.0.0.1. */
export async function startNode(): Promise<Runtime> {
  const db = openDb();
  const app = createApp({ db, prompts: repoPrompts, adminToken: ADMIN_TOKEN, docsAssets: nodeDocsAssets, webAssets: nodeWebAssets });
  const port = await freePort();
  const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  const timer = scheduleDailyRecompute(db, silentLogger, repoPrompts, () => new Date(), RECOMPUTE_EVERY_MS);
  return {
    name: "node",
    base: `http://127.0.0.1:${port}`,
    adminToken: ADMIN_TOKEN,
    stop: async () => {
      clearInterval(timer);
      await new Promise((r) => server.close(r));
      db.$client.close();
    },
  };
}

/**
 * The Workers runtime: `wrangler dev --local` (workerd, offline, no login) on server/worker.ts with
 * a fresh state folder, so its Durable Objects start empty. Resolves once wrangler says it is ready.
 */
export async function startWorker(timeoutMs = 120_000): Promise<Runtime> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "flywheel-worker-"));
  const child: ChildProcess = spawn(
    "npx",
    ["wrangler", "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--var", `RECOMPUTE_EVERY_MS:${RECOMPUTE_EVERY_MS}`, "--show-interactive-dev-session=false", "--log-level", "warn"],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > timeoutMs) {
      process.kill(-child.pid!, "SIGKILL");
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    name: "worker",
    base,
    adminToken: ADMIN_TOKEN,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** A JSON call over HTTP; the body is parsed when it is JSON. */
/**
 * `wrangler dev` sometimes restarts its worker under a running test suite and answers 503 "Your
 * worker restarted mid-request… try sending the request again"; the request never reached the
 * app, so it is sent again (twice at most). Any other answer is returned as it is.
 */
async function devFetch(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init);
    if (res.status !== 503 || attempt >= 2) return res;
    const text = await res.clone().text();
    if (!/restarted mid-request/.test(text)) return res;
  }
}

export async function http(rt: Runtime, method: string, path: string, opts: CallOptions = {}) {
  return callResult(await devFetch(rt.base + path, jsonInit(method, opts)));
}
