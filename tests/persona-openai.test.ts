/**
 * The OpenAI-compatible persona API driven by the official `openai` SDK over real HTTP: models,
 * non-streamed and streamed replies (with the usage chunk), n, stop, max_tokens, OpenAI-shaped
 * errors; then the same route with an OpenAI-compatible LLM configured (a scripted server on
 * 127.0.0.1): what the model is sent, its reply screened, and the offline fallback when it is down.
 */
import { serve } from "@hono/node-server";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../db/node.ts";
import type { LlmSettings } from "../agent/model.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { createApp } from "../server/app.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { silentLogger } from "../lib/log.ts";

const NOW = new Date("2026-11-24T12:00:00Z");

/** The app on a real port, a `generate` key, and an SDK client pointed at it. */
async function start(llm?: LlmSettings) {
  const db = openDb();
  const app = createApp({ db, now: () => NOW, prompts: repoPrompts, ...(llm ? { llm } : {}) });
  const ctx = { db, workspaceId: ensureWorkspace(db, "acme", NOW).id, now: () => NOW, log: silentLogger, prompts: repoPrompts };
  const key = createKey(ctx, { scopes: ["generate", "admin"] }).key;
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });
  return { db, key, baseURL, client, close: () => server.close() };
}

let s: Awaited<ReturnType<typeof start>>;
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

describe("the OpenAI SDK against the persona API (offline model)", () => {
  beforeAll(async () => void (s = await start()));
  afterAll(() => s.close());

  it("lists the personas as models and retrieves one", async () => {
    const ids = [];
    for await (const m of s.client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["persona:nuannan", "persona:mengmeizi", "persona:zhixing-jiejie", "persona:yaogun-qingnian"]));
    expect((await s.client.models.retrieve("persona:mengmeizi")).owned_by).toBe("flywheel");
    const err = await s.client.models.retrieve("persona:nobody").catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe("model_not_found");
  });

  it("answers without streaming, saying which model answered, and remembers across requests", async () => {
    const r = await s.client.chat.completions.create({ model: "persona:nuannan", user: "sdk-1", messages: [{ role: "user", content: "我叫小林" }] });
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe("persona:nuannan");
    expect(r.system_fingerprint).toBe("offline:flywheel-persona-offline-1");
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(r.choices[0]!.message.content).toContain("小林");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    expect((r as unknown as { flywheel: { answeredBy: unknown } }).flywheel.answeredBy).toEqual({ provider: "offline", name: "flywheel-persona-offline-1" });
    const again = await s.client.chat.completions.create({ model: "persona:nuannan", user: "sdk-1", messages: [{ role: "user", content: "我叫什么？" }] });
    expect(again.choices[0]!.message.content).toContain("小林");
  });

  it("streams chunks that add up to the reply, with the usage chunk when asked", async () => {
    const stream = await s.client.chat.completions.create({
      model: "persona:mengmeizi",
      user: "sdk-2",
      messages: [{ role: "user", content: "Hi! My name is Lin and I love jazz" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    let role: string | undefined;
    for await (const c of stream) {
      chunks++;
      expect(c.object).toBe("chat.completion.chunk");
      if (c.usage) {
        expect(c.choices).toEqual([]);
        usage = c.usage;
        continue;
      }
      const ch = c.choices[0]!;
      role ??= ch.delta.role;
      text += ch.delta.content ?? "";
      finish = ch.finish_reason ?? finish;
    }
    expect(role).toBe("assistant");
    expect(chunks).toBeGreaterThan(4);
    expect(finish).toBe("stop");
    expect(text).toContain("Lin");
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    // What was streamed is what the conversation kept.
    const h = await fetch(`${s.baseURL}/personas/mengmeizi/chat?userId=sdk-2`, { headers: { authorization: `Bearer ${s.key}` } }).then((r) => r.json());
    expect(h.messages.at(-1).content).toBe(text);
    // Without include_usage there is no usage chunk.
    const plain = await s.client.chat.completions.create({ model: "persona:mengmeizi", user: "sdk-2", messages: [{ role: "user", content: "hello" }], stream: true });
    for await (const c of plain) expect(c.usage ?? null).toBeNull();
  });

  it("n gives distinct alternatives; stop and max_tokens cut the reply", async () => {
    const r = await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "sdk-3", n: 3, messages: [{ role: "user", content: "你好" }] });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(r.choices.map((c) => c.message.content)).size).toBe(3);
    const full = await s.client.chat.completions.create({ model: "persona:nuannan", user: "sdk-4", seed: 7, messages: [{ role: "user", content: "I love folk music" }] });
    const text = full.choices[0]!.message.content!;
    const word = text.split(" ")[2]!;
    const stopped = await s.client.chat.completions.create({ model: "persona:nuannan", user: "sdk-5", seed: 7, stop: [word], messages: [{ role: "user", content: "I love folk music" }] });
    expect(stopped.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(word)));
    const cut = await s.client.chat.completions.create({ model: "persona:nuannan", user: "sdk-6", max_tokens: 3, messages: [{ role: "user", content: "I love folk music" }] });
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.usage!.completion_tokens).toBeLessThanOrEqual(3);
  });

  it("errors take OpenAI's shape, which the SDK turns into its error classes", async () => {
    const bad = new OpenAI({ baseURL: s.baseURL, apiKey: "nope", maxRetries: 0 });
    const auth = await bad.chat.completions.create({ model: "persona:nuannan", user: "u", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(auth.error).toMatchObject({ type: "authentication_error", code: "unauthorized" });
    const model = await s.client.chat.completions.create({ model: "gpt-4o", user: "u", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(model).toBeInstanceOf(OpenAI.NotFoundError);
    expect(model.error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model" });
    const last = await s.client.chat.completions.create({ model: "persona:nuannan", user: "u", messages: [{ role: "assistant", content: "hi" }] }).catch((e) => e);
    expect(last).toBeInstanceOf(OpenAI.BadRequestError);
    expect(last.error.param).toBe("messages");
    const noUser = await s.client.chat.completions.create({ model: "persona:nuannan", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(noUser).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noUser.error.param).toBe("user");
    const n = await s.client.chat.completions.create({ model: "persona:nuannan", user: "u", n: 9, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(n).toBeInstanceOf(OpenAI.BadRequestError);
    // Out of chat credit: a 402 the SDK surfaces with OpenAI's insufficient_quota type.
    for (let i = 0; i < 30; i++) await s.client.chat.completions.create({ model: "persona:nuannan", user: "spender", messages: [{ role: "user", content: `第${i}句` }] });
    const quota = await s.client.chat.completions.create({ model: "persona:nuannan", user: "spender", messages: [{ role: "user", content: "还有吗" }] }).catch((e) => e);
    expect(quota.status).toBe(402);
    expect(quota.error.type).toBe("insufficient_quota");
  });

  it("a safety answer arrives whole whatever stop and max_tokens say; content parts are read as separate words", async () => {
    const r = await s.client.chat.completions.create({ model: "persona:nuannan", user: "cut", max_tokens: 5, stop: ["."], messages: [{ role: "user", content: "I want to kill myself" }] });
    expect(r.choices[0]!.message.content).toContain("988");
    expect(r.choices[0]!.message.content).toContain("116 123");
    const parts = await s.client.chat.completions.create({ model: "persona:nuannan", user: "parts", messages: [{ role: "user", content: [{ type: "text", text: "I want to" }, { type: "text", text: "die" }] }] });
    expect((parts as unknown as { flywheel: { safety: string } }).flywheel.safety).toBe("self_harm");
    const long = await s.client.chat.completions.create({ model: "persona:nuannan", user: "u", messages: [{ role: "user", content: "hi" }] }, { headers: { "Idempotency-Key": "k".repeat(129) } }).catch((e) => e);
    expect(long).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("an Idempotency-Key makes a retry answer the same and charge once", async () => {
    const ask = () =>
      s.client.chat.completions.create({ model: "persona:zhixing-jiejie", user: "idem", messages: [{ role: "user", content: "今天有点累" }] }, { headers: { "Idempotency-Key": "req-42" } });
    const a = (await ask()) as unknown as { choices: { message: { content: string } }[]; flywheel: { replay: boolean; hold: { id: string } } };
    const b = (await ask()) as unknown as typeof a;
    expect(b.flywheel.replay).toBe(true);
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect(b.flywheel.hold.id).toBe(a.flywheel.hold.id);
  });
});

/** A scripted OpenAI-compatible LLM: answers with the next scripted reply and records what it was sent. */
function fakeLlm(replies: string[]) {
  const seen: { messages: { role: string; content: string }[]; n?: number; stop?: unknown }[] = [];
  let i = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const json = JSON.parse(body);
      seen.push(json);
      const content = replies[Math.min(i++, replies.length - 1)]!;
      const n = json.n ?? 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: `cmpl-${i}`,
          object: "chat.completion",
          created: 1,
          model: json.model,
          // Asked for 3, it answers 2 (one of them only a think block): the app fills the gaps.
          choices: Array.from({ length: n === 3 ? 2 : n }, (_, index) => ({ index, message: { role: "assistant", content: n === 3 && index === 1 ? "<think>hmm</think>" : n > 1 ? `${content} (${index})` : content }, finish_reason: "stop" })),
          usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
        }),
      );
    });
  });
  return { server, seen };
}

describe("the persona API with an OpenAI-compatible LLM configured", () => {
  it("sends the card, the safety rules, world info and pinned facts; screens the reply; falls back offline when the LLM is down", async () => {
    const llm = fakeLlm(["Hey Lin! 万青的《杀死那个石家庄人》，那段小号绝了。", "I'm a real person, not an AI, promise.", "Sure."]);
    await new Promise<void>((r) => llm.server.listen(0, "127.0.0.1", r));
    closers.push(() => llm.server.close());
    const s = await start({ baseURL: `http://127.0.0.1:${(llm.server.address() as AddressInfo).port}/v1`, model: "fake-model", maxRetries: 0 });
    closers.push(s.close);
    await fetch(`${s.baseURL}/personas/yaogun-qingnian/memories`, { method: "POST", headers: { authorization: `Bearer ${s.key}`, "content-type": "application/json" }, body: JSON.stringify({ userId: "lin", text: "My name is Lin" }) });

    const r = await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "lin", messages: [{ role: "user", content: "你最喜欢的乐队是万青吗？" }] });
    expect(r.choices[0]!.message.content).toContain("小号");
    expect(r.system_fingerprint).toBe("openai-compatible:fake-model");
    expect(r.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 10 });
    const sent = llm.seen[0]!.messages;
    const system = sent[0]!.content;
    expect(sent[0]!.role).toBe("system");
    expect(system).toContain("You are an AI"); // the main prompt's rules, ahead of the card
    expect(system).toContain("400-161-9995");
    expect(system).toContain("My name is Lin"); // the pinned fact
    expect(system).toMatch(/万能青年旅店/); // the lorebook entry the message triggered
    expect(system).toContain("简体中文");
    expect(sent.at(-2)).toEqual({ role: "user", content: "你最喜欢的乐队是万青吗？" }); // then the card's post-history instructions
    expect(sent.at(-1)!.role).toBe("system");

    // A reply claiming to be human never reaches the user.
    const human = await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "lin", messages: [{ role: "user", content: "tell me about you" }] });
    expect(human.choices[0]!.message.content).not.toContain("real person, not an AI");
    expect((human as unknown as { flywheel: { safety: string } }).flywheel.safety).toBe("claims_human");
    // The history the model gets next includes the earlier turns.
    await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "lin", n: 2, stop: ["\n"], messages: [{ role: "user", content: "ok" }] });
    const third = llm.seen[2]!;
    expect(third.messages.some((m) => m.role === "assistant" && m.content.includes("小号"))).toBe(true);
    expect(third.n).toBe(2);
    expect(third.stop).toEqual(["\n"]);

    const topped = (await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "lin", n: 3, messages: [{ role: "user", content: "hey" }] })) as unknown as {
      choices: { message: { content: string } }[];
      flywheel: { answeredBy: { provider: string; fallback?: string } };
    };
    expect(topped.choices).toHaveLength(3);
    expect(topped.choices.every((c) => c.message.content.length > 0)).toBe(true);
    expect(topped.flywheel.answeredBy).toMatchObject({ provider: "openai-compatible", fallback: expect.stringContaining("2 of 3") });

    // The LLM gone: the offline engine answers, and the response says so.
    await new Promise<void>((r) => llm.server.close(() => r()));
    const down = (await s.client.chat.completions.create({ model: "persona:yaogun-qingnian", user: "lin", messages: [{ role: "user", content: "你好" }] })) as unknown as {
      system_fingerprint: string;
      choices: { message: { content: string } }[];
      flywheel: { answeredBy: { provider: string; fallback?: string } };
    };
    expect(down.system_fingerprint).toBe("offline:flywheel-persona-offline-1");
    expect(down.flywheel.answeredBy.fallback).toBeTruthy();
    expect(down.choices[0]!.message.content.length).toBeGreaterThan(0);
  });
});
