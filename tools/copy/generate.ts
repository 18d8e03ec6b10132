import type { z } from "zod";
import { fill, promptJson, type Prompts } from "../../lib/prompts.ts";
import { fnv1a } from "../../lib/ids.ts";
import { mulberry32, shuffled } from "../../lib/prng.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { audienceProfile, resolveAudience, type AudienceProfile } from "./audience.ts";
import { DEFAULT_TAG_LENGTH, checkCopy, type CheckOptions, type CopyParts } from "./check.ts";
import { CopyInput, HOOKS, type Channel, type CopyResult, type Hook, type Language, type Theme } from "./schema.ts";

/**
 * Template-based copy (no LLM): per variant a hook, a template from prompts/copy/<channel>.json
 * and phrasings from prompts/copy/lexicon.json, picked by the seed; slots filled; optional clauses
 * dropped right to left until checkCopy passes. A variant that cannot fit comes back with
 * `ok: false` and its failing checks, never cut mid-word.
 */

type PartKey = "title" | "subject" | "preheader" | "body";
type Template = Partial<Record<PartKey, string>> & { fields?: Record<string, string> };
type ChannelFile = { frame?: Partial<Record<Language, Partial<Record<PartKey, string>>>> } & Record<Language, Record<Hook, Template[]>>;
type ThemeLex = { event: string; product: string; lead: string[]; offer: string[]; perk: string[]; cta: string[] };
type Lexicon = {
  genres: Record<string, Record<Language, string>>;
} & Record<Language, { fallbackName: string; until: string[]; themes: Record<Theme, ThemeLex> }>;

export const copyLexicon = (prompts: Prompts) => promptJson<Lexicon>(prompts, "copy/lexicon.json");

/** Genre codes, and their labels in lower case, to codes: how traits and events may spell a genre. */
export function genreAliases(prompts: Prompts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, labels] of Object.entries(copyLexicon(prompts).genres)) {
    out[code] = code;
    for (const l of Object.values(labels)) out[l.toLowerCase()] = code;
  }
  return out;
}

type Vars = Record<string, string | undefined>;
type Seg = { text: string; optional: boolean; slots: string[] };
type Part = { key: string; segs: Seg[]; kept: boolean[]; frame?: string };

const slotsOf = (t: string) => [...t.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
const has = (vars: Vars, slots: string[]) => slots.every((s) => vars[s] !== undefined && vars[s] !== "");
const RICH = ["genre", "offer", "deal", "until"];
/** A hook's point: when the input gives it (an offer, a deadline), a template of that hook must say it. */
const CORE: Partial<Record<Hook, { given: string; slots: string[] }>> = {
  benefit: { given: "deal", slots: ["offer", "deal"] },
  urgency: { given: "deadline", slots: ["until", "deadline"] },
};

function segments(t: string): Seg[] {
  return t
    .split(/(\[\[[\s\S]*?\]\])/)
    .filter((s) => s !== "")
    .map((s) => {
      const optional = s.startsWith("[[") && s.endsWith("]]");
      const text = optional ? s.slice(2, -2) : s;
      return { text, optional, slots: slotsOf(text) };
    });
}

/** Uppercases the first letter of each English sentence (lexicon phrases are written lower case). */
const sentenceCase = (s: string) => s.replace(/(^|[.!?]\s+)([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());


type Built = { copy: CopyParts & { body: string }; result: ReturnType<typeof checkCopy> };

/** Fills one template and drops optional clauses of the failing parts until the checks pass. */
function build(channel: Channel, tpl: Template, vars: Vars, frame: Partial<Record<PartKey, string>>, lang: Language, opts: CheckOptions): Built | undefined {
  const entries: [string, string][] = [
    ...(["title", "subject", "preheader", "body"] as const).filter((k) => tpl[k] !== undefined).map((k) => [k, tpl[k]!] as [string, string]),
    ...Object.entries(tpl.fields ?? {}).map(([k, v]) => [`fields.${k}`, v] as [string, string]),
  ];
  const parts: Part[] = [];
  for (const [key, text] of entries) {
    const segs = segments(text);
    if (segs.some((s) => !s.optional && !has(vars, s.slots))) return undefined;
    parts.push({ key, segs, kept: segs.map((s) => !s.optional || has(vars, s.slots)), frame: frame[key as PartKey] });
  }
  const filled = vars as Record<string, string>;
  const render = (p: Part) => {
    let text = p.segs.filter((_, i) => p.kept[i]).map((s) => fill(s.text, filled)).join("");
    if (lang === "en") text = sentenceCase(text);
    return p.frame ? fill(p.frame, { ...filled, text }) : text;
  };
  for (;;) {
    const copy: CopyParts & { body: string } = { body: "" };
    for (const p of parts) {
      if (p.key.startsWith("fields.")) (copy.fields ??= {})[p.key.slice(7)] = render(p);
      else copy[p.key as PartKey] = render(p);
    }
    if (channel === "wechat") copy.body = Object.values(copy.fields ?? {}).join("\n");
    const result = checkCopy(channel, copy, opts);
    if (result.ok) return { copy, result };
    let dropped = false;
    for (const key of new Set(result.checks.filter((c) => !c.ok && c.part).map((c) => c.part!))) {
      const p = parts.find((x) => x.key === key);
      if (!p) continue;
      let i = p.segs.length - 1;
      while (i >= 0 && !(p.kept[i] && p.segs[i]!.optional)) i--;
      if (i >= 0) (p.kept[i] = false), (dropped = true);
    }
    if (!dropped) return { copy, result };
  }
}

/** Generates `variants` pieces of copy for one channel and theme, each with a different hook. */
export function generateCopy(ctx: Ctx, input: z.input<typeof CopyInput>): CopyResult {
  const q = CopyInput.parse(input);
  const lang = q.language;
  const lex = copyLexicon(ctx.prompts);
  const file = promptJson<ChannelFile>(ctx.prompts, `copy/${q.channel}.json`);
  const wsName = getWorkspace(ctx.db, ctx.workspaceId).name;

  let audience: AudienceProfile | undefined;
  if (q.segmentId !== undefined || q.definition !== undefined) {
    const definition = resolveAudience(ctx, q);
    audience = audienceProfile(ctx, definition, genreAliases(ctx.prompts));
  }
  const genre = audience?.preferredGenre ? (lex.genres[audience.preferredGenre]?.[lang] ?? audience.preferredGenre) : undefined;
  const fallbackName = lex[lang].fallbackName;
  const tagLength = audience?.longestName ?? DEFAULT_TAG_LENGTH;
  const opts: CheckOptions = { language: lang, maxParts: q.maxParts, mergeTagLength: tagLength, mergeTagSource: audience?.longestName != null ? "audience" : "allowance" };

  const theme = lex[lang].themes[q.theme];
  const brand = q.brand ?? wsName;
  const base: Vars = { brand, product: q.product ?? theme.product, deal: q.offer, deadline: q.deadline, genre, signature: q.signature ?? brand, name: `{{name|${fallbackName}}}` };
  const phrase = (t: string) => (has(base, slotsOf(t)) ? fill(t, base as Record<string, string>) : undefined);
  const lists = { lead: theme.lead, offer: theme.offer, perk: theme.perk, cta: theme.cta, until: lex[lang].until };

  const n = q.variants ?? q.hooks?.length ?? 3;
  const hooks = (q.hooks ?? HOOKS).slice(0, n);
  const variants = hooks.map((hook, v) => {
    const rng = mulberry32(fnv1a(`${q.seed}:${v}:${hook}:${q.channel}:${q.theme}:${lang}`));
    const start = Object.fromEntries(Object.entries(lists).map(([k, l]) => [k, Math.floor(rng() * l.length)]));
    const varsAt = (r: number): Vars => {
      const vars: Vars = { ...base, event: phrase(theme.event) };
      for (const [k, l] of Object.entries(lists)) {
        const usable = l.map(phrase).filter((x): x is string => x !== undefined);
        vars[k] = usable.length ? usable[(start[k]! + r) % usable.length] : undefined;
      }
      return vars;
    };
    const richness = (t: Template) =>
      texts(t)
        .flatMap((s) => segments(s).filter((x) => !x.optional))
        .flatMap((x) => x.slots)
        .filter((s) => RICH.includes(s)).length;
    const texts = (t: Template) => [t.title, t.subject, t.preheader, t.body, ...Object.values(t.fields ?? {})].filter((x): x is string => !!x);
    const core = CORE[hook];
    const says = (t: Template) => !core || base[core.given] === undefined || texts(t).some((x) => slotsOf(x).some((s) => core.slots.includes(s)));
    const vars0 = varsAt(0);
    const templates = shuffled(rng, file[lang][hook].filter(says)).sort((a, b) => richness(b) - richness(a));
    let fallback: Built | undefined;
    for (const tpl of templates) {
      for (let r = 0; r < 3; r++) {
        const built = build(q.channel, tpl, r ? varsAt(r) : vars0, file.frame?.[lang] ?? {}, lang, opts);
        if (built?.result.ok) return { hook, built };
        fallback ??= built;
      }
    }
    return { hook, built: fallback };
  });

  return {
    channel: q.channel,
    theme: q.theme,
    language: lang,
    variants: variants.map(({ hook, built }) =>
      built
        ? { hook, ...built.copy, chars: built.result.chars, ...(built.result.parts === undefined ? {} : { parts: built.result.parts }), checks: built.result.checks, ok: built.result.ok }
        : { hook, body: "", chars: 0, checks: [{ rule: "template", ok: false, detail: `没有适用的模板 / no ${q.channel} template for ${hook} fits this input` }], ok: false },
    ),
    mergeTags: [{ tag: "name", fallback: fallbackName, countedAs: Math.max(tagLength, [...fallbackName].length), source: opts.mergeTagSource! }],
    ...(audience
      ? { audience: { ...audience, preferredGenreLabel: genre ?? null } }
      : {}),
  };
}
