import type { Prompts } from "../../lib/prompts.ts";
import { dayNumber, dayToIso } from "../../lib/time.ts";
import { LIFECYCLE_STAGES, RFM_CLASSES, type SegmentNode as Node } from "./schema.ts";

export type Lang = "zh" | "en";
type Bi = { zh: string; en: string };
type Scalar = string | number | boolean;

/** The lexicon's words for rendering a definition, keyed by the names a workspace may use. */
export type Labels = {
  events: Map<string, Bi>;
  traits: Map<string, { label: Bi; values: { aliases: Scalar[]; label: Bi }[] }>;
  /** Event properties that hold a genre, and each genre's first word in either language. */
  genreProps: Set<string>;
  genres: Map<string, Bi>;
  scores: Map<string, Bi>;
};

/** One time window a definition reads, as local calendar days (inclusive) in the workspace timezone. */
export type WindowUsed = { path: string; days?: number; from: string; to: string; period?: "current" | "previous" };

export type DescribeOptions = {
  lang: Lang;
  /** Epoch ms the definition is evaluated at: relative windows end on its local day. */
  asOf: number;
  timezone: string;
  labels?: Labels;
  /** Saved segments' names by id, for `inSegment`. */
  segmentNames?: Record<string, string>;
};

type Lexicon = {
  events?: { names?: string[]; label?: Bi }[];
  traits?: { names?: string[]; label?: Bi; values?: { aliases?: Scalar[]; label?: Bi }[] }[];
  genres?: { property?: string[]; values?: { value: string; zh?: string[]; en?: string[] }[] };
  scores?: Record<string, { label?: Bi }>;
};

/** The label lookup from prompts/operator/lexicon.json (parsed or as text); concepts without a label are skipped. */
export function labelsFrom(lexiconJson: unknown): Labels {
  const lex = (typeof lexiconJson === "string" ? JSON.parse(lexiconJson) : lexiconJson) as Lexicon;
  const labels: Labels = { events: new Map(), traits: new Map(), genreProps: new Set(lex.genres?.property ?? []), genres: new Map(), scores: new Map() };
  for (const e of lex.events ?? []) if (e.label) for (const n of e.names ?? []) if (!labels.events.has(n)) labels.events.set(n, e.label);
  for (const t of lex.traits ?? []) {
    if (!t.label) continue;
    const values = (t.values ?? []).filter((v) => v.label).map((v) => ({ aliases: v.aliases ?? [], label: v.label! }));
    for (const n of t.names ?? []) if (!labels.traits.has(n)) labels.traits.set(n, { label: t.label, values });
  }
  for (const g of lex.genres?.values ?? []) labels.genres.set(g.value, { zh: g.zh?.[0] ?? g.value, en: g.en?.[0] ?? g.value });
  for (const [id, s] of Object.entries(lex.scores ?? {})) if (s.label) labels.scores.set(id, s.label);
  return labels;
}

// Parsed once per Prompts object: the Node loader and a Workers bundle each hold their own.
const cache = new WeakMap<Prompts, Labels>();

/** The lexicon's labels for these prompts (throws when the lexicon is missing or not JSON). */
export function labelsFor(prompts: Prompts): Labels {
  let l = cache.get(prompts);
  if (!l) cache.set(prompts, (l = labelsFrom(prompts.text("operator/lexicon.json"))));
  return l;
}

const OP = { eq: "=", neq: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤" } as const;
const humanise = (id: string) => id.replace(/_/g, " ");
const plural = (n: number, one: string) => (n === 1 ? one : `${one}s`);

type Compare = { op: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "in" | "contains" | "exists"; value?: Scalar | Scalar[] };

/**
 * A definition as one sentence in the operator's language, and the windows it reads as dates.
 * Saved segments named by `inSegment` are not expanded: their windows are their own.
 */
export function describeSegment(def: Node, opts: DescribeOptions): { text: string; windows: WindowUsed[] } {
  const { lang, labels } = opts;
  const zh = lang === "zh";
  const today = dayNumber(opts.asOf, opts.timezone);
  const windows: WindowUsed[] = [];
  const paren = (s: string) => (zh ? `（${s}）` : `(${s})`);
  const span = (from: string, to: string) => (from === to ? from : zh ? `${from} 至 ${to}` : `${from} to ${to}`);
  const lastDays = (days: number, path: string) => {
    const from = dayToIso(today - days + 1);
    const to = dayToIso(today);
    windows.push({ path, days, from, to });
    return zh ? `近${days}天${paren(span(from, to))}` : `in the last ${days} ${plural(days, "day")} ${paren(span(from, to))}`;
  };

  const event = (name: string) => labels?.events.get(name)?.[lang];
  const bothEvent = (name: string) => event(name) ?? name;

  /** `name op value`, the values read through `word` (a lexicon label, or as is). */
  const compare = (name: string, c: Compare, word: (v: Scalar) => string) => {
    const v = c.value;
    if (c.op === "exists") return zh ? `${name} 有值` : `${name} is set`;
    if (c.op === "in") return oneOf(name, (v as Scalar[]).map(word));
    if (c.op === "contains") return zh ? `${name} 包含 ${word(v as Scalar)}` : `${name} contains ${word(v as Scalar)}`;
    // An ordering reads better as the number itself ("城市等级 > 1") than as a label.
    const shown = c.op === "eq" || c.op === "neq" ? word(v as Scalar) : String(v);
    return `${name} ${OP[c.op]} ${shown}`;
  };
  const oneOf = (name: string, vals: string[]) =>
    vals.length === 1 ? `${name} = ${vals[0]}` : zh ? `${name} 为 ${vals.join("、")} 之一` : `${name} is one of ${vals.join(", ")}`;

  const trait = (n: Extract<Node, { trait: string }>) => {
    const concept = labels?.traits.get(n.trait);
    const word = (v: Scalar) => concept?.values.find((x) => x.aliases.some((a) => a === v))?.label[lang] ?? String(v);
    return compare(concept?.label[lang] ?? n.trait, n, word);
  };

  const performed = (n: Extract<Node, { performed: string }>, path: string) => {
    const filters = (n.where ?? []).map((w) => {
      const word = (v: Scalar) => (labels?.genreProps.has(w.property) && labels.genres.get(String(v))?.[lang]) || String(v);
      return compare(w.property, w, word);
    });
    // "; " in English: a value list inside one filter already uses commas.
    const where = filters.length ? (zh ? paren(filters.join("，")) : ` ${paren(filters.join("; "))}`) : "";
    const t = n.times ?? { op: "gte" as const, value: 1 };
    let when: string;
    if (!n.within) when = zh ? "累计" : "ever";
    else if ("days" in n.within) when = lastDays(n.within.days, path);
    else {
      const { from, to } = n.within;
      // The compiler counts no day after asOf, so neither does the window reported.
      windows.push({ path, from, to: to > dayToIso(today) ? dayToIso(today) : to });
      if (from === to) when = zh ? `${from} 当天` : `on ${from}`;
      else when = zh ? `${span(from, to)} 期间` : `from ${span(from, to)}`;
    }
    const sum = n.sum ? (zh ? `，金额合计${OP[n.sum.op]}${n.sum.value}` : `, total amount ${OP[n.sum.op]} ${n.sum.value}`) : "";
    const name = bothEvent(n.performed);
    return zh ? `${when}${name}${where}${OP[t.op]}${t.value}次${sum}` : `${name}${where} ${OP[t.op]} ${t.value} ${plural(t.value, "time")} ${when}${sum}`;
  };

  const notPerformed = (n: Extract<Node, { notPerformed: string }>, path: string) => {
    const when = lastDays(n.within.days, path);
    if (zh) return `${when}未${bothEvent(n.notPerformed)}`;
    // Event labels are past participles ("purchased", "opened the app"); a raw name is a noun.
    const label = event(n.notPerformed);
    return label ? `has not ${label} ${when}` : `no ${n.notPerformed} ${when}`;
  };

  const lastActive = ({ op, days }: Extract<Node, { lastActive: unknown }>["lastActive"]) => {
    const d = (k: number) => dayToIso(today - k);
    const bound = {
      gte: zh ? `${d(days)} 或更早` : `on or before ${d(days)}`,
      gt: zh ? `${d(days + 1)} 或更早` : `on or before ${d(days + 1)}`,
      lte: zh ? `${d(days)} 或之后` : `on or after ${d(days)}`,
      lt: zh ? `${d(days - 1)} 或之后` : `on or after ${d(days - 1)}`,
      eq: zh ? d(days) : `on ${d(days)}`,
      neq: zh ? `不在 ${d(days)}` : `not on ${d(days)}`,
    }[op];
    return zh ? `最近一次活跃距今${OP[op]}${days}天${paren(bound)}` : `last active ${OP[op]} ${days} ${plural(days, "day")} ago ${paren(bound)}`;
  };

  const change = ({ event: name, days, op, pct }: Extract<Node, { change: unknown }>["change"], path: string) => {
    windows.push(
      { path, days, from: dayToIso(today - days + 1), to: dayToIso(today), period: "current" },
      { path, days, from: dayToIso(today - 2 * days + 1), to: dayToIso(today - days), period: "previous" },
    );
    const label = event(name);
    if (zh) return `${name === "active_days" ? "活跃天数" : `${label ?? name}次数`}近${days}天比前${days}天${op === "drop" ? "下降" : "上升"}≥${pct}%`;
    const what = name === "active_days" ? "active days" : label ? `times ${label}` : `${name} count`;
    return `${what} ${op === "drop" ? "down" : "up"} ≥ ${pct}% in the last ${days} ${plural(days, "day")} vs the ${days} ${plural(days, "day")} before`;
  };

  const score = (id: string) => labels?.scores.get(id)?.[lang] ?? id;

  const leaf = (n: Exclude<Node, { and: unknown } | { or: unknown } | { not: unknown }>, path: string): string => {
    if ("trait" in n) return trait(n);
    if ("performed" in n) return performed(n, path);
    if ("notPerformed" in n) return notPerformed(n, path);
    if ("lastActive" in n) return lastActive(n.lastActive);
    if ("rfm" in n) return oneOf(zh ? "RFM分类" : "RFM class", n.rfm.map((c) => (zh ? RFM_CLASSES[c] : humanise(c))));
    if ("lifecycle" in n) return oneOf(zh ? "生命周期阶段" : "lifecycle stage", n.lifecycle.map((s) => (zh ? LIFECYCLE_STAGES[s] : humanise(s))));
    if ("score" in n) return `${score(n.score)} ${OP[n.op]} ${n.value}`;
    if ("topPercent" in n) return zh ? `${score(n.topPercent.score)} 前${n.topPercent.pct}%` : `top ${n.topPercent.pct}% by ${score(n.topPercent.score)}`;
    if ("change" in n) return change(n.change, path);
    if ("inSegment" in n) {
      const name = opts.segmentNames?.[n.inSegment];
      if (zh) return name ? `属于分群「${name}」` : `属于分群 ${n.inSegment}`;
      return name ? `in segment "${name}"` : `in segment ${n.inSegment}`;
    }
    const { pct, salt } = n.randomBucket;
    if (zh) return `随机抽样${pct}%${salt ? paren(`盐值 ${salt}`) : ""}`;
    return `random ${pct}% sample${salt ? ` ${paren(`salt ${salt}`)}` : ""}`;
  };

  /** `bare`: the caller already sets this node apart (the top, or inside not's brackets). */
  const node = (n: Node, path: string, bare: boolean): string => {
    const at = (k: string) => (path ? `${path}.${k}` : k);
    if ("and" in n || "or" in n) {
      const [key, kids] = "and" in n ? (["and", n.and] as const) : (["or", n.or] as const);
      if (kids.length === 1) return node(kids[0]!, `${at(key)}[0]`, bare);
      const joined = kids.map((k, i) => node(k, `${at(key)}[${i}]`, false)).join(key === "and" ? (zh ? " 且 " : " and ") : zh ? " 或 " : " or ");
      return bare ? joined : paren(joined);
    }
    if ("not" in n) return zh ? `不满足${paren(node(n.not, at("not"), true))}` : `not ${paren(node(n.not, at("not"), true))}`;
    return leaf(n, path || "(root)");
  };

  const text = node(def, "", true);
  return { text, windows };
}

/** Ids of the saved segments a definition names, for looking up their names. */
export function segmentRefs(def: Node): string[] {
  if ("and" in def) return def.and.flatMap(segmentRefs);
  if ("or" in def) return def.or.flatMap(segmentRefs);
  if ("not" in def) return segmentRefs(def.not);
  return "inSegment" in def ? [def.inSegment] : [];
}
