import { AIMessage, AIMessageChunk, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { createAgent, humanInTheLoopMiddleware, type HITLRequest } from "langchain";
import type { Db } from "../db/sql.ts";
import type { Prompts } from "../lib/prompts.ts";
import { TOOLS } from "../tools/registry.ts";
import type { Ctx } from "../tools/context.ts";
import type { ToolDef } from "../tools/tool.ts";
import { cardsOf, type Card } from "./cards.ts";
import { DbCheckpointer } from "./checkpointer.ts";
import { appendMessage, approvalOf, claimApproval, ownConversation, recordApproval, startConversation } from "./conversations.ts";
import { pickModel, type LlmSettings, type ModelInfo } from "./model.ts";
import { agentTools, toolGuard, type RunContext } from "./tools.ts";
import { currentTurn, parseContent, replyOf, toolCallsOf, traceOf, type ToolCallView } from "./transcript.ts";

export type AgentEvent =
  | { type: "token"; text: string }
  | { type: "tool_call"; id: string; name: string; input: unknown }
  | { type: "tool_result"; id: string; name: string; status: string; output: unknown }
  | { type: "approval"; approval: ReturnType<typeof approvalOf> & { description: string } };

export type ChatResult = {
  conversationId: string;
  model: ModelInfo;
  reply: string;
  toolCalls: ToolCallView[];
  cards: Card[];
  pendingApproval?: ReturnType<typeof approvalOf> & { description: string };
  trace?: unknown;
};

export type Decision = { decision: "approve" | "edit" | "reject"; input?: unknown; message?: string };

/**
 * The operator agent: one LangChain agent over the tool definitions, with the approval gate and
 * checkpoints in the product's database. One instance serves every workspace; the workspace comes
 * with each call (the run context), so tools always act for the caller.
 */
export class OperatorAgent {
  readonly info: ModelInfo;
  private readonly graph;
  private readonly defs: readonly ToolDef[];

  constructor(opts: { db: Db; prompts: Prompts; llm?: LlmSettings; tools?: readonly ToolDef[] }) {
    this.defs = opts.tools ?? TOOLS;
    const { model, info } = pickModel(opts.llm, opts.prompts);
    this.info = info;
    const gated = Object.fromEntries(
      this.defs
        .filter((d) => d.sideEffect !== "none")
        .map((d) => [d.name, { allowedDecisions: ["approve", "edit", "reject"] as ("approve" | "edit" | "reject")[], description: `需要审批 / needs approval (${d.sideEffect}): ${d.description}` }]),
    );
    this.graph = createAgent({
      model,
      tools: agentTools(this.defs),
      systemPrompt: opts.prompts.text("operator/system.md"),
      checkpointer: new DbCheckpointer(opts.db),
      middleware: [humanInTheLoopMiddleware({ interruptOn: gated }), toolGuard(this.defs)],
    });
  }

  /** One operator message: runs until the agent answers or pauses for approval. */
  async chat(ctx: Ctx, input: { conversationId?: string; message: string }, onEvent?: (e: AgentEvent) => void): Promise<ChatResult> {
    const conversationId = input.conversationId ? ownConversation(ctx, input.conversationId).id : startConversation(ctx, input.message, this.info);
    appendMessage(ctx, conversationId, { role: "operator", content: input.message });
    return this.run(ctx, conversationId, { messages: [{ role: "user", content: input.message }] }, onEvent);
  }

  /** The operator's decision on a pending approval; the paused run resumes from its checkpoint. */
  async decide(ctx: Ctx, approvalId: string, d: Decision, onEvent?: (e: AgentEvent) => void, mayRun?: (toolName: string) => boolean): Promise<ChatResult> {
    const status = d.decision === "approve" ? "approved" : d.decision === "edit" ? "edited" : "rejected";
    const pending = claimApproval(ctx, approvalId, { status, args: d.input, message: d.message }, mayRun);
    ownConversation(ctx, pending.conversationId);
    const decision =
      d.decision === "approve"
        ? { type: "approve" as const }
        : d.decision === "edit"
          ? { type: "edit" as const, editedAction: { name: pending.toolName, args: (d.input ?? pending.args) as Record<string, unknown> } }
          : { type: "reject" as const, message: `操作员拒绝了此操作 / rejected by the operator${d.message ? `: ${d.message}` : ""}` };
    appendMessage(ctx, pending.conversationId, { role: "operator", content: `[${status}] ${pending.toolName}${d.message ? `: ${d.message}` : ""}` });
    return this.run(ctx, pending.conversationId, new Command({ resume: { decisions: [decision] } }), onEvent);
  }

  private async run(ctx: Ctx, conversationId: string, input: unknown, onEvent?: (e: AgentEvent) => void): Promise<ChatResult> {
    const context: RunContext = { ctx, turn: { invalidInputs: 0 } };
    // Checkpoint once, when the run ends or pauses for approval, not after every step: per-step
    // writes were ~40% of an offline turn. A crash mid-turn loses that turn only; a decided
    // approval is claimed in agent_approvals before resuming, so it cannot run twice.
    const config = { configurable: { thread_id: conversationId }, context, recursionLimit: 25, durability: "exit" as const };
    const stream = await this.graph.stream(input as never, { ...config, streamMode: ["updates", "messages"] });
    for await (const [mode, chunk] of stream as AsyncIterable<[string, any]>) {
      if (!onEvent) continue;
      if (mode === "messages") {
        const [msg] = chunk as [BaseMessage];
        if (AIMessageChunk.isInstance(msg) && typeof msg.content === "string" && msg.content) onEvent({ type: "token", text: msg.content });
      } else for (const update of Object.values(chunk ?? {}) as { messages?: BaseMessage[] }[]) {
        for (const m of update?.messages ?? []) {
          if (AIMessage.isInstance(m)) for (const c of m.tool_calls ?? []) onEvent({ type: "tool_call", id: c.id ?? "", name: c.name, input: c.args });
          if (ToolMessage.isInstance(m)) onEvent({ type: "tool_result", id: m.tool_call_id, name: m.name ?? "", status: m.status ?? "success", output: parseContent(m.content) });
        }
      }
    }
    const state = (await this.graph.getState({ configurable: { thread_id: conversationId } } as never)) as unknown as { values: { messages: BaseMessage[] }; tasks: { interrupts?: { value: unknown }[] }[] };
    const turn = currentTurn(state.values.messages as BaseMessage[]);
    const request = state.tasks.flatMap((t) => t.interrupts ?? []).map((i) => i.value as HITLRequest)[0];
    const pendingIds = new Set<string>();
    let pendingApproval: ChatResult["pendingApproval"];
    if (request) {
      const action = request.actionRequests[0]!;
      const last = [...turn].reverse().find((m) => AIMessage.isInstance(m) && m.tool_calls?.length) as AIMessage | undefined;
      const call = last?.tool_calls?.find((c) => c.name === action.name);
      if (call?.id) pendingIds.add(call.id);
      pendingApproval = { ...recordApproval(ctx, conversationId, action.name, action.args), description: action.description ?? "" };
      onEvent?.({ type: "approval", approval: pendingApproval });
    }
    const toolCalls = toolCallsOf(turn, pendingIds);
    const cards = cardsOf(toolCalls);
    const reply = pendingApproval
      ? `等待审批：${pendingApproval.tool}（审批编号 ${pendingApproval.id}）。批准、修改或拒绝后我再继续。 / Waiting for your approval of ${pendingApproval.tool} (approval ${pendingApproval.id}); approve, edit or reject it and I will continue.`
      : replyOf(turn);
    appendMessage(ctx, conversationId, { role: "agent", content: reply, toolCalls, cards });
    const trace = traceOf(turn);
    return { conversationId, model: this.info, reply, toolCalls, cards, ...(pendingApproval ? { pendingApproval } : {}), ...(trace ? { trace } : {}) };
  }
}
