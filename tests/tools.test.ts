import { describe, expect, it } from "vitest";
import { TOOLS } from "../tools/registry.ts";
import { ev, setup } from "./helpers.ts";

const EXAMPLES: Record<string, unknown> = {
  segments_preview: { definition: { performed: "play_song", within: { days: 7 } } },
  segments_save: { name: "recent players", definition: { performed: "play_song", within: { days: 7 } } },
  segments_list: {},
  analytics: { kind: "funnel", steps: [{ event: "play_song" }, { event: "purchase" }] },
};

describe("tool definitions", () => {
  it("have unique names, bilingual descriptions, and run on their own input schema to outputs their output schema accepts", async () => {
    const t = setup();
    const key = t.key("acme");
    const events = Array.from({ length: 12 }, (_, i) => ev(`e${i}`, { userId: `u${i % 3}`, name: i % 4 ? "play_song" : "purchase", properties: { amount: 5 } }));
    await t.call("POST", "/v1/events", { key, body: { events } });
    const ctx = t.ctx("acme");
    expect(new Set(TOOLS.map((x) => x.name)).size).toBe(TOOLS.length);
    for (const tool of TOOLS) {
      expect(tool.description, tool.name).toMatch(/[\u4e00-\u9fff].* \/ [A-Z]/);
      if (!(tool.name in EXAMPLES)) continue; // needs more data than this (CLV)
      const input = tool.input.parse(EXAMPLES[tool.name]);
      const out = tool.run(ctx, input);
      expect(tool.output.safeParse(out).success, tool.name).toBe(true);
    }
    const preview = TOOLS.find((x) => x.name === "segments_preview")!;
    expect((preview.run(ctx, preview.input.parse(EXAMPLES.segments_preview)) as { count: number }).count).toBe(3);
    expect(TOOLS.filter((x) => x.sideEffect !== "none").map((x) => x.name)).toEqual(["segments_save", "campaign_draft", "grant_credits"]);
  });
});
