import { serve } from "@hono/node-server";
import { openDb } from "../db/node.ts";
import { createLogger } from "../lib/log.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { createApp } from "./app.ts";
import { scheduleDailyRecompute } from "./schedule.ts";
import { loadConfig } from "./config.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { nodeDocsAssets } from "./docsAssets.ts";
import { nodeWebAssets } from "../web/assetsNode.ts";
import { llmFromEnv } from "../agent/model.ts";
import { dirname, join } from "node:path";
import { folderBlobs } from "./blobsNode.ts";

const STARTUP_KEY_NAME = "npm start";

/**
 * `npm start`: listen first, then load the demo data in the background (progress in the log),
 * so the server answers within seconds. Each start prints a fresh all-scope key for the demo
 * workspace and revokes the one the previous start printed.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  const db = openDb(config.DATABASE_PATH);
  const status: Record<string, unknown> = { demo: config.FLYWHEEL_DEMO === "on" ? "pending" : "off" };
  const llm = llmFromEnv(config);
  const app = createApp({ db, log, prompts: repoPrompts, status: () => ({ ...status }), docsAssets: nodeDocsAssets, webAssets: nodeWebAssets, adminToken: config.ADMIN_TOKEN, llm, devPages: config.FLYWHEEL_DEV_PAGES === "on", blobs: folderBlobs(config.FILES_DIR ?? join(dirname(config.DATABASE_PATH), "files")) });
  const now = new Date();
  const ws = ensureWorkspace(db, config.FLYWHEEL_DEMO_WORKSPACE, now);
  db.$client
    .prepare("UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND name = ? AND revoked_at IS NULL")
    .run(now.getTime(), ws.id, STARTUP_KEY_NAME);
  const key = createKey(
    { db, workspaceId: ws.id, now: () => now, log, prompts: repoPrompts },
    { name: STARTUP_KEY_NAME, scopes: ["ingest", "operator", "generate", "admin"] },
  );
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    log.info("listening", { url: `http://${config.HOST}:${info.port}`, database: config.DATABASE_PATH, model: llm?.model ?? "offline (built-in)" });
    process.stdout.write(
      [
        "",
        `Flywheel 已启动 / Flywheel is running: http://${config.HOST}:${info.port}`,
        `  API 文档 / docs:  http://${config.HOST}:${info.port}/docs`,
        `  工作区 / workspace: ${ws.name}`,
        `  密钥 (all scopes, shown once) / key:`,
        key.key,
        "",
      ].join("\n") + "\n",
    );
    const demo =
      config.FLYWHEEL_DEMO === "on"
        ? loadDemo(db, ws.id, { users: config.FLYWHEEL_DEMO_USERS, log, onStatus: (s) => (status.demo = s) }).catch((err) =>
            log.error("demo data failed", { err: String(err?.stack ?? err) }),
          )
        : Promise.resolve();
    // The daily recompute: once the demo data is in, then whenever a workspace's day has turned.
    void demo.then(() => {
      const daily = scheduleDailyRecompute(db, log, repoPrompts);
      server.on("close", () => clearInterval(daily));
    });
  });
  const stop = () => {
    server.close();
    db.$client.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
