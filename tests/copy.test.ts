import { beforeAll, describe, expect, it } from "vitest";
import { checkCopy } from "../tools/copy/check.ts";
import { expectEnvelope, setup } from "./helpers.ts";

/**
 * Audience (NOW = 2026-11-24): per member, the genre of most plays unless a trait names one.
 *   u1 rock ×5, pop ×1 → rock        u2 rock ×2, jazz ×1 → rock
 *   u3 jazz ×3 → jazz                u4 trait preferred_genre 摇滚, plays folk ×3 → rock
 *   u5 folk ×1 → folk
 * Most members prefer rock (and most plays are rock). Names: 王小明, Lee; the longest is 3.
 */
const t = setup();
const key = t.key("acme");
const plays = (user: string, n: number, genre: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `${user}-${genre}-${i}`, userId: user, name: "play_song", timestamp: "2026-11-20T04:00:00Z", properties: { genre } }));
const PLAYERS = { performed: "play_song", within: { days: 30 } };

beforeAll(async () => {
  const events = [...plays("u1", 5, "rock"), ...plays("u1", 1, "pop"), ...plays("u2", 2, "rock"), ...plays("u2", 1, "jazz"), ...plays("u3", 3, "jazz"), ...plays("u4", 3, "folk"), ...plays("u5", 1, "folk")];
  expect((await t.call("POST", "/v1/events", { key, body: { events } })).body.accepted).toBe(events.length);
  for (const [userId, traits] of [
    ["u1", { name: "王小明" }],
    ["u2", { name: "Lee" }],
    ["u4", { preferred_genre: "摇滚" }],
  ] as const)
    expect((await t.call("POST", "/v1/identify", { key, body: { userId, traits } })).status).toBe(200);
});

const generate = (body: Record<string, unknown>) => t.call("POST", "/v1/copy/generate", { key, body });

// ---- an independent statement of the channel rules (code points, merge tags at their worst) ----
const cp = (s: string) => Array.from(s).length;
const worst = (s: string, tag: number) => s.replace(/\{\{name\|([^{}]*)\}\}/g, (_, f: string) => "名".repeat(Math.max(tag, cp(f))));
const LIMIT = { zh: { title: 20, body: 50, subject: 60 }, en: { title: 40, body: 120, subject: 78 } };

/** Problems with one variant by the brief's rules, as strings; [] when it passes. */
function problems(channel: string, lang: "zh" | "en", v: any, tag = 6, maxParts = 1): string[] {
  const out: string[] = [];
  const texts = [v.title, v.subject, v.preheader, v.body, ...Object.values(v.fields ?? {})].filter((x) => typeof x === "string") as string[];
  for (const x of texts) if (/\[\[|\]\]|\{\{(?!name\|)/.test(x)) out.push(`unfilled slot in ${x}`);
  const len = (s: string) => cp(worst(s, tag));
  if (channel === "sms") {
    const b: string = v.body;
    if (!/^【[^【】]+】/.test(b)) out.push("no 【signature】");
    if (lang === "zh" ? !b.endsWith("回T退订") : !(b.endsWith("Reply STOP") || b.endsWith("Reply T to unsubscribe"))) out.push("no opt-out");
    const n = len(b);
    const parts = n <= 70 ? 1 : Math.ceil(n / 67);
    if (parts > maxParts) out.push(`sms ${n} chars`);
    if (v.parts !== parts) out.push(`parts ${v.parts} ≠ ${parts}`);
  } else if (channel === "push") {
    if (!v.title || len(v.title) > LIMIT[lang].title) out.push(`title ${v.title}`);
    if (!v.body || len(v.body) > LIMIT[lang].body) out.push(`body ${v.body}`);
  } else if (channel === "wechat") {
    const f = Object.entries<string>(v.fields ?? {});
    if (!f.length) out.push("no fields");
    for (const [k, x] of f) {
      if (!/^(first|remark|keyword\d+|[a-z]+\d+)$/.test(k)) out.push(`field name ${k}`);
      if (!x || len(x) > 20) out.push(`field ${k} ${x}`);
    }
  } else {
    if (!v.subject || len(v.subject) > LIMIT[lang].subject) out.push(`subject ${v.subject}`);
    if (v.preheader !== undefined && len(v.preheader) > 100) out.push("preheader");
    if (!v.body || /<[a-z/][^>]*>/i.test(v.body)) out.push("body");
  }
  return out;
}

const CHANNELS = ["sms", "push", "wechat", "email"] as const;
const THEMES = ["winback", "promotion", "new_release", "renewal", "cart_reminder", "welcome"] as const;

describe("copy_generate: every channel, theme, language and variant count passes its rules", () => {
  for (const channel of CHANNELS)
    for (const language of ["zh", "en"] as const)
      it(`${channel} ${language}`, async () => {
        for (const theme of THEMES)
          for (let n = 1; n <= 5; n++) {
            const extra = n % 2 ? { offer: language === "zh" ? "满30减10" : "20% off" } : {};
            const r = await generate({ channel, theme, language, variants: n, ...extra, ...(n === 5 ? { deadline: language === "zh" ? "今晚24点" : "Sunday" } : {}) });
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            expect(r.body.variants).toHaveLength(n);
            expect(new Set(r.body.variants.map((v: any) => v.hook)).size).toBe(n);
            for (const v of r.body.variants) {
              expect(problems(channel, language, v), `${theme} ${v.hook}: ${JSON.stringify(v)}`).toEqual([]);
              expect(v.ok, JSON.stringify(v.checks)).toBe(true);
              expect(v.checks.every((c: any) => c.ok)).toBe(true);
            }
            const benefit = r.body.variants.find((v: any) => v.hook === "benefit");
            if ("offer" in extra && benefit) expect(JSON.stringify(benefit)).toContain(extra.offer);
          }
      });

  it("is deterministic for a seed, and the seed changes the phrasing", async () => {
    const body = { channel: "sms", theme: "winback", variants: 5 };
    const a = await generate({ ...body, seed: 7 });
    expect((await generate({ ...body, seed: 7 })).body).toEqual(a.body);
    const bodies = new Set<string>();
    for (let seed = 0; seed < 8; seed++) for (const v of (await generate({ ...body, seed })).body.variants) bodies.add(v.body);
    expect(bodies.size).toBeGreaterThan(10);
  });

  it("SMS has the signature and opt-out; the brand and signature come from the input or the workspace", async () => {
    const dflt = (await generate({ channel: "sms", theme: "welcome", variants: 1 })).body.variants[0];
    expect(dflt.body.startsWith("【acme】")).toBe(true);
    expect(dflt.body.endsWith("回T退订")).toBe(true);
    const own = (await generate({ channel: "sms", theme: "promotion", variants: 2, signature: "飞轮音乐", brand: "飞轮" })).body.variants;
    for (const v of own) expect(v.body.startsWith("【飞轮音乐】")).toBe(true);
    expect((await generate({ channel: "sms", theme: "promotion", signature: "【x】" })).status).toBe(400);
  });

  it("a long offer needs two parts: ok with maxParts 2 (each ≤ 67), a failing check with the default 1", async () => {
    const offer = "满199减100，再送30天黑胶VIP会员、无损音质、离线下载和专属歌单体验卡，新老用户同享";
    const body = { channel: "sms", theme: "renewal", hooks: ["benefit"], offer, signature: "飞轮音乐会员中心" };
    const two = (await generate({ ...body, maxParts: 2 })).body.variants[0];
    expect(two.ok).toBe(true);
    expect(two.body).toContain(offer);
    const n = cp(two.body);
    expect(n).toBeGreaterThan(70);
    expect(n).toBeLessThanOrEqual(2 * 67);
    expect(two.parts).toBe(2);
    expect(problems("sms", "zh", two, 6, 2)).toEqual([]);
    const one = (await generate(body)).body.variants[0];
    expect(one.ok).toBe(false);
    expect(one.checks.find((c: any) => !c.ok).rule).toBe("sms.length");
    expect(one.body).toContain(offer); // not cut: the offer is whole, the check says it does not fit
  });
});

describe("copy_generate with an audience", () => {
  it("fills personalization with the audience's top genre and counts {{name}} at the longest name", async () => {
    for (const channel of CHANNELS)
      for (const language of ["zh", "en"] as const) {
        const r = await generate({ channel, theme: "new_release", language, hooks: ["personalization", "social_proof"], definition: PLAYERS });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.audience).toMatchObject({ count: 5, preferredGenre: "rock", preferredGenreLabel: language === "zh" ? "摇滚" : "rock", longestName: 3 });
        const p = r.body.variants[0];
        expect(JSON.stringify([p.title, p.subject, p.body, p.fields]).toLowerCase()).toContain(language === "zh" ? "摇滚" : "rock");
        const fallback = language === "zh" ? "朋友" : "there";
        expect(r.body.mergeTags).toEqual([{ tag: "name", fallback, countedAs: Math.max(3, cp(fallback)), source: "audience" }]);
        for (const v of r.body.variants) expect(problems(channel, language, v, 3)).toEqual([]);
        if (JSON.stringify(p).includes("{{name|")) expect(JSON.stringify(p.checks)).toContain("longest name in the audience sample");
      }
  });

  it("a saved segment of jazz listeners gets 爵士; a trait outweighs the member's plays", async () => {
    const seg = await t.call("POST", "/v1/segments", { key, body: { name: "jazz", definition: { trait: "name", op: "exists" } } });
    const r = await generate({ channel: "push", theme: "winback", hooks: ["personalization"], segmentId: seg.body.id });
    expect(r.body.audience).toMatchObject({ count: 2, preferredGenre: "rock", genreSource: "events" });
    const jazz = await generate({ channel: "push", theme: "winback", hooks: ["personalization"], definition: { performed: "play_song", where: [{ property: "genre", op: "eq", value: "jazz" }], times: { op: "gte", value: 3 } } });
    expect(jazz.body.audience).toMatchObject({ count: 1, preferredGenre: "jazz", preferredGenreLabel: "爵士", longestName: null });
    expect(jazz.body.variants[0].title + jazz.body.variants[0].body).toContain("爵士");
    expect(jazz.body.mergeTags[0]).toMatchObject({ countedAs: 6, source: "allowance" });
    const folkPlays = await generate({ channel: "push", theme: "winback", definition: { trait: "preferred_genre", op: "exists" } });
    expect(folkPlays.body.audience).toMatchObject({ preferredGenre: "rock", genreSource: "traits" });
  });

  it("no audience: personalization uses the name only, no genre", async () => {
    const r = await generate({ channel: "sms", theme: "winback", hooks: ["personalization"] });
    expect(r.body.audience).toBeUndefined();
    expect(r.body.variants[0].body).toContain("{{name|朋友}}");
    expect(r.body.mergeTags[0]).toMatchObject({ countedAs: 6, source: "allowance" });
  });
});

describe("checkCopy", () => {
  const sms = (n: number) => `【acme】${"好".repeat(n - 10)}回T退订`;
  it("rejects a 71-char SMS, accepts 70, and counts parts of 67 with maxParts", () => {
    expect(cp(sms(70))).toBe(70);
    expect(checkCopy("sms", { body: sms(70) })).toMatchObject({ ok: true, chars: 70, parts: 1 });
    const over = checkCopy("sms", { body: sms(71) });
    expect(over).toMatchObject({ ok: false, chars: 71, parts: 2 });
    expect(over.checks.filter((c) => !c.ok).map((c) => c.rule)).toEqual(["sms.length"]);
    expect(checkCopy("sms", { body: sms(134) }, { maxParts: 2 })).toMatchObject({ ok: true, parts: 2 });
    expect(checkCopy("sms", { body: sms(135) }, { maxParts: 2 })).toMatchObject({ ok: false, parts: 3 });
    expect(checkCopy("sms", { body: "好久不见回T退订" }).checks.find((c) => !c.ok)?.rule).toBe("sms.signature");
    expect(checkCopy("sms", { body: "【acme】好久不见" }).checks.find((c) => !c.ok)?.rule).toBe("sms.opt_out");
    expect(checkCopy("sms", { body: "【acme】We miss you. Reply STOP" }, { language: "en" }).ok).toBe(true);
  });

  it("counts merge tags at their worst case, and says so", () => {
    const body = `【acme】{{name|朋友}}${"好".repeat(54)}回T退订`; // 6 + 6 + 54 + 4 = 70 at the default allowance
    expect(checkCopy("sms", { body }).ok).toBe(true);
    const long = checkCopy("sms", { body }, { mergeTagLength: 7, mergeTagSource: "audience" });
    expect(long.ok).toBe(false);
    expect(long.checks.find((c) => c.rule === "sms.length")!.detail).toMatch(/7.*longest name in the audience sample/);
    expect(checkCopy("sms", { body: `【acme】{{coupon}}回T退订` }).checks.find((c) => !c.ok)?.rule).toBe("merge_tags");
  });

  it("rejects a 21-char push title and a 21-char WeChat field; en limits are wider", () => {
    const title = "好".repeat(21);
    const push = checkCopy("push", { title, body: "正文" });
    expect(push.ok).toBe(false);
    expect(push.checks.find((c) => !c.ok)).toMatchObject({ rule: "push.title_length", part: "title" });
    expect(checkCopy("push", { title: title.slice(1), body: "正文" }).ok).toBe(true);
    expect(checkCopy("push", { title: "x".repeat(40), body: "y".repeat(120) }, { language: "en" }).ok).toBe(true);
    expect(checkCopy("push", { title: "x".repeat(40), body: "y".repeat(121) }, { language: "en" }).ok).toBe(false);
    const wechat = checkCopy("wechat", { fields: { thing1: "好".repeat(20), thing2: "好".repeat(21) } });
    expect(wechat.ok).toBe(false);
    expect(wechat.checks.filter((c) => !c.ok)).toMatchObject([{ rule: "wechat.field_length", part: "fields.thing2" }]);
    expect(checkCopy("wechat", { fields: { "bad name": "x" } }).ok).toBe(false);
    expect(checkCopy("email", { subject: "s", body: "<p>hi</p>" }).checks.find((c) => !c.ok)?.rule).toBe("email.body_plain");
    expect(checkCopy("email", { subject: "好".repeat(61), body: "b" }).ok).toBe(false);
    expect(checkCopy("email", { subject: "x".repeat(78), body: "b" }, { language: "en" }).ok).toBe(true);
    expect(checkCopy("push", { body: "only a body" }).checks.find((c) => !c.ok)?.rule).toBe("required");
  });
});

describe("copy_generate: bad input is a 400 envelope", () => {
  it.each([
    [{ channel: "fax", theme: "winback" }, "channel"],
    [{ channel: "sms", theme: "winback", variants: 0 }, "variants"],
    [{ channel: "sms", theme: "winback", variants: 6 }, "variants"],
    [{ channel: "sms", theme: "winback", tone: "fun" }, "tone"],
    [{ channel: "sms", theme: "party" }, "theme"],
    [{ channel: "sms", theme: "winback", hooks: ["urgency", "urgency"] }, "hooks"],
    [{ channel: "sms", theme: "winback", hooks: ["urgency"], variants: 2 }, "variants"],
    [{ channel: "sms", theme: "winback", segmentId: "seg_x", definition: PLAYERS }, "definition"],
    [{ channel: "sms", theme: "winback", definition: { performed: "play_song", within: { days: -1 } } }, "definition.within"],
  ])("%j", async (body, path) => {
    const r = await generate(body);
    expectEnvelope(r, 400);
    expect(r.body.error.message).toContain(path);
  });

  it("a segment of another workspace (or none) is a 404", async () => {
    const other = t.key("other");
    const seg = await t.call("POST", "/v1/segments", { key: other, body: { name: "theirs", definition: PLAYERS } });
    expectEnvelope(await generate({ channel: "sms", theme: "winback", segmentId: seg.body.id }), 404, "not_found");
    expectEnvelope(await generate({ channel: "sms", theme: "winback", segmentId: "seg_missing" }), 404, "not_found");
  });
});
