import { hasScope } from "../../tools/keys/index.ts";
import { TOOLS } from "../../tools/registry.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { AgentEvent, OperatorAgent } from "../../agent/agent.ts";
import { getConversation, listConversations } from "../../agent/conversations.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

export const ChatInput = z
  .strictObject({
    conversationId: z.string().min(1).max(64).optional().meta({ description: "Continue this conversation; omit to start one. 会话 ID" }),
    message: z.string().trim().min(1).max(4000).meta({ description: "What the operator says, in Chinese or English. 运营的话" }),
  })
  .meta({ id: "AgentChatInput" });

export const DecisionInput = z
  .strictObject({
    decision: z.enum(["approve", "edit", "reject"]),
    input: z.record(z.string(), z.unknown()).optional().meta({ description: "With edit: the tool input to run instead. 修改后的输入" }),
    message: z.string().max(2000).optional().meta({ description: "With reject: why, passed to the agent. 拒绝理由" }),
  })
  .refine((d) => d.decision !== "edit" || d.input !== undefined, { message: "edit needs input", path: ["input"] })
  .meta({ id: "AgentDecisionInput" });

const ChatResultSchema = z
  .object({
    conversationId: z.string(),
    model: z.object({ provider: z.string(), name: z.string() }),
    reply: z.string(),
    toolCalls: z.array(z.object({ id: z.string(), name: z.string(), input: z.unknown(), output: z.unknown(), status: z.string() })),
    cards: z.array(z.record(z.string(), z.unknown())),
    pendingApproval: z.record(z.string(), z.unknown()).optional(),
    trace: z.unknown().optional(),
  })
  .meta({ id: "AgentChatResult" });

const Params = z.object({ id: z.string().min(1).max(64) });
const SSE_NOTE =
  "Server-sent events by default: `token`, `tool_call`, `tool_result`, `approval`, then `done` with the result object. With `Accept: application/json`, one JSON object.";

/**
 * Answers with one JSON object, or streams the run as server-sent events, as the client asked.
 * The run starts before the stream opens, so what it rejects up front (an unknown or foreign
 * conversation or approval, an approval already decided) is the same error envelope in both modes
 * rather than an empty 200 stream; events it emits meanwhile are buffered and then streamed.
 */
async function respond(c: any, run: (onEvent?: (e: AgentEvent) => void) => Promise<unknown>) {
  if ((c.req.header("accept") ?? "").includes("application/json")) return run().then((r) => c.json(r, 200));
  const buffered: AgentEvent[] = [];
  let write: ((e: AgentEvent) => void) | undefined;
  let failed: { error: unknown } | undefined;
  const running = run((e) => (write ? write(e) : buffered.push(e)));
  running.catch((error) => (failed = { error }));
  await new Promise((r) => setTimeout(r, 0));
  if (failed) throw failed.error;
  return streamSSE(c, async (sse) => {
    let tokens = 0;
    const pending: Promise<unknown>[] = [];
    write = (e) => {
      if (e.type === "token") tokens++;
      pending.push(sse.writeSSE({ event: e.type, data: JSON.stringify(e) }));
    };
    for (const e of buffered.splice(0)) write(e);
    const result = (await running) as { reply: string };
    await Promise.all(pending);
    // The offline model answers in one piece; stream its reply as tokens all the same.
    if (!tokens) for (const piece of result.reply.match(/[\s\S]{1,16}/g) ?? []) await sse.writeSSE({ event: "token", data: JSON.stringify({ type: "token", text: piece }) });
    await sse.writeSSE({ event: "done", data: JSON.stringify(result) });
  });
}

export function registerAgent(app: Router, agent: OperatorAgent) {
  const route = routesFor("agent", "operator");
  app.openapi(
    createRoute({
      ...route("post", "/v1/agent/chat", "Chat with the operator agent / 与运营助手对话", { description: SSE_NOTE }),
      request: jsonBody(ChatInput),
      responses: { ...ok(ChatResultSchema, "The agent's answer, tool calls, cards and any pending approval"), ...errorResponses },
    }),
    (c) => respond(c, (onEvent) => agent.chat(c.get("ctx"), c.req.valid("json"), onEvent)) as never,
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/agent/approvals/{id}", "Approve, edit or reject a pending action / 审批", {
        description: `The paused run resumes from its stored checkpoint (also after a restart). 409 when already decided. ${SSE_NOTE}`,
      }),
      request: { params: Params, ...jsonBody(DecisionInput) },
      responses: { ...ok(ChatResultSchema, "The agent's answer after the decision"), ...errorResponses },
    }),
    (c) => {
      // Approving runs the tool: the approver's key needs the tool's own scope (grant_credits is admin).
      const scopes = c.get("auth").scopes;
      const mayRun = (name: string) => hasScope(scopes, TOOLS.find((t) => t.name === name)?.scope ?? "admin");
      return respond(c, (onEvent) => agent.decide(c.get("ctx"), c.req.valid("param").id, c.req.valid("json"), onEvent, mayRun)) as never;
    },
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/agent/conversations", "Conversations / 会话列表"), responses: { ...ok(z.object({ conversations: z.array(z.record(z.string(), z.unknown())) }), "Newest first"), ...errorResponses } }),
    (c) => c.json({ conversations: listConversations(c.get("ctx")) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/agent/conversations/{id}", "A conversation with every message and tool call / 会话记录"),
      request: { params: Params },
      responses: { ...ok(z.record(z.string(), z.unknown()), "Messages, tool calls, cards and approvals, oldest first"), ...errorResponses },
    }),
    (c) => c.json(getConversation(c.get("ctx"), c.req.valid("param").id), 200),
  );
}
