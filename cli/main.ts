import { createReadStream, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDb } from "../db/node.ts";
import type { Db } from "../db/sql.ts";
import { SCOPES, type Scope } from "../db/schema/index.ts";
import { ApiError } from "../lib/errors.ts";
import { silentLogger } from "../lib/log.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { loadConfig } from "../server/config.ts";
import type { Ctx } from "../tools/context.ts";
import { EVENT_IMPORT_FORMATS, importEvents, importEventsFile, type EventImportFormat, type ImportSummary } from "./importEvents.ts";
import { HTTP_BATCH, sendDemo } from "./demoHttp.ts";
import { HttpTargetError, httpTarget } from "./httpTarget.ts";
import { createKey, listKeys, revokeKey } from "../tools/keys/index.ts";
import { recomputeProfiles } from "../tools/profiles/recompute.ts";
import { ensureWorkspace, findWorkspaceByName } from "../tools/workspaces/index.ts";
import { chat } from "./chat.ts";
import { llmFromEnv } from "../agent/model.ts";
import { progressBar } from "./progress.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

const USAGE = `flywheel — 命令行 / command line (reads DATABASE_PATH, like the server)

  flywheel keys create --workspace NAME --scopes ingest,operator,generate,admin [--name N] [--rate-limit N]
  flywheel keys list --workspace NAME
  flywheel keys revoke --workspace NAME KEY_ID
  flywheel demo [--workspace demo] [--users 10000] [--days 180] [--seed 42]
  flywheel demo --url URL [--key KEY] [--users 10000] [--days 180] [--seed 42]     (to a running server over HTTP)
  flywheel import --workspace NAME --format ndjson|csv|cdnow FILE
  flywheel import --url URL [--key KEY] --format ndjson|csv|cdnow FILE              (to a running server over HTTP)
  flywheel profiles rebuild --workspace NAME     (RFM, lifecycle and CLV layers of every profile, as of today)
  flywheel chat --workspace NAME [--message "..."]  (the operator agent in the terminal; LLM_BASE_URL/LLM_API_KEY/LLM_MODEL pick the model, else offline)

  --url sends to the server's public API (POST /v1/events in batches of ${HTTP_BATCH}, traits by identify) with
  the key's workspace; --key defaults to FLYWHEEL_KEY.
`;

class UsageError extends Error {}

/** Lines in a file (newline bytes), for the progress bar's total. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) for (const b of chunk) if (b === 10) n++;
  return Math.max(n, 1);
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === "") throw new UsageError(`缺少 / missing ${what}`);
  return v;
}

function ctxFor(db: Db, workspace: string, create: boolean): Ctx {
  const now = new Date();
  const ws = create ? ensureWorkspace(db, workspace, now) : findWorkspaceByName(db, workspace);
  if (!ws) throw new UsageError(`工作区不存在 / no workspace '${workspace}'`);
  return { db, workspaceId: ws.id, now: () => new Date(), log: silentLogger, prompts: repoPrompts };
}

const int = (s: string | undefined, what: string, dflt: number) => {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number`);
  return n;
};

/** `--now` (hidden): the demo's end time, so tests get the same data on both paths. */
function when(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now must be a date`);
  return d;
}

function printSummary(out: (s: string) => void, s: ImportSummary, seconds: number) {
  out(`rows read: ${s.rowsRead}`);
  out(`stored: ${s.stored}`);
  out(`duplicates: ${s.duplicates}`);
  out(`rejected: ${s.rejected}`);
  for (const [code, r] of Object.entries(s.reasons))
    out(`  ${code}: ${r.count}  e.g. ${r.examples.map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
  out(`seconds: ${seconds.toFixed(1)}`);
}

async function fileToImport(file: string | undefined, format: string | undefined) {
  const path = need(file, "FILE");
  const f = need(format, "--format") as EventImportFormat;
  if (!EVENT_IMPORT_FORMATS.includes(f)) throw new UsageError(`--format must be one of ${EVENT_IMPORT_FORMATS.join(", ")}`);
  if (statSync(path, { throwIfNoEntry: false })?.size === undefined) throw new UsageError(`文件不存在 / no such file: ${path}`);
  return { path, format: f, lines: await countLines(path) };
}

const isHttpUrl = (s: string) => {
  try {
    return /^https?:$/.test(new URL(s).protocol);
  } catch {
    return false;
  }
};

/** `demo` and `import` with `--url`: the same data, sent to a running server over HTTP. */
async function runRemote(cmd: string, file: string | undefined, o: Record<string, string | boolean | undefined>, out: (s: string) => void) {
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  if (cmd !== "demo" && cmd !== "import") throw new UsageError(`--url 只用于 demo 和 import / --url works with demo and import only`);
  const url = need(str("url"), "--url");
  if (!isHttpUrl(url)) throw new UsageError(`--url 需要 http(s) 地址 / --url must be an http(s) URL: ${url}`);
  const key = str("key") ?? process.env.FLYWHEEL_KEY;
  if (!key) throw new UsageError("缺少密钥：请用 --key 或环境变量 FLYWHEEL_KEY / missing key: pass --key or set FLYWHEEL_KEY");
  const target = httpTarget({ url, key });
  const warn = (s: string) => void process.stderr.write(s + "\n");
  if (cmd === "demo") {
    const users = int(str("users"), "--users", 10_000);
    const now = when(str("now"));
    const opts = { users, days: int(str("days"), "--days", 180), seed: int(str("seed"), "--seed", 42), ...(now ? { now } : {}) };
    const timeZone = await target.timezone(warn);
    const bar = progressBar("demo", users);
    const r = await sendDemo(target, timeZone, opts, (done, events) =>
      bar.update(done, `${done.toLocaleString()} users, ${events.toLocaleString()} events sent`),
    ).finally(() => bar.done());
    out(`demo → ${url}: ${r.users.toLocaleString()} users, ${r.events.toLocaleString()} events (${r.stored.toLocaleString()} new, ${r.duplicates.toLocaleString()} duplicates, ${r.rejected.toLocaleString()} rejected) in ${r.seconds.toFixed(1)} s = ${Math.round(r.events / Math.max(r.seconds, 1e-3)).toLocaleString()} events/s`);
    return;
  }
  const job = await fileToImport(file, str("format"));
  const timeZone = await target.timezone(warn);
  const bar = progressBar("import", job.lines);
  const s = await importEvents(job.path, job.format, { timeZone, send: target.events, batchSize: HTTP_BATCH }, (rows, sum) =>
    bar.update(rows, `${rows.toLocaleString()} rows, ${sum.stored.toLocaleString()} stored`),
  ).catch((err) => {
    bar.done();
    throw err;
  });
  bar.update(Infinity, `${s.rowsRead.toLocaleString()} rows`);
  printSummary(out, s, bar.done());
}

export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n")): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: "string" },
      scopes: { type: "string" },
      name: { type: "string" },
      "rate-limit": { type: "string" },
      url: { type: "string" },
      key: { type: "string" },
      now: { type: "string" },
      users: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      format: { type: "string" },
      message: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [cmd, sub, arg] = positionals;
  if (!cmd || o.help) {
    out(USAGE);
    return cmd ? 0 : 2;
  }
  const config = loadConfig();
  let close = () => {};
  try {
    if (o.url !== undefined) {
      await runRemote(cmd, sub, o, out);
      return 0;
    }
    const db = openDb(config.DATABASE_PATH);
    close = () => db.$client.close();
    if (cmd === "keys" && sub === "create") {
      const scopes = need(o.scopes, "--scopes").split(",").map((s) => s.trim());
      const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (bad.length) throw new UsageError(`未知权限 / unknown scope(s): ${bad.join(", ")} (one of ${SCOPES.join(", ")})`);
      const rateLimit = o["rate-limit"] === undefined ? undefined : int(o["rate-limit"], "--rate-limit", 1000);
      const key = createKey(ctxFor(db, need(o.workspace, "--workspace"), true), {
        name: o.name ?? "cli",
        scopes: scopes as Scope[],
        ...(rateLimit ? { rateLimit } : {}),
      });
      out(`workspace: ${o.workspace}  id: ${key.id}  scopes: ${key.scopes.join(",")}  (shown once / 仅显示一次)`);
      out(key.key);
    } else if (cmd === "keys" && sub === "list") {
      for (const k of listKeys(ctxFor(db, need(o.workspace, "--workspace"), false)))
        out(`${k.id}  ${k.prefix}…  ${k.name}  ${k.scopes.join(",")}  ${k.rateLimit}/s  ${k.revokedAt ? "revoked " + k.revokedAt : "active"}`);
    } else if (cmd === "keys" && sub === "revoke") {
      const k = revokeKey(ctxFor(db, need(o.workspace, "--workspace"), false), need(arg, "KEY_ID"));
      out(`revoked ${k.id} at ${k.revokedAt}`);
    } else if (cmd === "demo") {
      const ctx = ctxFor(db, o.workspace ?? config.FLYWHEEL_DEMO_WORKSPACE, true);
      const users = int(o.users, "--users", 10_000);
      const bar = progressBar("demo", users);
      const now = when(o.now);
      const r = await loadDemo(db, ctx.workspaceId, {
        users,
        ...(now ? { now } : {}),
        days: int(o.days, "--days", 180),
        seed: int(o.seed, "--seed", 42),
        usersPerChunk: 500,
        onProgress: (done, _total, events) => bar.update(done, `${done.toLocaleString()} users, ${events.toLocaleString()} events`),
      });
      bar.done();
      out(`demo: ${r.users.toLocaleString()} users, ${r.events.toLocaleString()} events (${r.stored.toLocaleString()} new) in ${r.seconds.toFixed(1)} s = ${Math.round(r.events / r.seconds).toLocaleString()} events/s`);
    } else if (cmd === "import") {
      const { path, format, lines } = await fileToImport(sub, o.format);
      const ctx = ctxFor(db, need(o.workspace, "--workspace"), true);
      const bar = progressBar("import", lines);
      const s = await importEventsFile(ctx, path, format, (rows, sum) =>
        bar.update(rows, `${rows.toLocaleString()} rows, ${sum.stored.toLocaleString()} stored`),
      );
      bar.update(Infinity, `${s.rowsRead.toLocaleString()} rows`);
      printSummary(out, s, bar.done());
    } else if (cmd === "profiles" && sub === "rebuild") {
      const ctx = ctxFor(db, need(o.workspace, "--workspace"), false);
      const bar = progressBar("profiles", 1);
      const r = recomputeProfiles(ctx, (done, total) => bar.update(done / total, `${done.toLocaleString()} / ${total.toLocaleString()} profiles`));
      bar.done();
      out(`profiles: ${r.users} as of ${r.asOf} in ${(r.elapsedMs / 1000).toFixed(1)} s`);
      out(`rfm (${r.rfm.method}): ${r.rfm.distribution.map((d) => `${d.label} ${d.users}`).join(", ")}`);
      out(`lifecycle: ${Object.entries(r.lifecycle).map(([k, v]) => `${k} ${v}`).join(", ")}`);
      out(`clv: ${r.clv.customers} customers${"skipped" in r.clv && r.clv.skipped ? ` (${r.clv.skipped})` : ""}`);
    } else if (cmd === "chat") {
      const ctx = ctxFor(db, need(o.workspace, "--workspace"), false);
      const llm = llmFromEnv(config);
      return await chat({ ctx, out, ...(llm ? { llm } : {}), ...(o.message !== undefined ? { message: o.message } : {}) });
    } else throw new UsageError(`未知命令 / unknown command: ${positionals.join(" ")}\n\n${USAGE}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ApiError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof HttpTargetError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    close();
  }
}

