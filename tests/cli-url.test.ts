import { serve, type ServerType } from "@hono/node-server";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { httpTarget } from "../cli/httpTarget.ts";
import { run } from "../cli/main.ts";
import { openDb } from "../db/node.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { silentLogger } from "../lib/log.ts";
import { loadDemo } from "../scripts/demo/load.ts";
import { createApp } from "../server/app.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";

const NOW = new Date("2026-11-24T12:00:00Z");
const CDNOW_SAMPLE = join(import.meta.dirname, "fixtures/cdnow/CDNOW_sample.txt");
const DEMO = ["--users", "50", "--days", "90", "--seed", "7", "--now", NOW.toISOString()];

describe("CLI --url: demo and import to a running server over HTTP", () => {
  const db = openDb();
  const started = Date.now();
  const clock = () => new Date(NOW.getTime() + (Date.now() - started));
  const keyFor = (workspace: string, scopes: ("ingest" | "operator" | "admin")[] = ["ingest", "operator", "admin"]) =>
    createKey({ db, workspaceId: ensureWorkspace(db, workspace, NOW).id, now: clock, log: silentLogger, prompts: repoPrompts }, { scopes }).key;
  let server: ServerType;
  let url: string;
  let out: string[];
  const say = (s: string) => void out.push(s);
  const q = (sql: string, ...p: unknown[]) => db.$client.prepare(sql).all(...p) as any[];
  const wsId = (name: string) => ensureWorkspace(db, name, NOW).id;

  beforeAll(async () => {
    const app = createApp({ db, now: clock, prompts: repoPrompts });
    await new Promise<void>((ready) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => ready());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.DATABASE_PATH = join(mkdtempSync(join(tmpdir(), "flywheel-cli-url-")), "fw.db");
  });
  afterAll(() => {
    server.close();
    delete process.env.DATABASE_PATH;
  });
  afterEach(() => {
    delete process.env.FLYWHEEL_KEY;
    vi.restoreAllMocks();
  });

  it("demo --url sends what the database loader writes (same ids, traits, days); a second run stores nothing", async () => {
    const key = keyFor("remote");
    out = [];
    expect(await run(["demo", "--url", url, "--key", key, ...DEMO], say)).toBe(0);

    // The database path for the same users, seed, days and now, in a database of its own.
    const local = openDb();
    const ws = ensureWorkspace(local, "local", NOW);
    const direct = await loadDemo(local, ws.id, { users: 50, days: 90, seed: 7, now: NOW });
    const lq = (sql: string, ...p: unknown[]) => local.$client.prepare(sql).all(...p) as any[];

    const events = "SELECT message_id, user_id, name, properties, amount, occurred_at, day FROM events WHERE workspace_id = ? ORDER BY message_id";
    const remote = q(events, wsId("remote"));
    expect(remote.length).toBe(direct.events);
    expect(remote).toEqual(lq(events, ws.id));
    expect(out.at(-1)).toContain(`${direct.events.toLocaleString()} events (${direct.events.toLocaleString()} new, 0 duplicates, 0 rejected)`);

    const traits = "SELECT user_id, traits FROM profiles WHERE workspace_id = ? ORDER BY user_id";
    const profiles = q(traits, wsId("remote"));
    expect(profiles).toHaveLength(50);
    expect(profiles.map((p) => JSON.parse(p.traits))).toEqual(lq(traits, ws.id).map((p) => JSON.parse(p.traits)));
    expect(JSON.parse(profiles[0].traits)).toHaveProperty("city_tier");
    local.$client.close();

    // Again, with the key from FLYWHEEL_KEY: every id is already there.
    process.env.FLYWHEEL_KEY = key;
    out = [];
    expect(await run(["demo", "--url", url, ...DEMO], say)).toBe(0);
    expect(out.at(-1)).toContain(`(0 new, ${direct.events.toLocaleString()} duplicates, 0 rejected)`);
    expect(q("SELECT count(*) AS n FROM events WHERE workspace_id = ?", wsId("remote"))[0].n).toBe(direct.events);
  });

  it("a wrong key exits non-zero with a message in Chinese, then English", async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    out = [];
    expect(await run(["demo", "--url", url, "--key", "fw_wrong", ...DEMO], say)).toBe(1);
    const msg = err.join("");
    expect(msg).toMatch(/服务器拒绝了请求.*HTTP 401.*请检查 --key.* \/ the server refused .*HTTP 401 unauthorized\. check --key/);
    expect(msg.indexOf("服务器拒绝")).toBeLessThan(msg.indexOf("the server refused"));
    expect(await run(["import", "--url", url, "--format", "cdnow", CDNOW_SAMPLE], say)).toBe(2); // no key at all
    expect(err.join("")).toContain("缺少密钥");
  });

  it("import --url stores what the database path stores, and counts rejections the same way", async () => {
    const key = keyFor("cd-remote", ["ingest"]); // no admin: the timezone falls back to the default, with a note
    const err: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    out = [];
    expect(await run(["import", "--url", url, "--key", key, "--format", "cdnow", CDNOW_SAMPLE], say)).toBe(0);
    const remote = out.filter((l) => !l.startsWith("seconds"));
    expect(err.join("")).toContain("Asia/Shanghai");
    out = [];
    expect(await run(["import", "--workspace", "cd-local", "--format", "cdnow", CDNOW_SAMPLE], say)).toBe(0);
    expect(remote).toEqual(out.filter((l) => !l.startsWith("seconds")));
    expect(remote).toEqual(expect.arrayContaining(["rows read: 6919", "stored: 6919", "duplicates: 0", "rejected: 0"]));
    const local = openDb(process.env.DATABASE_PATH);
    const sums = "SELECT count(*) AS n, count(DISTINCT user_id) AS u, round(sum(amount), 2) AS m, min(day) AS d FROM events";
    expect(q(`${sums} WHERE workspace_id = ?`, wsId("cd-remote"))).toEqual(local.$client.prepare(sums).all());
    local.$client.close();

    // A batch the server rejects whole (400 with the counts) is counted, not fatal.
    const nd = join(mkdtempSync(join(tmpdir(), "flywheel-cli-url-")), "bad.ndjson");
    writeFileSync(nd, ['{"id":"x1","name":"no_user"}', "{oops", '{"id":"x2","name":"no_user"}'].join("\n"));
    out = [];
    expect(await run(["import", "--url", url, "--key", key, "--format", "ndjson", nd], say)).toBe(0);
    expect(out).toEqual(expect.arrayContaining(["rows read: 3", "stored: 0", "rejected: 3"]));
    expect(out.find((l) => l.includes("missing_identity"))).toMatch(/line 1.*line 3/);
  });

  it("retries a 429 after its Retry-After and a 5xx with backoff", async () => {
    const replies = [
      new Response("{}", { status: 429, headers: { "retry-after": "2" } }),
      new Response("oops", { status: 503 }),
      Response.json({ accepted: 1, duplicates: 0, rejected: 0, errors: [] }),
    ];
    const waits: number[] = [];
    const target = httpTarget({
      url: "http://flywheel.invalid/",
      key: "k",
      fetch: async () => replies.shift()!,
      sleep: async (ms) => void waits.push(ms),
    });
    expect((await target.events([{ id: "a", userId: "u", name: "x" }])).accepted).toBe(1);
    expect(waits).toEqual([2000, 1000]);
    expect(target.totals).toMatchObject({ accepted: 1, requests: 3, retries: 2 });
  });
});
