import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPrompts } from "../lib/promptFiles.ts";
import {
  composeLyrics, englishLoaded, loadPronunciations, parseLyrics, pickTheme, planFor, readLine, rhymePart, rhymesWith,
  validateLyrics, wordSyllables, writeLyricsWithLlm, zheOf, type LyricsRequest,
} from "../tools/songs/lyrics/index.ts";
import { MOODS, STYLES, type Lyrics } from "../tools/songs/types.ts";

const HAN = /\p{Script=Han}/gu;
const hanCount = (s: string) => s.match(HAN)?.length ?? 0;
const VOWELS = ["a", "e", "i", "o", "u", "ü"];

describe("a Chinese song never loads the English dictionary", () => {
  it("composing, reading and checking Chinese (with a Latin word in it) leaves CMU unloaded; English without it is refused", () => {
    const zh = composeLyrics(repoPrompts, { language: "zh", theme: "夏天", durationSec: 30, seed: 7 });
    expect(validateLyrics(zh, { durationSec: 30 }).ok).toBe(true);
    expect(parseLyrics("[Chorus]\nBaby 我想你了", "zh").errors).toEqual([]);
    expect(englishLoaded()).toBe(false);
    expect(() => composeLyrics(repoPrompts, { language: "en", theme: "summer", durationSec: 30, seed: 7 })).toThrow(/loadPronunciations/);
  });
});

describe("十三辙 and Chinese syllables", () => {
  const cases: Record<string, string> = {
    中东: "东星翁用龙", 江阳: "光香窗方", 一七: "雨去女绿吃四儿衣", 灰堆: "水回飞", 由求: "流有走",
    怀来: "来外", 人辰: "云心问军人", 言前: "远天全关", 梭波: "多歌我波", 乜斜: "月夜也学略街", 发花: "花家", 姑苏: "路五出", 遥条: "笑要桥",
  };
  it.each(Object.entries(cases))("%s: %s", (zhe, chars) => {
    // 雨 (yu), 也 (ye), 月 (yue): pinyin-pro's bare final drops the y-medial; ü keeps 一七 as tradition has it.
    for (const c of chars) expect([c, zheOf(c)]).toEqual([c, zhe]);
  });

  it("one syllable per character with tone and singing vowel; punctuation is not sung; particles do not carry the rhyme", () => {
    const { line } = readLine("月光下的雨，东！", "zh");
    expect(line.syllables.map((s) => [s.text, s.tone, s.vowel])).toEqual([
      ["月", 4, "e"], ["光", 1, "a"], ["下", 4, "a"], ["的", 0, "e"], ["雨", 3, "ü"], ["东", 1, "u"],
    ]);
    expect(line.rhyme).toBe("中东");
    expect(readLine("你就这样走了", "zh").line.rhyme).toBe("由求");
    expect(readLine("长大以后", "zh").line.syllables[0]!.tone).toBe(3); // zhǎng, read in context
  });
});

describe("English pronunciation", () => {
  beforeAll(() => loadPronunciations("en"));

  it("rhyme parts run from the last stressed vowel: light/night/bright, love/above rhyme; orange has none", () => {
    expect(new Set(["light", "night", "bright", "tonight", "daylight"].map(rhymePart))).toEqual(new Set(["AY T"]));
    expect(rhymePart("love")).toBe(rhymePart("above"));
    expect(rhymePart("love")).not.toBe(rhymePart("move"));
    expect(rhymesWith("orange")).toEqual([]);
    expect(rhymesWith("night")).toEqual(expect.arrayContaining(["light", "bright"]));
  });

  it("syllables from CMU phones with stress and word ends; words CMU lacks are counted by `syllable`", () => {
    const b = wordSyllables("beautiful");
    expect(b.known).toBe(true);
    expect(b.syllables.map((s) => [s.text, s.stress, s.vowel, s.wordEnd])).toEqual([["beau", 1, "u", false], ["ti", 0, "e", false], ["ful", 0, "e", true]]);
    const odd = wordSyllables("flywheelz");
    expect(odd.known).toBe(false);
    expect(odd.syllables.map((s) => s.text)).toEqual(["fly", "wheelz"]);
    const { line } = readLine("Oh, we're dancing in the light!", "en");
    expect(line.syllables.map((s) => s.text).join("·")).toBe("Oh·we're·dan·cing·in·the·light");
    expect(line.syllables.filter((s) => s.wordEnd)).toHaveLength(6);
    expect(line.rhyme).toBe("AY T");
  });
});

const ZH_THEMES = ["夏天", "城市", "爱情", "故乡", "夜晚", "青春", "雨", "海", "友情", "梦想", undefined, "猫咪"];
const ZH_PROMPTS = [undefined, "写一首关于毕业和同桌的歌", "深夜加班后坐地铁回家", "外婆家的炊烟"];
const EN_THEMES = ["summer", "city", "love", "hometown", "night", "youth", "rain", "sea", "friendship", "dreams", undefined, "my cat"];
const EN_PROMPTS = [undefined, "a song about old friends on a road trip", "waiting for the last train in the rain", "stars over the ocean"];

function songs(language: "zh" | "en"): LyricsRequest[] {
  const themes = language === "zh" ? ZH_THEMES : EN_THEMES;
  const prompts = language === "zh" ? ZH_PROMPTS : EN_PROMPTS;
  return Array.from({ length: 50 }, (_, i) => ({
    language,
    theme: themes[i % themes.length],
    prompt: prompts[i % prompts.length],
    mood: i % 7 === 6 ? undefined : MOODS[i % 6],
    style: STYLES[(i * 5) % 6],
    durationSec: 20 + ((i * 37) % 101),
    seed: 1000 + i * 7919,
  }));
}

describe("the offline composer", () => {
  beforeAll(() => loadPronunciations("en"));

  it.each(["zh", "en"] as const)("50 %s songs of 20–120 s pass the rhyme and structure checks, and read back the same from their text", (language) => {
    const classes = new Set<string>();
    for (const req of songs(language)) {
      const l = composeLyrics(repoPrompts, req);
      const where = JSON.stringify(req);
      expect(validateLyrics(l, { durationSec: req.durationSec }), where).toEqual({ ok: true, problems: [], rhymed: true });
      expect(l.title.length, where).toBeGreaterThan(0);
      expect(l.sections.map((s) => [s.kind, s.lines.length])).toEqual(planFor(req.durationSec).map((p) => [p.kind, p.lines]));
      for (const s of l.sections)
        for (const line of s.lines) {
          // The stored reading is exactly what reading the text again gives.
          expect(readLine(line.text, language).line, where).toEqual(line);
          if (language === "zh") {
            expect(hanCount(line.text), line.text).toBeGreaterThanOrEqual(5);
            expect(hanCount(line.text), line.text).toBeLessThanOrEqual(9);
            expect(line.syllables.every((x) => x.tone !== undefined && VOWELS.includes(x.vowel))).toBe(true);
          } else {
            expect(line.syllables.length, line.text).toBeGreaterThanOrEqual(6);
            expect(line.syllables.length, line.text).toBeLessThanOrEqual(10);
            expect(line.syllables.at(-1)!.wordEnd).toBe(true);
          }
          classes.add(line.rhyme);
        }
      const choruses = l.sections.filter((s) => s.kind === "chorus").map((s) => JSON.stringify(s.lines));
      expect(new Set(choruses).size).toBe(1);
    }
    expect(classes.size).toBeGreaterThanOrEqual(language === "zh" ? 8 : 15);
  });

  it("every lexicon word can be read: English words are in CMU, Chinese words are Han characters with a 辙", () => {
    const words = (o: unknown): string[] => (typeof o === "string" ? [o] : Array.isArray(o) ? o.flatMap(words) : o && typeof o === "object" ? Object.values(o).flatMap(words) : []);
    const en = JSON.parse(repoPrompts.text("songs/lexicon.en.json"));
    const unknown = [...new Set(words([en.themes, en.moods, en.common]).flatMap((w) => w.toLowerCase().split(" ")))].filter((w) => !wordSyllables(w).known);
    expect(unknown).toEqual([]);
    const zh = JSON.parse(repoPrompts.text("songs/lexicon.zh.json"));
    const unread = words([zh.themes, zh.moods, zh.common]).filter((w) => hanCount(w) !== w.length || !zheOf(w));
    expect(unread).toEqual([]);
  });

  it("the same request and seed give identical lyrics; another seed gives others", () => {
    for (const language of ["zh", "en"] as const) {
      const req: LyricsRequest = { language, theme: language === "zh" ? "故乡" : "hometown", mood: "nostalgic", durationSec: 60, seed: 42 };
      const a = JSON.stringify(composeLyrics(repoPrompts, req));
      expect(JSON.stringify(composeLyrics(repoPrompts, req))).toBe(a);
      expect(JSON.stringify(composeLyrics(repoPrompts, { ...req, seed: 43 }))).not.toBe(a);
    }
  });

  it("themes come from the theme field or the prompt's words, a default otherwise; a free theme word makes the title", () => {
    expect(pickTheme(repoPrompts, { prompt: "深夜加班后坐地铁回家" }).id).toBe("city");
    expect(pickTheme(repoPrompts, { prompt: "a song about my old friends" }).id).toBe("friendship");
    expect(pickTheme(repoPrompts, { theme: "海" }).id).toBe("sea");
    expect(pickTheme(repoPrompts, { prompt: "quantum chromodynamics" })).toEqual({ id: "dreams" });
    const cat = composeLyrics(repoPrompts, { language: "zh", theme: "猫咪", durationSec: 30, seed: 3 });
    expect(cat.title).toContain("猫咪");
    expect(composeLyrics(repoPrompts, { language: "zh", theme: "猫咪", title: "喵", durationSec: 30, seed: 3 }).title).toBe("喵");
  });
});

describe("custom lyrics", () => {
  beforeAll(() => loadPronunciations("en"));

  it("reads markers in either language and case; lines before a marker are a verse; the first chorus line is the title", () => {
    const zh = parseLyrics("晚风吹过老街旁\n我在路口看远方\n\n【副歌】\n我们一起去飞翔\n带着梦想和希望\n桥段：\n雨后彩虹挂天上", "zh");
    expect(zh.errors).toEqual([]);
    expect(zh.lyrics.sections.map((s) => [s.kind, s.lines.length])).toEqual([["verse", 2], ["chorus", 2], ["bridge", 1]]);
    expect(zh.lyrics.title).toBe("我们一起去飞翔");
    const en = parseLyrics("[Verse 1]\nI walked along the river\n[CHORUS]\nOh we are young tonight\n[pre-chorus] Hold on, hold on\n副歌\nGoodbye", "en", { title: "Mine" });
    expect(en.errors).toEqual([]);
    expect(en.lyrics.sections.map((s) => s.kind)).toEqual(["verse", "chorus", "prechorus", "chorus"]);
    expect(en.lyrics.title).toBe("Mine");
  });

  it("names every problem with its line: empty sections, unknown markers, unsingable lines, numbers, the wrong script, too many lines", () => {
    const long = "This line goes on and on and on and on and on and on and on and on forever more";
    const { errors } = parseLyrics(`[Verse]\n[Chorus]\n${long}\nI was born in 1999\n[Guitar solo]\n我爱你`, "en");
    expect(errors).toEqual([
      expect.stringMatching(/^line 3 "This line goes.*": 2\d syllables, more than the 20/),
      expect.stringMatching(/^line 4 "I was born in 1999": write the number 1999 in words/),
      expect.stringMatching(/^line 5: unknown section marker \[Guitar solo\]/),
      expect.stringMatching(/^line 6 "我爱你": Chinese characters in English lyrics/),
      "line 1: [Verse] has no lines under it",
    ]);
    expect(parseLyrics(" \n…\n---", "zh").errors).toEqual(["no singable text"]);
    const many = Array.from({ length: 8 }, () => "我们一起去飞翔").join("\n");
    expect(parseLyrics(many, "zh", { durationSec: 10 }).errors).toEqual([expect.stringMatching(/^8 lines are too many for 10 s: at most 5/)]);
  });

  it("unrhymed custom lyrics pass as custom (rhymed: false) and fail the strict check, which names the section", () => {
    const { lyrics } = parseLyrics("[Verse]\nI walked along the river\nThe morning sun was cold\n[Chorus]\nWe are young and we are free\nWe are running far away", "en");
    expect(validateLyrics(lyrics, { durationSec: 30, custom: true })).toEqual({ ok: true, problems: [], rhymed: false });
    const strict = validateLyrics(lyrics, { durationSec: 30 });
    expect(strict.ok).toBe(false);
    expect(strict.problems).toEqual([expect.stringMatching(/^chorus 1: lines 1 "We are young and we are free" \(IY\), 2 .* \(EY\) do not share one rhyme/)]);
  });

  it("the validator catches a broken rhyme, a short line and an uneven verse in composed lyrics", () => {
    const good = composeLyrics(repoPrompts, { language: "zh", theme: "雨", durationSec: 30, seed: 5 });
    const broken: Lyrics = structuredClone(good);
    const chorus = broken.sections.find((s) => s.kind === "chorus")!;
    const other = ["我们一起去看海", "我们一起去飞翔"].find((t) => readLine(t, "zh").line.rhyme !== chorus.lines[0]!.rhyme)!;
    chorus.lines[1] = readLine(other, "zh").line;
    broken.sections[0]!.lines[0] = readLine("你好", "zh").line;
    broken.sections[0]!.lines[2] = readLine("下雨的时候我独自在窗前", "zh").line;
    const { problems } = validateLyrics(broken, { durationSec: 30 });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^verse 1 line 1 "你好": 2 characters; a line sings 5–9/),
        expect.stringMatching(/^verse 1 line 3 "下雨的时候我独自在窗前": 11 characters/),
        expect.stringMatching(/^verse 1: lines of 2, .* characters; a verse keeps its lines the same length/),
        expect.stringMatching(/^chorus 1: lines .* do not share one 辙/),
      ]),
    );
    expect(validateLyrics(good, { durationSec: 10 }).problems).toEqual([expect.stringMatching(/too many for 10 s/)]);
  });
});

describe("lyrics from an OpenAI-compatible model (real SDK over HTTP)", () => {
  let server: Server;
  let baseURL: string;
  let completions = 0;
  const requests: { model: string; messages: { role: string; content: string }[] }[] = [];
  let answer: (n: number) => string = () => "";

  beforeAll(async () => {
    await loadPronunciations("en");
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        requests.push(JSON.parse(body));
        const content = answer(requests.length);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${++completions}`, object: "chat.completion", created: 1_700_000_000 + completions, model: "fake-lyricist",
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
            usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
          }),
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  const llm = () => ({ baseURL, model: "fake-lyricist" });

  const ZH_GOOD = "<think>先想押江阳辙</think>\n```\n**Title: 夏夜晚风**\n[Verse]\n晚风吹过小街巷\n蝉鸣藏在树梢上\n我们骑车去海边\n一路追着月光\n\n[Chorus]\n夏天的风在歌唱\n吹向遥远的地方\n我们一起去飞翔\n心里装满阳光\n```";
  const EN_VERSE = "[Verse]\nI walk along the empty street\nThe neon hums a quiet song\nThe subway rumbles underneath\nI hum it as I walk along\n";

  it("good lyrics on the first answer are used as the model wrote them", async () => {
    requests.length = 0;
    answer = () => ZH_GOOD;
    const r = await writeLyricsWithLlm(llm(), repoPrompts, { language: "zh", theme: "夏天", mood: "happy", durationSec: 30, seed: 1 });
    expect(r).toMatchObject({ source: "llm", model: "fake-lyricist", attempts: 1 });
    expect(r.lyrics.title).toBe("夏夜晚风");
    expect(r.lyrics.sections.map((s) => s.lines.map((l) => l.rhyme))).toEqual([["江阳", "江阳", "言前", "江阳"], Array(4).fill("江阳")]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.model).toBe("fake-lyricist");
    expect(requests[0]!.messages[0]!.content).toMatch(/- \[Verse\] 4 lines\n- \[Chorus\] 4 lines[\s\S]*十三辙/);
  });

  it("an unrhymed first answer is sent back with its problems; the corrected second one is used", async () => {
    requests.length = 0;
    answer = (n) =>
      `Title: City Lights\n${EN_VERSE}[Chorus]\n${n === 1 ? "Oh, city lights, you shine so bright\nYou keep me dancing far away\nEvery window burning white\nI feel alive again today" : "Oh, city lights, you shine so bright\nYou keep me dancing through the night\nEvery window burning white\nI feel alive tonight"}`;
    const r = await writeLyricsWithLlm(llm(), repoPrompts, { language: "en", theme: "city", durationSec: 30, seed: 2 });
    expect(r).toMatchObject({ source: "llm", attempts: 2 });
    expect(r.lyrics.title).toBe("City Lights");
    expect(validateLyrics(r.lyrics, { durationSec: 30 }).ok).toBe(true);
    const retry = requests[1]!.messages;
    expect(retry.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(retry[3]!.content).toMatch(/- chorus 1: lines 1 "Oh, city lights, you shine so bright" \(AY T\), 2 .* do not share one rhyme/);
  });

  it("junk every time falls back to the offline composer and says why", async () => {
    requests.length = 0;
    answer = () => "I'm sorry, but I can't help with that.";
    const req: LyricsRequest = { language: "en", theme: "sea", mood: "calm", durationSec: 45, seed: 3 };
    const r = await writeLyricsWithLlm(llm(), repoPrompts, req);
    expect(r).toMatchObject({ source: "offline", model: "offline-composer", attempts: 2 });
    expect(r.fallback).toMatch(/no chorus/);
    expect(requests).toHaveLength(2);
    expect(r.lyrics).toEqual(composeLyrics(repoPrompts, req));
    expect(validateLyrics(r.lyrics, { durationSec: 45 }).ok).toBe(true);
  });

  it("an endpoint that cannot be reached falls back too", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const r = await writeLyricsWithLlm({ baseURL: `http://127.0.0.1:${port}/v1`, model: "gone" }, repoPrompts, { language: "zh", durationSec: 20, seed: 4 });
    expect(r).toMatchObject({ source: "offline", attempts: 2 });
    expect(r.fallback).toMatch(/could not be reached/);
  });
});
