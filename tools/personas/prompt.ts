import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { fill, promptJson, type Prompts } from "../../lib/prompts.ts";
import type { PersonaLanguage } from "./card.ts";
import { macros } from "./engine.ts";
import { displayName, type Persona } from "./library.ts";
import { triggeredLore } from "./lore.ts";

/**
 * The messages an OpenAI-compatible model gets for one persona turn, in SillyTavern's order: the
 * main prompt (prompts/personas/system.md, standing in for `{{original}}` in the card's own
 * system_prompt), description, personality, scenario, triggered world info, pinned facts, the
 * summary and the example dialogues; then the recent chat and the new message; then the card's
 * post-history instructions.
 */

type Sections = Record<"description" | "personality" | "scenario" | "lore" | "facts" | "summary" | "examples", string> & { languageName: Record<PersonaLanguage, string> };

export type PromptInput = {
  persona: Persona;
  lang: PersonaLanguage;
  userName?: string;
  facts: string[];
  summary: string;
  history: { role: "user" | "assistant"; content: string }[];
  message: string;
};

export function personaMessages(prompts: Prompts, p: PromptInput): ChatCompletionMessageParam[] {
  const d = p.persona.card.data;
  const s = promptJson<Sections>(prompts, "personas/sections.json");
  const vars = { char: displayName(p.persona, p.lang), user: p.userName ?? (p.lang === "zh" ? "用户" : "the user") };
  const main = fill(prompts.text("personas/system.md"), { ...vars, languageName: s.languageName[p.lang] }).trim();
  // The spec: a card's system_prompt replaces the main prompt, {{original}} in it standing for the main
  // prompt. Ours carries the safety rules, so it stays in front when the card leaves {{original}} out.
  const system = d.system_prompt.trim() ? macros(d.system_prompt, { ...vars, original: main }) : main;
  const lore = triggeredLore(d.character_book, [...p.history.map((m) => m.content), p.message]);
  const section = (heading: string, body: string) => (body.trim() ? `${fill(heading, vars)}\n${macros(body.trim(), vars)}` : "");
  const head = [
    system.includes(main) ? system : `${main}\n\n${system}`,
    section(s.description, d.description),
    section(s.personality, d.personality),
    section(s.scenario, d.scenario),
    section(s.lore, lore.map((e) => e.content).join("\n")),
    section(s.facts, p.facts.map((f) => `- ${f}`).join("\n")),
    section(s.summary, p.summary),
    section(s.examples, d.mes_example),
  ].filter(Boolean);
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: head.join("\n\n") }];
  for (const m of p.history) messages.push({ role: m.role, content: m.content });
  messages.push({ role: "user", content: p.message });
  if (d.post_history_instructions.trim()) messages.push({ role: "system", content: macros(d.post_history_instructions, { ...vars, original: "" }).trim() });
  return messages;
}
