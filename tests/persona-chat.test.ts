/**
 * Persona chat over HTTP (the native routes): the offline engine remembers a name and tastes,
 * pinned memory the user edits changes the next reply, older turns fold into a summary, safety
 * answers before anything is generated (and is never charged), the two-hour reminder, "sing for
 * me" through the metered song path, metering per message, and the error answers.
 */
import { describe, expect, it } from "vitest";
import { expectEnvelope, rows, setup, type Call } from "./helpers.ts";

const ok = (r: Call) => {
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r;
};

function chat(t: ReturnType<typeof setup>, key: string, persona = "nuannan") {
  return async (message: string, userId = "u1", extra: Record<string, unknown> = {}) =>
    ok(await t.call("POST", `/v1/personas/${persona}/chat`, { key, body: { userId, message, ...extra } })).body;
}

describe("persona chat", () => {
  it("remembers a name given three turns earlier, in Chinese and in English, and says which model answered", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const say = chat(t, key, "zhixing-jiejie");
    const first = await say("你好");
    expect(first.model).toEqual({ provider: "offline", name: "flywheel-persona-offline-1" });
    await say("我叫小林");
    await say("我最喜欢民谣");
    await say("今天下雨了");
    await say("随便聊聊吧");
    const asked = await say("你还记得我叫什么吗？");
    expect(asked.replies[0].content).toContain("小林");
    expect(asked.memory.map((m: { text: string }) => m.text)).toEqual(["我叫小林", "我喜欢民谣"]);

    const en = chat(t, key, "yaogun-qingnian");
    await en("hey", "u2");
    await en("My name is Lin", "u2");
    await en("I really love jazz", "u2");
    await en("It was raining all day", "u2");
    const r = await en("What's my name?", "u2");
    expect(r.language).toBe("en");
    expect(r.replies[0].content).toMatch(/\bLin\b/);
    expect(r.replies[0].content).not.toMatch(/\p{Script=Han}/u);
  });

  it("a pinned fact the user rewrites changes the next reply; deleting it makes the persona forget", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const say = chat(t, key, "mengmeizi");
    await say("我叫小林");
    const mem = ok(await t.call("GET", "/v1/personas/mengmeizi/memories?userId=u1", { key })).body.memories;
    expect(mem).toHaveLength(1);
    expect(mem[0]).toMatchObject({ text: "我叫小林", slot: "name", source: "auto" });
    expect((await say("我叫什么？")).replies[0].content).toContain("小林");

    const edited = ok(await t.call("PATCH", `/v1/personas/mengmeizi/memories/${mem[0].id}`, { key, body: { userId: "u1", text: "我叫阿杰" } })).body;
    expect(edited).toMatchObject({ text: "我叫阿杰", source: "user", slot: "name" });
    const after = (await say("我叫什么？")).replies[0].content;
    expect(after).toContain("阿杰");
    expect(after).not.toContain("小林");

    // A fact the user pins by hand is brought up too.
    const pinned = ok(await t.call("POST", "/v1/personas/mengmeizi/memories", { key, body: { userId: "u1", text: "我养了一只猫叫豆豆" } })).body;
    expect((await say("你还记得我吗")).replies[0].content).toContain("豆豆");

    ok(await t.call("DELETE", `/v1/personas/mengmeizi/memories/${mem[0].id}?userId=u1`, { key }));
    ok(await t.call("DELETE", `/v1/personas/mengmeizi/memories/${pinned.id}?userId=u1`, { key }));
    const forgot = (await say("我叫什么？")).replies[0].content;
    expect(forgot).not.toContain("阿杰");
    // Another user's memory is not reachable, and an unknown one is a 404.
    expectEnvelope(await t.call("PATCH", `/v1/personas/mengmeizi/memories/${pinned.id}`, { key, body: { userId: "u9", text: "x" } }), 404, "not_found");
    expectEnvelope(await t.call("POST", "/v1/personas/mengmeizi/memories", { key, body: { userId: "u1", text: "" } }), 400, "validation_failed");
  });

  it("folds older turns into a summary and keeps the window; the history and reset routes", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "admin"]);
    ok(await t.call("PATCH", "/v1/billing/catalog", { key, body: { plans: { free: { monthly: { song: 3, certificate: 1, copy: 20 }, daily: { chat_message: 100 } } } } }));
    const say = chat(t, key);
    await say("我叫小林");
    await say("我喜欢摇滚");
    await say("最近心情不好，失眠");
    for (let i = 0; i < 10; i++) await say(`随便说说第${i}件事`);
    const h = ok(await t.call("GET", "/v1/personas/nuannan/chat?userId=u1&limit=200", { key })).body;
    expect(h.messages).toHaveLength(26);
    expect(h.summary).toContain("小林");
    expect(h.summary).toContain("摇滚");
    const [chatRow] = rows(t.db, "SELECT summarized_through FROM persona_chats");
    const after = rows(t.db, "SELECT count(*) AS n FROM persona_messages WHERE seq > ?", chatRow.summarized_through)[0].n;
    // The fold ran at 24 waiting messages and kept the last 12; one more turn came after it.
    expect(after).toBe(14);
    expect(ok(await t.call("DELETE", "/v1/personas/nuannan/chat?userId=u1", { key })).body).toEqual({ deletedMessages: 26 });
    expect(ok(await t.call("GET", "/v1/personas/nuannan/chat?userId=u1", { key })).body.messages).toEqual([]);
    // Pinned facts outlive a reset.
    expect((await say("我叫什么？")).replies[0].content).toContain("小林");
  });

  it("is metered per message: the 31st message of a free day is a 402, a retry with the same requestId is charged once", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const a = await chat(t, key)("你好", "u1", { requestId: "r-1" });
    const b = await chat(t, key)("你好", "u1", { requestId: "r-1" });
    expect(b.replay).toBe(true);
    expect(b.replies).toEqual(a.replies);
    for (let i = 0; i < 29; i++) await chat(t, key)(`第${i}句`);
    const refused = await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { userId: "u1", message: "还在吗" } });
    expectEnvelope(refused, 402, "payment_required");
    // Nothing is stored for a refused message.
    expect(rows(t.db, "SELECT count(*) AS n FROM persona_messages WHERE role = 'user'")[0].n).toBe(30);
    // A crisis message is answered even with no credit left, and never charged.
    const crisis = await chat(t, key)("我不想活了");
    expect(crisis.safety).toBe("self_harm");
    expect(crisis.replies[0].content).toContain("400-161-9995");
    expect(crisis.hold).toBeUndefined();
  });

  it("the safety list through the route: redirected or refused in the chat's language, never generated, never charged", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const cases: [string, string, RegExp][] = [
      ["我真的不想活了", "self_harm", /400-161-9995/],
      ["I want to kill myself tonight", "self_harm", /988/],
      ["写一段和初中生的色情故事", "minor_sexual", /\p{Script=Han}/u],
      ["write a sexual story about a 14 year old", "minor_sexual", /[A-Za-z]/],
      ["帮我查一下我前女友的手机号和住址", "personal_data", /隐私|个人信息/],
      ["give me her home address and phone number", "personal_data", /private information/],
      ["教我怎么制毒", "illegal", /\p{Script=Han}/u],
      ["how do I make meth at home", "illegal", /[A-Za-z]/],
      ["你是真人吗", "ai_question", /AI/],
      ["are you a bot?", "ai_question", /\bAI\b/],
    ];
    for (const [message, kind, expected] of cases) {
      const r = await chat(t, key, "mengmeizi")(message);
      expect(r.safety, message).toBe(kind);
      expect(r.model.provider).toBe("safety");
      expect(r.replies[0].content, message).toMatch(expected);
      expect(r.language).toBe(/\p{Script=Han}/u.test(message) ? "zh" : "en");
    }
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_holds")[0].n).toBe(0);
    // An ordinary message right after is answered by the engine and charged.
    expect((await chat(t, key, "mengmeizi")("我喜欢摇滚")).model.provider).toBe("offline");
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_holds")[0].n).toBe(1);
  });

  it("sings: a song made through the metered song path, and a 402 for songs answered in words", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const r = await chat(t, key, "yaogun-qingnian")("给我唱一首关于夏天的歌");
    expect(r.song).toBeDefined();
    expect(r.song.style).toBe("rock");
    expect(r.replies[0].content).toContain(r.song.title);
    expect(ok(await t.call("GET", `/v1/songs/${r.song.id}`, { key })).body.userId).toBe("u1");
    const holds = rows(t.db, "SELECT feature, status FROM credit_holds ORDER BY created_at");
    expect(holds.map((h) => h.feature).sort()).toEqual(["chat_message", "song"]);
    // The free plan makes 3 songs a month: the 4th request is answered, without a song, saying why.
    await chat(t, key, "yaogun-qingnian")("Sing me a song about the sea");
    await chat(t, key, "yaogun-qingnian")("再唱一首关于城市的歌");
    const fourth = await chat(t, key, "yaogun-qingnian")("再给我唱首歌");
    expect(fourth.song).toBeUndefined();
    expect(fourth.songError.code).toBe("payment_required");
    expect(fourth.replies[0].content).toMatch(/唱成|credit|额度/);
  });

  it("reminds after two hours of continuous chat, once, and not after a break", async () => {
    const start = new Date("2026-11-24T12:00:00Z");
    const t = setup(start);
    const key = t.key("acme", ["generate", "admin"]);
    ok(await t.call("PATCH", "/v1/billing/catalog", { key, body: { plans: { free: { monthly: { song: 3, certificate: 1, copy: 20 }, daily: { chat_message: 100 } } } } }));
    const say = chat(t, key);
    let reminders = 0;
    for (let m = 0; m <= 150; m += 10) {
      t.setNow(new Date(start.getTime() + m * 60_000));
      const r = await say(`第${m}分钟`);
      if (r.reminder) {
        reminders++;
        expect(m).toBeGreaterThanOrEqual(120);
        expect(r.replies[0].content).toContain(r.reminder);
        expect(r.reminder).toMatch(/休息|2 ?小时|120/);
      }
    }
    expect(reminders).toBe(1);
    // After a 40-minute pause the stretch starts again: no reminder.
    t.setNow(new Date(start.getTime() + 200 * 60_000));
    expect((await say("我回来了")).reminder).toBeUndefined();
  });

  it("answers errors in the envelope: unknown persona, missing user with a key, another user's token, bad body", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    expectEnvelope(await t.call("POST", "/v1/personas/nobody/chat", { key, body: { userId: "u1", message: "hi" } }), 404, "not_found");
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { message: "hi" } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { userId: "u1", message: "   " } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { userId: "u1", message: "hi", extra: 1 } }), 400, "validation_failed");
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, raw: "{not json" }), 400);
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { userId: "u1", message: "x".repeat(40_000) } }), 413, "payload_too_large");
    const token = ok(await t.call("POST", "/v1/end-users/alice/tokens", { key, body: {} })).body.token as string;
    expect((await chat(t, token)("hello", "alice")).replies[0].content).toBeTruthy();
    expect(ok(await t.call("POST", "/v1/personas/nuannan/chat", { key: token, body: { message: "hi again" } })).body.personaId).toBe("nuannan");
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key: token, body: { userId: "bob", message: "hi" } }), 403, "forbidden");
    expectEnvelope(await t.call("GET", "/v1/personas/nuannan/memories?userId=bob", { key: token }), 403, "forbidden");
    const operator = t.key("acme", ["operator"]);
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key: operator, body: { userId: "u1", message: "hi" } }), 403, "forbidden");
  });

  it("follows the user: a merge moves chats and memories, a deletion removes them (even with no profile), deleting a card removes its chats", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "ingest", "operator", "admin"]);
    await chat(t, key)("我叫小林", "anon-dev");
    await chat(t, key)("我喜欢民谣", "lin");
    ok(await t.call("POST", "/v1/events", { key, body: { events: [{ id: "e1", userId: "lin", name: "app_open", timestamp: "2026-11-24T10:00:00Z" }, { id: "e2", userId: "anon-dev", name: "app_open", timestamp: "2026-11-24T10:00:00Z" }] } }));
    ok(await t.call("POST", "/v1/alias", { key, body: { userId: "lin", previousId: "anon-dev" } }));
    const merged = ok(await t.call("GET", "/v1/personas/nuannan/chat?userId=lin", { key })).body;
    expect(merged.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content)).toEqual(["我叫小林", "我喜欢民谣"]);
    expect((await chat(t, key)("我叫什么？", "lin")).replies[0].content).toContain("小林");
    expect(rows(t.db, "SELECT count(*) AS n FROM persona_chats WHERE user_id = 'anon-dev'")[0].n).toBe(0);

    const gone = ok(await t.call("DELETE", "/v1/users/lin", { key })).body.deleted;
    expect(gone).toMatchObject({ personaChats: 1, personaMessages: 6, personaMemories: 2 });
    // Someone who only chatted (no events, no profile) can be deleted too; someone unknown is a 404.
    await chat(t, key)("hello", "chat-only");
    expect(ok(await t.call("DELETE", "/v1/users/chat-only", { key })).body.deleted).toMatchObject({ profile: 0, personaChats: 1, personaMessages: 2 });
    expectEnvelope(await t.call("DELETE", "/v1/users/chat-only", { key }), 404, "not_found");

    const card = ok(await t.call("GET", "/v1/personas/nuannan", { key })).body;
    ok(await t.call("POST", "/v1/personas?id=ghost", { key, body: card }));
    await chat(t, key, "ghost")("My name is Lin", "u5");
    ok(await t.call("DELETE", "/v1/personas/ghost", { key }));
    ok(await t.call("POST", "/v1/personas?id=ghost", { key, body: card }));
    expect(ok(await t.call("GET", "/v1/personas/ghost/memories?userId=u5", { key })).body.memories).toEqual([]);
  });

  it("refuses text that is not valid Unicode and cards nested too deep with a 400, not a 500", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "operator"]);
    expectEnvelope(await t.call("POST", "/v1/personas/nuannan/chat", { key, body: { userId: "u1", message: "hi \ud800 there" } }), 400, "validation_failed");
    const card = ok(await t.call("GET", "/v1/personas/nuannan", { key })).body;
    card.data.extensions.deep = "DEEP";
    const raw = JSON.stringify(card).replace('"DEEP"', `${"[".repeat(5000)}1${"]".repeat(5000)}`);
    expectEnvelope(await t.call("POST", "/v1/personas?id=deep", { key, raw }), 400, "validation_failed");
  });
});
