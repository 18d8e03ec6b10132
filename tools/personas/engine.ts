import { mulberry32, type Rng } from "../../lib/prng.ts";
import type { Prompts } from "../../lib/prompts.ts";
import type { LoreEntry, PersonaLanguage, StyleBank } from "./card.ts";
import { displayName, type Persona } from "./library.ts";
import { closestExample, loreAskedAbout } from "./lore.ts";
import { lexicons, type Analysis } from "./understand.ts";

/**
 * The offline persona engine: a reply from the message's intent, the persona's style bank (its
 * own `extensions.flywheel.style`, or the neutral one for a card made elsewhere), its example
 * dialogues and lorebook, and what it remembers of the user; it asks back when it has not just
 * asked. Deterministic for a seed, so a test (and a replayed request) gets the same words.
 */

export const OFFLINE_PERSONA_MODEL = "flywheel-persona-offline-1";

export type EngineInput = {
  persona: Persona;
  lang: PersonaLanguage;
  message: string;
  analysis: Analysis;
  /** The user's name, from the pinned memory. */
  userName?: string;
  /** Pinned facts (as the user sees them), newest last. */
  facts: string[];
  /** The persona's recent replies, to avoid saying the same line again. */
  recentReplies: string[];
  /** How many turns the chat has had (a returning user is greeted differently). */
  turn: number;
  seed: number;
  temperature: number;
  song?: { title: string } | { error: string };
};

/** Fills the card macros ({{char}}, {{user}}, any case) and our slots; unknown slots are left as written. */
export function macros(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, k: string) => vars[k.toLowerCase()] ?? whole);
}

/**
 * A lorebook entry said in the persona's own voice: its `extensions.flywheel.reply` in the chat's
 * language when the card gives one, else its content with {{char}} read as "I".
 */
function loreLine(e: LoreEntry, lang: PersonaLanguage): string | undefined {
  const own = (e.extensions?.["flywheel"] as { reply?: Partial<Record<PersonaLanguage, string>> } | undefined)?.reply?.[lang];
  if (own) return own;
  const zh = /\p{Script=Han}/u.test(e.content);
  if ((lang === "zh") !== zh) return undefined;
  if (lang === "zh") return e.content.replace(/\{\{char\}\}的/gi, "我的").replace(/\{\{char\}\}/gi, "我");
  return e.content
    .replace(/\{\{char\}\}'s/gi, "my")
    .replace(/\{\{char\}\} is\b/gi, "I'm")
    .replace(/\{\{char\}\} has\b/gi, "I've")
    .replace(/\{\{char\}\}/gi, "I")
    .replace(/(^|[.!?]\s+)my\b/g, (_, p: string) => `${p}My`);
}

/** The first line (in a seeded order) not said recently; temperature 0 keeps the bank's order. */
function choose(rng: Rng, lines: readonly string[], recent: string[], temperature: number): string {
  const order = lines.map((l, i) => ({ l, k: temperature > 0 ? rng() : i }));
  order.sort((a, b) => a.k - b.k);
  return (order.find((o) => !recent.some((r) => r.includes(o.l))) ?? order[0]!).l;
}

const joiner = (lang: PersonaLanguage) => (lang === "zh" ? "" : " ");

/** One reply; `variant` > 0 gives the n-th alternative (OpenAI's `n`). */
export function offlineReply(prompts: Prompts, input: EngineInput, variant = 0): string {
  const { persona, lang, analysis: a } = input;
  const lex = lexicons(prompts)[lang].lex;
  const bank: StyleBank = persona.flywheel.style[lang] ?? lex.neutral;
  const rng = mulberry32((input.seed ^ Math.imul(variant + 1, 0x9e3779b9)) >>> 0);
  const recent = input.recentReplies;
  const say = (k: keyof StyleBank) => choose(rng, bank[k], recent, input.temperature + variant);
  const parts: string[] = [];
  const facts = input.facts.filter((f) => !input.userName || !f.includes(input.userName));
  const recall = () => facts.length > 0 && parts.push(macros(say("recall"), { fact: facts[Math.floor(rng() * facts.length)] }));
  const askBack = () => !parts.some((p) => /[?？]\s*$/.test(p)) && parts.push(say("ask_back"));

  switch (a.intent) {
    case "sing":
      if (input.song && "title" in input.song) parts.push(macros(say("sing_intro"), { title: input.song.title }));
      else parts.push(macros(lex.songFailed, { reason: input.song && "error" in input.song ? input.song.error : "" }));
      break;
    case "farewell":
      parts.push(say("farewell"));
      break;
    case "recall":
      // Asked what it remembers: the name (as the memory has it now), then another fact, else it asks.
      if (input.userName) parts.push(macros(lex.nameRecall, { name: input.userName }));
      if (!recall() && !input.userName) askBack();
      break;
    case "name":
      parts.push(macros(say("name_ack"), { name: a.name }));
      askBack();
      break;
    case "sad":
      parts.push(say("comfort"));
      break;
    case "who":
      parts.push(say("self_intro"));
      break;
    case "taste": {
      parts.push(macros(say("taste_ack"), { taste: a.taste!.text }));
      const genre = a.taste!.genre;
      if (genre && persona.flywheel.music.genres.includes(genre)) parts.push(macros(lex.alsoLike, { genre: lex.genreNames[genre] ?? genre }));
      askBack();
      break;
    }
    case "greet":
      parts.push(say("greet"));
      if (input.turn > 0) recall();
      break;
    default: {
      const lore = loreAskedAbout(persona.card.data.character_book, input.message)
        .map((e) => loreLine(e, lang))
        .filter((l): l is string => !!l);
      const example = closestExample(persona.card, input.message, lang);
      if (lore.length) parts.push(lore[variant % lore.length]!);
      else if (example && variant === 0) parts.push(example.char);
      else parts.push(say("fallback"));
      if (input.turn % 3 === 2) recall();
      else if (a.intent !== "question") askBack();
    }
  }
  const vars = { char: displayName(persona, lang), user: input.userName ?? lex.userFallback };
  // A slot at the start of an English sentence ("{{taste}}? Great taste.") keeps the user's lower case otherwise.
  const filled = parts.map((p) => macros(p, vars).trim());
  return (lang === "en" ? filled.map((p) => p.replace(/^[a-z]/, (c) => c.toUpperCase())) : filled).join(joiner(lang));
}

/** n replies, each a different alternative where the banks allow. */
export function offlineReplies(prompts: Prompts, input: EngineInput, n: number): string[] {
  const out: string[] = [];
  for (let v = 0; out.length < n; v++) {
    const r = offlineReply(prompts, { ...input, recentReplies: [...input.recentReplies, ...out] }, v);
    if (!out.includes(r) || v >= n * 4) out.push(r);
  }
  return out;
}
