/**
 * The offline persona engine's parts, directly: which messages ask for a song (a song costs a
 * credit), example dialogues read from mes_example, lorebook triggers (selective keys, the budget,
 * regex keys that could hang the server), summaries across a language switch.
 */
import { describe, expect, it } from "vitest";
import { repoPrompts } from "../lib/promptFiles.ts";
import { parseCard, type CharacterBook } from "../tools/personas/card.ts";
import { builtinPersonas } from "../tools/personas/library.ts";
import { closestExample, examplesOf, triggeredLore } from "../tools/personas/lore.ts";
import { summaryParts } from "../tools/personas/summary.ts";
import { analyze } from "../tools/personas/understand.ts";

const lang = (t: string) => (/\p{Script=Han}/u.test(t) ? "zh" : "en");

describe("the offline persona engine", () => {
  it("takes only requests as 'sing for me': telling what you do, or other things to make, is not one", () => {
    const asks = ["给我唱首歌", "唱一首关于夏天的歌", "来首歌吧", "能给我写首歌吗", "Sing me a song", "sing for me", "can you sing something?", "please sing", "Write me a song about the sea", "make a song for my mom", "could you hum a tune for me"];
    const not = ["make me a coffee lol", "I need to write something for school", "Can you make me a playlist?", "I'm trying to make something for dinner", "我在写一首歌", "来一首歌的时间都没有", "I love to sing", "I'm writing a song", "I sing in the shower", "let's sing along", "我喜欢唱歌"];
    for (const t of asks) expect(analyze(repoPrompts, t, lang(t)).intent, t).toBe("sing");
    for (const t of not) expect(analyze(repoPrompts, t, lang(t)).intent, t).not.toBe("sing");
    expect(analyze(repoPrompts, "给我唱首关于夏天的歌吧", "zh").theme).toBe("夏天");
    expect(analyze(repoPrompts, "Sing me a song about the sea", "en").theme).toBe("sea");
  });

  it("reads names and tastes in either language, and not from look-alikes", () => {
    expect(analyze(repoPrompts, "我叫小林，晚安", "zh")).toMatchObject({ intent: "name", name: "小林" });
    expect(analyze(repoPrompts, "hey, call me lin", "en")).toMatchObject({ intent: "name", name: "Lin" });
    expect(analyze(repoPrompts, "I really love jazz and blues", "en").taste).toEqual({ text: "jazz", genre: "jazz" });
    expect(analyze(repoPrompts, "我最喜欢民谣", "zh").taste).toEqual({ text: "民谣", genre: "folk" });
    expect(analyze(repoPrompts, "我喜欢和你聊天", "zh").taste).toBeUndefined();
    expect(analyze(repoPrompts, "我叫什么？", "zh").intent).toBe("recall");
  });

  it("reads every built-in card's example dialogues as (user, reply) pairs in both languages", () => {
    for (const p of builtinPersonas(repoPrompts).values()) {
      const ex = examplesOf(p.card);
      expect(ex.filter((e) => e.lang === "zh").length, p.id).toBeGreaterThanOrEqual(3);
      expect(ex.filter((e) => e.lang === "en").length, p.id).toBeGreaterThanOrEqual(3);
      for (const e of ex) expect(e.char).not.toMatch(/\{\{user\}\}:/);
    }
    const card = parseCard({ name: "T", description: "", personality: "", scenario: "", first_mes: "", mes_example: "<START>\n{{user}}: do you like rain?\n{{char}}: I love rain.\nIt sounds like drums.\n{{user}}: why?\n{{char}}: Because." });
    expect(examplesOf(card).map((e) => [e.user, e.char])).toEqual([
      ["do you like rain?", "I love rain.\nIt sounds like drums."],
      ["why?", "Because."],
    ]);
    expect(closestExample(card, "Do you like the rain", "en")?.char).toBe("I love rain.\nIt sounds like drums.");
  });

  it("fires lorebook entries by key, secondary keys and budget; risky regex keys never run", () => {
    const book: CharacterBook = {
      extensions: {},
      token_budget: 40,
      entries: [
        { keys: ["summer"], content: "Summer entry.", extensions: {}, enabled: true, insertion_order: 2 },
        { keys: ["band"], secondary_keys: ["favourite"], selective: true, content: "Band entry.", extensions: {}, enabled: true, insertion_order: 1 },
        { keys: ["x"], content: "Always.", constant: true, extensions: {}, enabled: true, insertion_order: 0 },
        { keys: ["off"], content: "Disabled.", extensions: {}, enabled: false, insertion_order: 0 },
        { keys: ["/(a+)+$/"], use_regex: true, content: "ReDoS.", extensions: {}, enabled: true, insertion_order: 0 },
        { keys: ["/\\bsea(side)?\\b/i"], use_regex: true, content: "Sea entry.", extensions: {}, enabled: true, insertion_order: 3 },
        { keys: ["long"], content: "word ".repeat(200), extensions: {}, enabled: true, insertion_order: 4 },
      ],
    };
    const fired = (msg: string) => triggeredLore(book, [msg]).map((e) => e.content);
    expect(fired("summer band")).toEqual(["Always.", "Summer entry."]);
    expect(fired("my favourite band, off")).toEqual(["Always.", "Band entry."]);
    expect(fired("by the Seaside")).toEqual(["Always.", "Sea entry."]);
    expect(fired("a long day")).toEqual(["Always."]); // over the token budget
    const t = performance.now();
    expect(fired(`${"a".repeat(5000)}!`)).toEqual(["Always."]);
    expect(performance.now() - t).toBeLessThan(1000); // (a+)+$ on this text would run for ages
  });

  it("keeps one summary when the chat switches language", () => {
    expect(summaryParts(repoPrompts, "之前聊过：对方叫小林；喜欢民谣")).toEqual(["对方叫小林", "喜欢民谣"]);
    expect(summaryParts(repoPrompts, "Earlier: their name is Lin; 对方叫小林；they like jazz")).toEqual(["their name is Lin", "对方叫小林", "they like jazz"]);
    expect(summaryParts(repoPrompts, "")).toEqual([]);
  });
});
