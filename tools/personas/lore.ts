import type { CharacterBook, LoreEntry, PersonaCard, PersonaLanguage } from "./card.ts";
import { countTokens, detectLanguage, overlap, terms } from "./text.ts";

/**
 * The card's own knowledge: lorebook (world info) entries triggered by keywords in the recent
 * chat, and the example dialogues of `mes_example`. Both follow SillyTavern's reading of the spec.
 */

const DEFAULT_SCAN_DEPTH = 4;
const DEFAULT_BUDGET = 512;

/**
 * A card's regex key runs on every message, and a card can come from anywhere: a group that is
 * quantified and itself holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`), or a back
 * reference, can take exponential time (ReDoS) and would stall the workspace. Such keys never fire.
 */
const RISKY_PATTERN = /\((?:[^()\\]|\\.)*(?:[+*|]|\{\d)(?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d)|\\[1-9]|\\k</;
/** Text scanned per key: the recent messages' tail (a message is at most 4,000 characters). */
const MAX_SCAN = 8_000;

function keyHits(key: string, text: string, caseSensitive: boolean, regex: boolean): boolean {
  if (regex) {
    if (key.length > 500 || RISKY_PATTERN.test(key)) return false;
    const m = /^\/(.+)\/([a-z]*)$/s.exec(key);
    try {
      return new RegExp(m ? m[1]! : key, m ? m[2]!.replace(/[gy]/g, "") : caseSensitive ? "u" : "iu").test(text);
    } catch {
      return false; // a card's broken pattern never breaks a chat
    }
  }
  return caseSensitive ? text.includes(key) : text.toLowerCase().includes(key.toLowerCase());
}

const fires = (e: LoreEntry, text: string) => {
  if (e.enabled === false) return false;
  if (e.constant) return true;
  const hit = (keys: string[] | undefined) => (keys ?? []).some((k) => k.trim() && keyHits(k, text, !!e.case_sensitive, !!e.use_regex));
  if (!hit(e.keys)) return false;
  return !e.selective || !e.secondary_keys?.length || hit(e.secondary_keys);
};

/**
 * The entries the recent messages trigger (the book's scan depth; constant ones always), in
 * insertion order, within the book's token budget.
 */
export function triggeredLore(book: CharacterBook | undefined, recent: string[]): LoreEntry[] {
  if (!book?.entries.length) return [];
  const text = recent.slice(-(book.scan_depth ?? DEFAULT_SCAN_DEPTH)).join("\n").slice(-MAX_SCAN);
  const budget = book.token_budget || DEFAULT_BUDGET;
  const hits = book.entries.filter((e) => fires(e, text)).sort((a, b) => (a.insertion_order ?? 0) - (b.insertion_order ?? 0) || (b.priority ?? 0) - (a.priority ?? 0));
  const out: LoreEntry[] = [];
  let used = 0;
  for (const e of hits) {
    const cost = countTokens(e.content);
    if (used + cost > budget) continue;
    used += cost;
    out.push(e);
  }
  return out;
}

/** Entries the message itself triggers (not constant ones): what the user just asked about. */
export const loreAskedAbout = (book: CharacterBook | undefined, message: string) =>
  (book?.entries ?? []).filter((e) => !e.constant && fires(e, message));

export type Example = { user: string; char: string; lang: PersonaLanguage; terms: Set<string> };

const cache = new WeakMap<PersonaCard, Example[]>();

/**
 * The example exchanges in `mes_example` (`<START>` blocks of `{{user}}:` / `{{char}}:` lines, a
 * reply running on until the next speaker), as (user line, reply) pairs.
 */
export function examplesOf(card: PersonaCard): Example[] {
  let list = cache.get(card);
  if (list) return list;
  list = [];
  for (const block of card.data.mes_example.split(/<START>/i)) {
    let speaker: "user" | "char" | undefined;
    let user = "";
    let char = "";
    const flush = () => {
      if (user.trim() && char.trim()) {
        const lang = detectLanguage(user + char);
        list!.push({ user: user.trim(), char: char.trim(), lang, terms: terms(user) });
      }
    };
    for (const line of block.split(/\r?\n/)) {
      const m = /^\s*\{\{(user|char)\}\}\s*[:：]\s*(.*)$/i.exec(line);
      if (m) {
        const who = m[1]!.toLowerCase() as "user" | "char";
        if (who === "user" && char) {
          flush();
          user = char = "";
        }
        if (who === "user") user += (user ? "\n" : "") + m[2];
        else char += (char ? "\n" : "") + m[2];
        speaker = who;
      } else if (speaker && line.trim()) {
        if (speaker === "user") user += `\n${line.trim()}`;
        else char += `\n${line.trim()}`;
      }
    }
    flush();
  }
  cache.set(card, list);
  return list;
}

/** The example whose user line best covers the message (in the chat's language), when it covers enough. */
export function closestExample(card: PersonaCard, message: string, lang: PersonaLanguage, min = 0.34): Example | undefined {
  const q = terms(message);
  let best: Example | undefined;
  let score = min;
  for (const e of examplesOf(card)) {
    if (e.lang !== lang) continue;
    const s = overlap(q, e.terms);
    if (s >= score) ((best = e), (score = s));
  }
  return best;
}
