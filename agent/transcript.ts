import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";

export type ToolCallView = { id: string; name: string; input: unknown; output: unknown; status: "ok" | "error" | "pending" | "rejected" };

/** A tool message's content as the JSON it holds, or as it is when it is not JSON. */
export const parseContent = (s: unknown) => {
  if (typeof s !== "string") return s;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

/** A message's text, whether its content is a string or a list of parts. */
export const messageText = (m: BaseMessage) => (typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join(""));

/** Messages since the operator's last message: the current turn, however many runs it took. */
export function currentTurn(messages: readonly BaseMessage[]): BaseMessage[] {
  let i = messages.length - 1;
  while (i >= 0 && !HumanMessage.isInstance(messages[i])) i--;
  return messages.slice(i + 1);
}

/** Every tool call of a turn with its input and its result (or its approval status). */
export function toolCallsOf(turn: readonly BaseMessage[], pendingIds: ReadonlySet<string> = new Set()): ToolCallView[] {
  const results = new Map<string, ToolMessage>();
  for (const m of turn) if (ToolMessage.isInstance(m)) results.set(m.tool_call_id, m);
  const calls: ToolCallView[] = [];
  for (const m of turn) {
    if (!AIMessage.isInstance(m)) continue;
    for (const c of m.tool_calls ?? []) {
      const id = c.id ?? "";
      const r = results.get(id);
      const status = r ? (r.status === "error" ? (/rejected|拒绝/i.test(String(r.content)) ? "rejected" : "error") : "ok") : pendingIds.has(id) ? "pending" : "error";
      calls.push({ id, name: c.name, input: c.args, output: r ? parseContent(r.content) : null, status });
    }
  }
  return calls;
}

/** The text of the turn's last model message without tool calls: the reply. */
export function replyOf(turn: readonly BaseMessage[]): string {
  for (let i = turn.length - 1; i >= 0; i--) {
    const m = turn[i]!;
    if (AIMessage.isInstance(m) && !m.tool_calls?.length) return messageText(m);
  }
  return "";
}

/** The offline model's phrase trace, when it left one on its messages. */
export function traceOf(turn: readonly BaseMessage[]): unknown {
  for (let i = turn.length - 1; i >= 0; i--) {
    const t = (turn[i] as AIMessage).additional_kwargs?.trace;
    if (t) return t;
  }
  return undefined;
}
