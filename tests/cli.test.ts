import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../cli/main.ts";
import { openDb } from "../db/node.ts";
import { createApp } from "../server/app.ts";
import { repoPrompts } from "../lib/promptFiles.ts";

const CDNOW_SAMPLE = join(import.meta.dirname, "fixtures/cdnow/CDNOW_sample.txt");

describe("CLI", () => {
  let dir: string;
  let out: string[];
  const say = (s: string) => void out.push(s);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flywheel-cli-"));
    process.env.DATABASE_PATH = join(dir, "fw.db");
    out = [];
  });
  afterEach(() => {
    delete process.env.DATABASE_PATH;
  });

  it("`npx flywheel keys create` creates the workspace and prints the key last; a running app accepts it at once", async () => {
    const db = openDb(process.env.DATABASE_PATH);
    const app = createApp({ db, prompts: repoPrompts });
    const stdout = execFileSync("npx", ["flywheel", "keys", "create", "--workspace", "shop", "--scopes", "ingest,operator"], {
      env: { ...process.env },
      encoding: "utf8",
    });
    const key = stdout.trim().split("\n").at(-1)!;
    expect(key).toMatch(/^fw_[A-Za-z0-9]{40}$/);
    const res = await app.request("/v1/catalog", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    db.$client.close();
  });

  it("rejects unknown scopes and commands with exit code 2", async () => {
    expect(await run(["keys", "create", "--workspace", "w", "--scopes", "root"], say)).toBe(2);
    expect(await run(["frobnicate"], say)).toBe(2);
    expect(await run(["import", "--workspace", "w", "--format", "xml", "f"], say)).toBe(2);
    expect(await run(["keys", "list", "--workspace", "none"], say)).toBe(2);
  });

  it("imports the CDNOW sample as purchase events; importing again stores nothing twice", async () => {
    expect(await run(["import", "--workspace", "cd", "--format", "cdnow", CDNOW_SAMPLE], say)).toBe(0);
    expect(out).toEqual(expect.arrayContaining(["rows read: 6919", "stored: 6919", "duplicates: 0", "rejected: 0"]));
    const db = openDb(process.env.DATABASE_PATH);
    const q = (s: string) => db.$client.prepare(s).get() as any;
    expect(q("SELECT count(DISTINCT user_id) AS n, round(sum(amount), 2) AS m FROM events WHERE name = 'purchase'")).toEqual({ n: 2357, m: 244091.94 }); // awk's sum of column 5
    expect(q("SELECT min(day) AS d FROM events").d).toBe(Date.UTC(1997, 0, 1) / 86_400_000);
    db.$client.close();
    out = [];
    expect(await run(["import", "--workspace", "cd", "--format", "cdnow", CDNOW_SAMPLE], say)).toBe(0);
    expect(out).toEqual(expect.arrayContaining(["stored: 0", "duplicates: 6919"]));
  });

  it("imports NDJSON and CSV events with a summary of rejections and their reasons", async () => {
    const nd = join(dir, "e.ndjson");
    writeFileSync(
      nd,
      [
        JSON.stringify({ id: "1", userId: "a", name: "play_song", timestamp: "2026-11-01T00:00:00Z", properties: { genre: "rock" } }),
        "{oops",
        JSON.stringify({ id: "2", name: "x" }),
        JSON.stringify({ id: "1", userId: "a", name: "again" }),
      ].join("\n"),
    );
    expect(await run(["import", "--workspace", "w", "--format", "ndjson", nd], say)).toBe(0);
    expect(out).toEqual(expect.arrayContaining(["rows read: 4", "stored: 1", "duplicates: 1", "rejected: 2"]));
    expect(out.find((l) => l.includes("malformed_json"))).toMatch(/line 2/);
    expect(out.find((l) => l.includes("missing_identity"))).toMatch(/line 3/);

    const csv = join(dir, "e.csv");
    writeFileSync(csv, 'id,userId,name,timestamp,genre,properties\nc1,a,play_song,2026-11-01T00:00:00Z,rock,"{""n"":1}"\nc2,b,like,bad,pop,\nc3,b\n');
    out = [];
    expect(await run(["import", "--workspace", "w", "--format", "csv", csv], say)).toBe(0);
    expect(out).toEqual(expect.arrayContaining(["rows read: 3", "stored: 1", "rejected: 2"]));
    const db = openDb(process.env.DATABASE_PATH);
    expect(db.$client.prepare("SELECT properties FROM events WHERE message_id = 'c1'").get()).toEqual({ properties: '{"genre":"rock","n":1}' });
    db.$client.close();
  });
});

describe("CLI profiles rebuild", () => {
  it("recomputes a workspace's profile layers and reports them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flywheel-cli-"));
    process.env.DATABASE_PATH = join(dir, "fw.db");
    const out: string[] = [];
    try {
      expect(await run(["import", "--workspace", "cd", "--format", "cdnow", CDNOW_SAMPLE], () => {})).toBe(0);
      expect(await run(["profiles", "rebuild", "--workspace", "cd"], (s) => void out.push(s))).toBe(0);
    } finally {
      delete process.env.DATABASE_PATH;
    }
    expect(out[0]).toMatch(/^profiles: 2357 as of/);
    expect(out.find((l) => l.startsWith("lifecycle:"))).toMatch(/churned 2357/); // CDNOW ends in 1998
    expect(out.find((l) => l.startsWith("clv:"))).toBe("clv: 2357 customers");
  });
});
