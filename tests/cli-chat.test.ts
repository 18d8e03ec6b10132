import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../cli/main.ts";

describe("CLI chat", () => {
  let dir: string;
  let out: string[];
  const say = (s: string) => void out.push(s);
  const saved = { LLM_BASE_URL: process.env.LLM_BASE_URL, LLM_MODEL: process.env.LLM_MODEL };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "flywheel-chat-"));
    process.env.DATABASE_PATH = join(dir, "fw.db");
    delete process.env.LLM_BASE_URL;
    delete process.env.LLM_MODEL;
    out = [];
    // Three listeners in the last 30 days (the CLI's clock is the real one), one only long ago.
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    const events = [
      { id: "e1", userId: "alice", name: "play_song", timestamp: at(1), properties: { genre: "rock" } },
      { id: "e2", userId: "alice", name: "play_song", timestamp: at(3), properties: { genre: "rock" } },
      { id: "e3", userId: "bob", name: "play_song", timestamp: at(10), properties: { genre: "pop" } },
      { id: "e4", userId: "carol", name: "play_song", timestamp: at(20), properties: { genre: "jazz" } },
      { id: "e5", userId: "dave", name: "play_song", timestamp: at(60), properties: { genre: "rock" } },
      { id: "e6", userId: "dave", name: "app_open", timestamp: at(2) },
    ];
    const nd = join(dir, "e.ndjson");
    writeFileSync(nd, events.map((e) => JSON.stringify(e)).join("\n"));
    expect(await run(["import", "--workspace", "music", "--format", "ndjson", nd], () => {})).toBe(0);
  });
  afterEach(() => {
    delete process.env.DATABASE_PATH;
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });

  it("`flywheel chat --message` names the model and shows the segment card's count", async () => {
    expect(await run(["chat", "--workspace", "music", "--message", "近30天听过歌的用户"], say)).toBe(0);
    expect(out[0]).toBe("模型 / model: offline flywheel-offline-1");
    expect(out).toContain("  → segments_preview");
    expect(out).toContain("[分群 / segment] 人数 / count: 3");
    const sample = out.find((l) => l.includes("样本 / sample:"))!;
    expect(sample.split(": ")[1]!.split(", ").sort()).toEqual(["alice", "bob", "carol"]);
  });

  it("needs an existing workspace", async () => {
    expect(await run(["chat", "--workspace", "nope", "--message", "hi"], say)).toBe(2);
  });
});
