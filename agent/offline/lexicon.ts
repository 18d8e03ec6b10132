import { pinyin } from "pinyin-pro";
import { promptJson, type Prompts } from "../../lib/prompts.ts";

type Words = { zh?: string[]; en?: string[] };
type Label = { zh: string; en: string };
export type LexEvent = Words & { concept: string; names: string[]; label: Label; money?: boolean };
export type LexValue = Words & { value: unknown; aliases: unknown[]; label: Label };
export type LexTrait = { concept: string; names: string[]; label: Label; values: LexValue[]; groups?: (Words & { values: unknown[] })[]; ranges?: boolean };
export type Lexicon = {
  events: LexEvent[];
  traits: LexTrait[];
  genres: { property: string[]; values: (Words & { value: string })[] };
  rfm: Record<string, Words>;
  lifecycle: Record<string, Words>;
  scores: Record<string, Words & { high?: number; low?: number; label: Label }>;
  words: Record<string, Words>;
  intents: Record<string, Words>;
  fillers: Words;
};

/** The catalog the `catalog` tool returns: the names this workspace really uses. */
export type Catalog = {
  workspace: string;
  timezone: string;
  now: string;
  today: string;
  events: { name: string; count: number; properties: { name: string; topValues: { value: unknown }[] }[] }[];
  traits: { key: string; topValues: { value: unknown }[] }[];
};

const cache = new WeakMap<Prompts, Lexicon>();
export function loadLexicon(prompts: Prompts): Lexicon {
  let l = cache.get(prompts);
  if (!l) cache.set(prompts, (l = promptJson<Lexicon>(prompts, "operator/lexicon.json")));
  return l;
}

/** Lowercase, no separators: `order_paid`, `orderPaid` and `Order Paid` compare equal. */
export const squash = (s: string) => s.toLowerCase().replace(/[\s_\-.]/g, "");
const py = (s: string) => pinyin(s, { toneType: "none", separator: "", nonZh: "consecutive" }).toLowerCase();

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

export type Binding = { name: string; how: "name" | "squashed" | "pinyin" | "fuzzy" };

/**
 * The catalog name a concept stands for in this workspace: one of its known names exactly, then
 * ignoring case and separators, then a name spelled in pinyin of its Chinese words, then the
 * closest name within a small edit distance. Undefined when the workspace has no such thing.
 */
export function bindName(candidates: readonly string[], names: readonly string[], zhWords: readonly string[] = []): Binding | undefined {
  for (const n of names) if (candidates.includes(n)) return { name: n, how: "name" };
  const squashed = new Map(candidates.map((c) => [squash(c), c]));
  for (const n of names) {
    const hit = squashed.get(squash(n));
    if (hit) return { name: hit, how: "squashed" };
  }
  for (const w of zhWords) {
    const hit = squashed.get(py(w));
    if (hit) return { name: hit, how: "pinyin" };
  }
  let best: Binding | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const sc = squash(c);
    for (const n of names) {
      const sn = squash(n);
      if (sn.length < 4) continue;
      const d = editDistance(sc, sn);
      if (d < bestD && d <= Math.floor(sn.length / 4)) (bestD = d), (best = { name: c, how: "fuzzy" });
    }
  }
  return best;
}

/** The stored value a lexicon value stands for, with its JSON type, among the catalog's values. */
export function bindValue(catalogValues: readonly unknown[], v: LexValue): unknown {
  for (const a of v.aliases) if (catalogValues.some((c) => c === a)) return a;
  const lower = v.aliases.filter((a) => typeof a === "string").map((a) => (a as string).toLowerCase());
  const hit = catalogValues.find((c) => typeof c === "string" && lower.includes(c.toLowerCase()));
  return hit !== undefined ? hit : catalogValues.length ? undefined : v.value;
}
