import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../db/node.ts";
import type { Scope } from "../db/schema/index.ts";
import { createLogger, silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { createApp } from "../server/app.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { NOW, type Call } from "./helpers.ts";

/**
 * The agent on an OpenAI-compatible endpoint, for real: the product's ChatOpenAI talks HTTP to a
 * scripted chat-completions server on 127.0.0.1, and everything is driven through /v1/agent/chat.
 */

// ---------------------------------------------------------------- the scripted OpenAI-compatible server

type ChatRequest = {
  model: string;
  stream?: boolean;
  messages: { role: string; content: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: any } }[];
};
/** What the brain answers: a tool call (arguments as the raw JSON string the model would send) or text. */
type Answer = { tool: string; args: unknown } | { text: string };
type Brain = (req: ChatRequest, n: number) => Answer;

const requests: ChatRequest[] = [];
let brain: Brain = () => ({ text: "no script" });
let seq = 0;

function completion(req: ChatRequest, a: Answer) {
  const id = `chatcmpl-${++seq}`;
  const created = Math.floor(Date.now() / 1000);
  const toolCall = "tool" in a ? { id: `call_${seq}`, type: "function", function: { name: a.tool, arguments: typeof a.args === "string" ? a.args : JSON.stringify(a.args) } } : undefined;
  return { id, created, model: req.model, toolCall, content: "text" in a ? a.text : null, finish: toolCall ? "tool_calls" : "stop" };
}

function handle(req: IncomingMessage, res: ServerResponse, body: string) {
  if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
    return;
  }
  const r = JSON.parse(body) as ChatRequest;
  requests.push(r);
  let a: Answer;
  try {
    a = brain(r, requests.length);
  } catch (e) {
    res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(e) } }));
    return;
  }
  const c = completion(r, a);
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (!r.stream) {
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: c.id,
        object: "chat.completion",
        created: c.created,
        model: c.model,
        choices: [{ index: 0, message: { role: "assistant", content: c.content, ...(c.toolCall ? { tool_calls: [c.toolCall] } : {}) }, finish_reason: c.finish, logprobs: null }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`);
  chunk({ role: "assistant", content: "" }, null);
  if (c.toolCall) {
    const args = c.toolCall.function.arguments;
    const cut = Math.floor(args.length / 2); // arguments in two pieces, as real servers stream them
    chunk({ tool_calls: [{ index: 0, id: c.toolCall.id, type: "function", function: { name: c.toolCall.function.name, arguments: args.slice(0, cut) } }] }, null);
    chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] }, null);
  } else for (const piece of (c.content ?? "").match(/[\s\S]{1,12}/g) ?? []) chunk({ content: piece }, null);
  chunk({}, c.finish);
  res.write(`data: ${JSON.stringify({ id: c.id, object: "chat.completion.chunk", created: c.created, model: c.model, choices: [], usage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

let server: Server;
let baseURL = "";

// ---------------------------------------------------------------- the product, with llm set

function setupWithLlm(llmBaseURL: () => string) {
  const db = openDb();
  const clock = () => NOW;
  let app: ReturnType<typeof createApp> | undefined;
  /** Unhandled errors the app logged, shown when a call fails. */
  const errors: string[] = [];
  const log = createLogger({ level: "error", write: (line) => errors.push(line) });
  const getApp = () => (app ??= createApp({ db, now: clock, log, prompts: repoPrompts, llm: { baseURL: llmBaseURL(), apiKey: "test", model: "fake-gpt", maxRetries: 0 } }));
  const ctx = (workspace: string): Ctx => ({ db, workspaceId: ensureWorkspace(db, workspace, NOW).id, now: clock, log: silentLogger, prompts: repoPrompts });
  const key = (workspace: string, scopes: Scope[] = ["ingest", "operator", "admin"]) => createKey(ctx(workspace), { scopes }).key;
  async function call(method: string, path: string, opts: { key?: string; body?: unknown } = {}): Promise<Call> {
    const headers: Record<string, string> = { accept: "application/json", ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}) };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await getApp().request(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text */
    }
    return { status: res.status, headers: res.headers, body: res.status >= 500 ? { body, logged: errors.splice(0) } : body };
  }
  return { db, call, key };
}

const t = setupWithLlm(() => baseURL);
let key = "";

/** play_song counts per user: u1 ×3, u2 ×5, u3 ×1, u4 none (a purchase only). */
const PLAYS: Record<string, number> = { u1: 3, u2: 5, u3: 1 };
const MATCHING = Object.entries(PLAYS).filter(([, n]) => n >= 3).length; // 2

const INVALID = { definition: { performed: "play_song", times: { op: "most", value: 3 } } };
const VALID = { definition: { performed: "play_song", times: { op: "gte", value: 3 } } };

const here = dirname(fileURLToPath(import.meta.url));
const SYSTEM_MD = repoPrompts.text("operator/system.md");

/** The last message of a request, and its tool messages. */
const toolMessages = (r: ChatRequest) => r.messages.filter((m) => m.role === "tool");
/** A message's text, whether sent as a string or as [{type: "text", text}] parts. */
const plain = (c: unknown) => (Array.isArray(c) ? c.map((p: { type: string; text?: string }) => (p.type === "text" ? p.text : "")).join("") : c);
const text = (c: unknown) => (typeof c === "string" ? c : JSON.stringify(c));

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => handle(req, res, body));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

  key = t.key("acme");
  const events = [
    ...Object.entries(PLAYS).flatMap(([user, n]) =>
      Array.from({ length: n }, (_, i) => ({ id: `${user}-p${i}`, userId: user, name: "play_song", timestamp: "2026-11-20T04:00:00Z", properties: { genre: "rock" } })),
    ),
    { id: "u4-b1", userId: "u4", name: "purchase", timestamp: "2026-11-21T04:00:00Z", properties: { amount: 10 } },
  ];
  const r = await t.call("POST", "/v1/events", { key, body: { events } });
  expect(r.status).toBe(200);
  expect(r.body.accepted).toBe(events.length);
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

beforeEach(() => {
  requests.length = 0;
  brain = () => ({ text: "no script" });
});

describe("the agent on an OpenAI-compatible endpoint (real ChatOpenAI over HTTP)", () => {
  it("an invalid tool input goes back to the model as a tool message; the corrected call runs; the final text is the reply", async () => {
    brain = (req, n) => {
      if (n === 1) return { tool: "segments_preview", args: INVALID };
      if (n === 2) return { tool: "segments_preview", args: VALID };
      return { text: `There are ${JSON.parse(text(toolMessages(req).at(-1)!.content)).count} users who played at least 3 songs.` };
    };
    const r = await t.call("POST", "/v1/agent/chat", { key, body: { message: "How many users played at least 3 songs?" } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    expect(requests).toHaveLength(3);
    // The first request: the operator's words, and the tools with their JSON schemas.
    const first = requests[0]!;
    expect(first.model).toBe("fake-gpt");
    expect(first.messages.at(-1)).toMatchObject({ role: "user", content: "How many users played at least 3 songs?" });
    const preview = first.tools?.find((x) => x.function.name === "segments_preview");
    expect(preview?.type).toBe("function");
    expect(preview?.function.parameters).toMatchObject({ type: "object" });
    expect(Object.keys(preview!.function.parameters.properties)).toContain("definition");
    expect(first.tools!.map((x) => x.function.name)).toEqual(expect.arrayContaining(["catalog", "segments_preview", "segments_save", "segments_list", "analytics", "user_lookup"]));

    // The second request carries the validation message as a tool result for the first call.
    const second = requests[1]!;
    const assistant = second.messages.find((m) => m.role === "assistant" && m.tool_calls?.length);
    expect(assistant?.tool_calls?.[0]?.function.name).toBe("segments_preview");
    const [err] = toolMessages(second);
    expect(err?.tool_call_id).toBe(assistant?.tool_calls?.[0]?.id);
    expect(text(err?.content)).toMatch(/invalid tool input/);
    expect(text(err?.content)).toMatch(/times\.op/);

    // The third request carries the corrected call's result.
    const results = toolMessages(requests[2]!);
    expect(results).toHaveLength(2);
    expect(JSON.parse(text(results[1]!.content)).count).toBe(MATCHING);

    expect(r.body.model).toEqual({ provider: "openai-compatible", name: "fake-gpt" });
    expect(r.body.toolCalls).toHaveLength(2);
    expect(r.body.toolCalls[0]).toMatchObject({ name: "segments_preview", input: INVALID, status: "error" });
    expect(r.body.toolCalls[1]).toMatchObject({ name: "segments_preview", input: VALID, status: "ok" });
    expect(r.body.toolCalls[1].output.count).toBe(MATCHING);
    expect(r.body.reply).toBe(`There are ${MATCHING} users who played at least 3 songs.`);
    expect(r.body.pendingApproval).toBeUndefined();
  });

  it("a model that keeps sending invalid input: after 3 invalid calls the turn ends with an honest failure, and no 4th request", async () => {
    brain = () => ({ tool: "segments_preview", args: INVALID });
    const r = await t.call("POST", "/v1/agent/chat", { key, body: { message: "How many users played at least 3 songs?" } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(requests).toHaveLength(3);
    expect(toolMessages(requests[2]!)).toHaveLength(2);
    expect(r.body.toolCalls).toHaveLength(3);
    expect(r.body.toolCalls.map((c: { status: string }) => c.status)).toEqual(["error", "error", "error"]);
    expect(r.body.reply).toMatch(/could not finish/);
    expect(r.body.reply).toMatch(/3 times/);
  });

  it("a gated tool waits for approval; nothing is saved until approved; then the result goes back to the model", async () => {
    const save = { name: "heavy listeners", description: "played at least 3 songs", definition: VALID.definition };
    brain = (req, n) => {
      if (n === 1) return { tool: "segments_save", args: save };
      const last = toolMessages(req).at(-1);
      return { text: `Saved "${JSON.parse(text(last!.content)).name}".` };
    };
    const r = await t.call("POST", "/v1/agent/chat", { key, body: { message: "Save the users who played at least 3 songs as heavy listeners" } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(requests).toHaveLength(1);
    expect(r.body.pendingApproval).toMatchObject({ tool: "segments_save" });
    expect(r.body.toolCalls).toEqual([expect.objectContaining({ name: "segments_save", input: save, status: "pending" })]);
    expect((await t.call("GET", "/v1/segments", { key })).body.segments).toEqual([]);

    const d = await t.call("POST", `/v1/agent/approvals/${r.body.pendingApproval.id}`, { key, body: { decision: "approve" } });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const segs = (await t.call("GET", "/v1/segments", { key })).body.segments;
    expect(segs).toHaveLength(1);
    expect(segs[0]).toMatchObject({ name: "heavy listeners", count: MATCHING });

    expect(requests).toHaveLength(2);
    const [result] = toolMessages(requests[1]!);
    expect(JSON.parse(text(result!.content))).toMatchObject({ name: "heavy listeners", count: MATCHING });
    expect(d.body.reply).toBe('Saved "heavy listeners".');
    expect(d.body.pendingApproval).toBeUndefined();
    expect(d.body.toolCalls).toEqual([expect.objectContaining({ name: "segments_save", status: "ok" })]);
  });

  it("the system prompt sent to the endpoint is prompts/operator/system.md", async () => {
    brain = () => ({ text: "Hello." });
    const r = await t.call("POST", "/v1/agent/chat", { key, body: { message: "hi" } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.reply).toBe("Hello.");
    expect(requests).toHaveLength(1);
    const system = requests[0]!.messages.filter((m) => m.role === "system");
    expect(system).toHaveLength(1);
    // ChatOpenAI sends the system prompt as content parts ([{type: "text", text}]), which the
    // chat-completions format allows; the text is the file's, byte for byte.
    expect(plain(system[0]!.content)).toBe(SYSTEM_MD);
    expect(requests[0]!.messages[0]!.role).toBe("system");
    // The client asks for streaming (the agent streams tokens), and the server answered in SSE chunks.
    expect(requests[0]!.stream).toBe(true);
  });

  // OpenAI's API requires an object schema for function parameters; zod alone would send
  // analytics, copy_generate and campaign_draft as {$schema, $ref, $defs} (root .meta ids, a union).
  it("every tool's parameters are a top-level object schema", async () => {
    brain = () => ({ text: "ok" });
    await t.call("POST", "/v1/agent/chat", { key, body: { message: "hi" } });
    const notObject = requests[0]!.tools!.filter((x) => x.function.parameters?.type !== "object").map((x) => x.function.name);
    expect(notObject).toEqual([]);
    const params = Object.fromEntries(requests[0]!.tools!.map((x) => [x.function.name, x.function.parameters as any]));
    expect(Object.keys(params).sort()).toEqual(["analytics", "billing_overview", "campaign_draft", "catalog", "copy_generate", "grant_credits", "segments_list", "segments_preview", "segments_save", "user_lookup"]);
    expect(Object.values(params).filter((p) => "$ref" in p)).toEqual([]);
    expect(params.analytics.oneOf.map((o: any) => o.properties.kind.const).sort()).toEqual(["clv", "funnel", "lifecycle", "paths", "retention", "rfm", "trend"]);
    expect(params.copy_generate.properties.channel.enum).toEqual(["sms", "push", "wechat", "email"]);
  });
});
