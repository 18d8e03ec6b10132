import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Prompts } from "../../lib/prompts.ts";
import type { SegmentNode } from "../../tools/segments/schema.ts";
import { messageText, parseContent } from "../transcript.ts";
import { composer } from "./compose.ts";
import { loadLexicon, type Catalog } from "./lexicon.ts";
import { understand, type Understanding } from "./understand.ts";

const text = messageText;
const json = (m: BaseMessage) => {
  const v = parseContent(text(m));
  return typeof v === "string" ? undefined : v;
};

/** The tool call that carries out what was understood, or undefined for a plain answer. */
function callFor(u: Understanding): { name: string; args: Record<string, unknown> } | undefined {
  switch (u.action) {
    case "preview":
      return { name: "segments_preview", args: { definition: u.definition, sample: 10 } };
    case "analytics":
      return { name: "analytics", args: u.input };
    case "copy":
      return { name: "copy_generate", args: u.input };
    case "save":
      return { name: "segments_save", args: u.input };
    case "list_segments":
      return { name: "segments_list", args: {} };
    case "lookup":
      return { name: "user_lookup", args: { id: u.id } };
    case "billing_overview":
      return { name: "billing_overview", args: {} };
    case "grant_credits":
      return { name: "grant_credits", args: u.input };
    default:
      return undefined;
  }
}

/**
 * The built-in offline model: a LangChain chat model whose "thinking" is code. Each operator
 * message goes: look up the workspace's catalog → understand the message against the lexicon and
 * that catalog → call the one tool that does it → answer from the tool's result. It reads only the
 * operator's messages for intent; tool results are data it reports, never instructions it follows.
 */
export class OfflineModel extends BaseChatModel {
  static readonly NAME = "flywheel-offline-1";
  private readonly prompts: Prompts;
  private seq = 0;

  constructor(fields: BaseChatModelParams & { prompts: Prompts }) {
    super(fields);
    this.prompts = fields.prompts;
  }

  _llmType() {
    return "flywheel-offline";
  }

  // Tools are known from the conversation itself; binding changes nothing.
  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const msg = this.respond(messages);
    return { generations: [{ text: text(msg), message: msg }] };
  }

  private respond(messages: BaseMessage[]): AIMessage {
    let h = messages.length - 1;
    while (h >= 0 && !HumanMessage.isInstance(messages[h])) h--;
    const operator = h >= 0 ? text(messages[h]!) : "";
    const lang = /[\u4e00-\u9fff]/.test(operator) ? "zh" : "en";
    const say = composer(this.prompts, lang);
    const turn = messages.slice(h + 1);
    const last = turn.at(-1);
    const id = () => `offline_${Date.now().toString(36)}_${++this.seq}`;
    const call = (name: string, args: Record<string, unknown>, trace?: unknown) =>
      new AIMessage({ id: id(), content: "", tool_calls: [{ id: id(), name, args, type: "tool_call" }], additional_kwargs: trace ? { trace } : {} });
    const answer = (content: string) => new AIMessage({ id: id(), content });

    if (!last) return call("catalog", { top: 20 });
    if (!ToolMessage.isInstance(last)) return answer("");
    if (last.name === "catalog" && last.status !== "error") {
      const cat = json(last) as Catalog;
      const history = messages.slice(0, h);
      // Follow-ups refine the last audience, or re-run the last analysis if it came after it.
      const audience = latestCall(history, ["segments_preview", "segments_save"])?.args.definition as SegmentNode | undefined;
      const prior = latestCall(history, ["analytics", "segments_preview"]);
      const { u, scan } = understand(operator, loadLexicon(this.prompts), cat, audience, prior?.name === "analytics" ? prior.args : undefined);
      const trace = { lang, phrases: scan.mentions.map((m) => ({ text: m.text, source: m.source })), unknown: scan.unknown, understood: u.action };
      const c = callFor(u);
      if (c) return call(c.name, c.args, trace);
      const reply = u.action === "help" ? say.t("help") : say.unknown("", scan.unknown);
      return new AIMessage({ id: id(), content: reply, additional_kwargs: { trace } });
    }
    if (last.status === "error") {
      const content = text(last);
      if (/rejected|拒绝|reject/i.test(content) && !/invalid|无效/i.test(content)) return answer(say.t("rejected", { tool: last.name ?? "" }));
      return answer(say.t("toolError", { tool: last.name ?? "", message: content.slice(0, 300) }));
    }
    const out = json(last) ?? {};
    const ignored = (turn.map((m) => (m as AIMessage).additional_kwargs?.trace as { unknown?: string[] } | undefined).find((t) => t?.unknown)?.unknown ?? []) as string[];
    switch (last.name) {
      case "segments_preview":
        return answer(say.audience(out, ignored));
      case "analytics":
        return answer(say.analytics(out));
      case "copy_generate":
        return answer(say.copy(out));
      case "segments_save":
        return answer(say.t("saved", { name: out.name, id: out.id, count: out.count ?? "—" }));
      case "campaign_draft":
        return answer(say.t("draft", { name: out.name, id: out.id }));
      case "segments_list":
        return answer(say.segments(out));
      case "user_lookup":
        return answer(say.profile(out));
      case "billing_overview":
        return answer(say.billing(out));
      case "grant_credits":
        return answer(say.t("granted", { user: out.grant?.userId ?? "", credits: out.grant?.credits ?? "—", feature: out.grant?.feature ?? "", id: out.grant?.id ?? "" }));
      default:
        return answer(text(last).slice(0, 500));
    }
  }
}

/** The latest tool call among `names` in the conversation before this turn. */
function latestCall(history: BaseMessage[], names: string[]) {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (!AIMessage.isInstance(m)) continue;
    const c = [...(m.tool_calls ?? [])].reverse().find((x) => names.includes(x.name));
    if (c) return c;
  }
  return undefined;
}
