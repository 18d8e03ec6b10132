/**
 * A name given with the save ("…并保存为摇滚活跃", "save it as Rock fans") is the segment's name and
 * never read as more conditions (摇滚 again, 活跃 as "last active"), found by the browser test of /chat.
 */
import { describe, expect, it } from "vitest";
import { setup } from "./helpers.ts";

async function pendingSave(message: string) {
  const t = setup(new Date());
  const key = t.key("acme", ["ingest", "operator", "admin"]);
  const events = Array.from({ length: 6 }, (_, i) => ({ id: `e${i}`, userId: `u${i}`, name: "play_song", timestamp: new Date(Date.now() - 86_400_000).toISOString(), properties: { genre: "rock" } }));
  await t.call("POST", "/v1/events", { key, body: { events } });
  const r = await t.call("POST", "/v1/agent/chat", { key, body: { message }, headers: { accept: "application/json" } });
  const approval = (r.body.pendingApproval ?? r.body.approval ?? r.body.approvals?.[0]) as { tool: string; input: { name: string; definition: unknown } } | undefined;
  return { body: r.body, approval };
}

const ROCK_7_DAYS = { performed: "play_song", within: { days: 7 }, where: [{ property: "genre", op: "eq", value: "rock" }] };

describe("naming a segment in the same message", () => {
  it("takes what follows 保存为 as the name, in Chinese and English", async () => {
    for (const [message, name] of [
      ["帮我圈出最近7天播放过摇滚的用户并保存为摇滚活跃", "摇滚活跃"],
      ["find users who played rock in the last 7 days and save it as Rock fans", "Rock fans"],
    ] as const) {
      const { body, approval } = await pendingSave(message);
      expect(approval, JSON.stringify(body).slice(0, 500)).toBeDefined();
      expect(approval!.tool).toBe("segments_save");
      expect(approval!.input.name).toBe(name);
      expect(approval!.input.definition).toEqual(ROCK_7_DAYS);
    }
  });
});
