import type { SegmentNode } from "../../tools/segments/schema.ts";
import type { Catalog, Lexicon } from "./lexicon.ts";
import { isKind, scan, type Mention, type Scan } from "./scan.ts";

type Node = SegmentNode & Record<string, unknown>;
const CMP = new Set(["gte", "gt", "lte", "lt", "eq"]);
/** Words that say the number is money spent, not a count: 消费满300, spent at least 300. */
const SPEND = /消费|花|spent|spend|spending/;

/** What the operator asked for, decided by code from the phrases found. */
export type Understanding =
  | { action: "preview"; definition: SegmentNode; followUp: boolean }
  | { action: "analytics"; input: Record<string, unknown> }
  | { action: "copy"; input: Record<string, unknown> }
  | { action: "save"; input: { name: string; definition: SegmentNode } }
  | { action: "list_segments" }
  | { action: "lookup"; id: string }
  | { action: "billing_overview" }
  | { action: "grant_credits"; input: Record<string, unknown> }
  | { action: "help" }
  | { action: "unknown"; reason: string };

/** Conditions from the mentions, in the order they were said; `or` between two joins them. */
function conditions(s: Scan): Node[] {
  const ms = s.mentions;
  const nodes: { node: Node; at: number }[] = [];
  let lastTime: Extract<Mention, { k: "time" }> | undefined;
  let negate = false;
  let orNext = false;
  const windowOf = (i: number) => {
    if (lastTime) return lastTime.m.window;
    const later = ms.slice(i + 1).find((m) => m.k === "time");
    return isKind(later, "time") ? later.m.window : undefined;
  };
  // A comparison and a number near position i (before the next condition), e.g. 两次以上, at least 3 times.
  const usedGenres = new Set<number>();
  // "至少3次购买", "at least 3 orders": the number just before the event.
  const countBefore = (i: number) => {
    const n = ms[i - 1];
    if (!isKind(n, "num") || !(n.unit === undefined || n.unit === "times" || n.unit === "item")) return undefined;
    const w = ms[i - 2];
    return { op: isKind(w, "word") && CMP.has(w.w) ? w.w : "gte", value: n.value };
  };
  const countAfter = (i: number, unit: (u?: string) => boolean) => {
    for (let j = i + 1; j < ms.length; j++) {
      const m = ms[j]!;
      if (["event", "trait", "rfm", "life", "score"].includes(m.k)) break;
      if (isKind(m, "num") && unit(m.unit)) {
        const before = ms[j - 1];
        const after = ms[j + 1];
        const op = isKind(before, "word") && CMP.has(before.w) ? before.w : isKind(after, "word") && CMP.has(after.w) ? after.w : "gte";
        return { op, value: m.value, index: j };
      }
    }
    return undefined;
  };
  let exclude = false;
  let never = false;
  const push = (node: Node, at: number) => {
    const n = negate || exclude ? ({ not: node } as Node) : node;
    negate = false;
    never = false;
    const prev = nodes.at(-1);
    if (orNext && prev) {
      prev.node = ("or" in prev.node ? { or: [...(prev.node.or as Node[]), n] } : { or: [prev.node, n] }) as Node;
    } else nodes.push({ node: n, at });
    orNext = false;
  };
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i]!;
    if (isKind(m, "time")) lastTime = m;
    else if (isKind(m, "word")) {
      if (m.w === "not") negate = true;
      else if (m.w === "never") negate = never = true;
      // "排除三线和四线城市": everything after an exclusion is excluded.
      else if (m.w === "exclude") exclude = true;
      else if (m.w === "or") orNext = true;
      else if (m.w === "activity" || m.w === "inactivity") {
        const w = windowOf(i);
        if (!w || !("days" in w)) continue;
        const inactive = m.w === "inactivity" || negate;
        negate = false;
        push({ lastActive: inactive ? { op: "gte", days: w.days } : { op: "lte", days: w.days - 1 } } as Node, m.start);
      } else if (m.w === "activityDrop" || m.w === "activityRise") {
        const pct = ms.slice(i + 1).find((x) => isKind(x, "num") && x.unit === "percent");
        const w = windowOf(i);
        const prevEvent = ms[i - 1];
        push({ change: { event: isKind(prevEvent, "event") ? prevEvent.name : "active_days", days: w && "days" in w ? w.days : 14, op: m.w === "activityDrop" ? "drop" : "rise", pct: isKind(pct, "num") ? pct.value : 30 } } as Node, m.start);
      }
    } else if (isKind(m, "event")) {
      if (isKind(ms[i + 1], "word") && ["activityDrop", "activityRise"].includes((ms[i + 1] as { w: string }).w)) continue;
      const node: Node = { performed: m.name } as Node;
      const w = windowOf(i);
      // 从未/never: ever, whatever window was said before.
      if (w && !never) node.within = w;
      const spend = SPEND.test(m.text);
      const sum = countAfter(i, (u) => u === "yuan" || (spend && u === undefined));
      const times = spend && sum ? undefined : countAfter(i, (u) => u === undefined || u === "times" || u === "people" || u === "item") ?? countBefore(i);
      if (times && !negate) node.times = { op: times.op, value: times.value };
      if (sum && !negate) node.sum = { op: sum.op, value: sum.value };
      const prop = s.genreProps[m.name];
      const near = isKind(ms[i + 1], "genre") ? ms[i + 1] : isKind(ms[i - 1], "genre") ? ms[i - 1] : undefined;
      if (isKind(near, "genre") && prop) {
        node.where = [{ property: prop, op: "eq", value: near.value }];
        usedGenres.add(near.start);
      }
      push(node, m.start);
    } else if (isKind(m, "genre")) {
      const next = ms[i + 1];
      if (usedGenres.has(m.start) || (isKind(next, "event") && s.genreProps[next.name]) || !s.playEvent || !s.genreProperty) continue;
      const node: Node = { performed: s.playEvent, where: [{ property: s.genreProperty, op: "eq", value: m.value }] } as Node;
      const w = windowOf(i);
      if (w) node.within = w;
      push(node, m.start);
    } else if (isKind(m, "trait")) {
      push((m.values.length === 1 ? { trait: m.key, op: "eq", value: m.values[0] } : { trait: m.key, op: "in", value: m.values }) as Node, m.start);
    } else if (isKind(m, "rfm") || isKind(m, "life")) {
      const key = m.k === "rfm" ? "rfm" : "lifecycle";
      const prev = nodes.at(-1)?.node as Record<string, string[]> | undefined;
      // 重要价值和重要发展客户: one node listing both.
      const between = ms[i - 1];
      const joined = !!prev && key in prev && (ms[i - 1]?.k === m.k || (isKind(between, "word") && (between.w === "or" || between.w === "and") && ms[i - 2]?.k === m.k));
      if (joined) {
        prev![key] = [...prev![key]!, m.id];
        orNext = false;
      }
      else push({ [key]: [m.id] } as Node, m.start);
    } else if (isKind(m, "score")) {
      const around = ms.slice(Math.max(0, i - 3), i + 4);
      const top = around.find((x) => isKind(x, "word") && x.w === "top");
      const pct = around.find((x) => isKind(x, "num") && (x.unit === "percent" || top));
      if (top && isKind(pct, "num")) push({ topPercent: { score: m.id, pct: pct.value } } as Node, m.start);
      else {
        const cmp = countAfter(i, (u) => u === undefined || u === "percent");
        const high = around.some((x) => isKind(x, "word") && x.w === "high");
        const low = around.some((x) => isKind(x, "word") && x.w === "low");
        if (cmp) push({ score: m.id, op: cmp.op, value: cmp.value > 1 && m.id !== "clv" && m.id !== "expected_purchases_30d" ? cmp.value / 100 : cmp.value } as Node, m.start);
        else if (low && m.low !== undefined) push({ score: m.id, op: "lte", value: m.low } as Node, m.start);
        else if ((high || !low) && m.high !== undefined) push({ score: m.id, op: "gte", value: m.high } as Node, m.start);
      }
    }
  }
  return nodes.map((n) => n.node);
}

const andOf = (nodes: Node[]): SegmentNode => (nodes.length === 1 ? nodes[0]! : { and: nodes });
const flat = (def: SegmentNode): Node[] => ("and" in def ? (def.and as Node[]) : [def as Node]);

/** The thing a condition constrains, so "只要女性" replaces an earlier gender condition. */
function subject(n: Node): string {
  const inner = ("not" in n ? n.not : n) as Record<string, unknown>;
  if ("trait" in inner) return `trait:${inner.trait}`;
  if ("performed" in inner) return `event:${inner.performed}`;
  if ("rfm" in inner) return "rfm";
  if ("lifecycle" in inner) return "lifecycle";
  if ("score" in inner) return `score:${inner.score}`;
  return JSON.stringify(Object.keys(inner));
}

/** A copy of a definition with `edit` applied to every object in it, parents before their children. */
function mapObjects(def: SegmentNode, edit: (o: Record<string, unknown>) => Record<string, unknown>): SegmentNode {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (!n || typeof n !== "object") return n;
    return Object.fromEntries(Object.entries(edit(n as Record<string, unknown>)).map(([k, v]) => [k, walk(v)]));
  };
  return walk(def) as SegmentNode;
}

/** Replaces every time window of a definition (改成近60天). */
const rewindow = (def: SegmentNode, w: unknown) => mapObjects(def, (o) => ("within" in o ? { ...o, within: w } : o));

/** A follow-up edits the last audience: exclude, narrow, add, or change its window. */
function refine(prev: SegmentNode, s: Scan, fresh: Node[]): SegmentNode | undefined {
  const words = s.mentions.filter((m) => isKind(m, "word")).map((m) => (m as { w: string }).w);
  const time = s.mentions.find((m) => m.k === "time");
  if (words.includes("change") && time && isKind(time, "time") && fresh.every((n) => "performed" in n || "lastActive" in n)) {
    const nonTime = fresh.filter((n) => !("performed" in n));
    return nonTime.length ? andOf([...flat(rewindow(prev, time.m.window) as Node), ...nonTime]) : rewindow(prev, time.m.window);
  }
  if (!fresh.length) {
    // 改成爵士: a genre alone swaps the genre of the audience's behaviour.
    const genre = s.mentions.find((m) => m.k === "genre");
    if (isKind(genre, "genre")) {
      let swapped = false;
      const next = mapObjects(prev, (o) => {
        const first = (o.where as { op: string; value: unknown }[] | undefined)?.[0];
        if (!first || first.op !== "eq" || typeof first.value !== "string") return o;
        swapped = true;
        return { ...o, where: [{ ...first, value: genre.value }, ...(o.where as unknown[]).slice(1)] };
      });
      if (swapped) return next;
    }
    return time && isKind(time, "time") ? rewindow(prev, time.m.window) : undefined;
  }
  // "of those, who also bought": new behaviour without its own window takes the audience's window.
  let inherited: unknown;
  mapObjects(prev, (o) => ((inherited ??= o.within), o));
  if (!time && inherited) for (const f of fresh) if ("performed" in f && !("within" in f)) f.within = structuredClone(inherited);
  const kept = flat(prev).filter((p) => !fresh.some((f) => subject(f) === subject(p) && !("not" in f)));
  return andOf([...kept, ...fresh]);
}

const FOLLOW = new Set(["exclude", "only", "change", "add"]);
const ANALYSES: Record<string, string> = { funnel: "funnel", repurchase: "funnel", retention: "retention", trend: "trend", paths: "paths", rfmReport: "rfm", lifecycleReport: "lifecycle", clvReport: "clv" };
const CHANNELS = ["sms", "push", "wechat", "email"];
const THEMES: Record<string, string> = { themeWinback: "winback", themePromotion: "promotion", themeNewRelease: "new_release", themeRenewal: "renewal", themeCart: "cart_reminder", themeWelcome: "welcome" };

/**
 * Reads one operator message against the lexicon and the workspace's catalog. `previous` is the
 * last audience of the conversation, which follow-ups refine.
 */
export function understand(message: string, lex: Lexicon, cat: Catalog, previous?: SegmentNode, lastAnalytics?: Record<string, unknown>): { u: Understanding; scan: Scan } {
  // A name the operator gives ("命名为高价值女性", "保存为摇滚活跃") is a name, not more conditions: the
  // name and what follows it are not scanned, the verb before it is ("保存为" still asks to save).
  const named = /(?:命名为|名为|叫做|取名为?|保存为|保存成|存为|存成|named|called|save(?: it)? as)\s*[「“"']?([^」”"'。，,.]+)/i.exec(message);
  const s = scan(named ? message.slice(0, named.index + named[0].lastIndexOf(named[1]!)) : message, lex, cat);
  const ms = s.mentions;
  const intents = new Set(ms.filter((m) => isKind(m, "intent")).map((m) => (m as { w: string }).w));
  const time = ms.find((m) => m.k === "time");
  const range = isKind(time, "time") ? time.m.window : { days: 30 };
  const events = ms.filter((m) => isKind(m, "event")) as Extract<Mention, { k: "event" }>[];
  const hasClass = ms.some((m) => m.k === "rfm" || m.k === "life");
  const lookup = /(?:用户|user)\s*[:：]?\s*([a-z]*\d[\w.:-]*)/i.exec(message);
  if (intents.has("userLookup") && lookup) return { u: { action: "lookup", id: lookup[1]! }, scan: s };
  if (intents.has("help") && ms.length <= 2) return { u: { action: "help" }, scan: s };
  if (intents.has("listSegments")) return { u: { action: "list_segments" }, scan: s };
  if (intents.has("grantCredits")) return { u: grantOf(message, s), scan: s };
  if (intents.has("billingOverview")) return { u: { action: "billing_overview" }, scan: s };

  const fresh = conditions(s);
  const firstWord = ms.find((m) => m.k !== "time");
  const followUp = (!!previous || !!lastAnalytics) && (ms.some((m) => isKind(m, "word") && FOLLOW.has(m.w) && m.start <= 2) || (isKind(firstWord, "word") && FOLLOW.has(firstWord.w)) || (!fresh.length && !!time) || /^(那|其中|这些|这批|among|of them|those)/i.test(message.trim()));
  const definition = followUp && previous ? refine(previous, s, fresh) : fresh.length ? andOf(fresh) : undefined;

  const channel = (ms.find((m) => isKind(m, "intent") && CHANNELS.includes(m.w)) as { w: string } | undefined)?.w;
  if (channel && (intents.has("copy") || ms.some((m) => isKind(m, "num")))) {
    const nums = ms.filter((m) => isKind(m, "num") && (m.unit === undefined || m.unit === "item")) as Extract<Mention, { k: "num" }>[];
    // "写一条短信，出3个版本": the count of variants is the number before 版/versions, if there is one.
    const cn = /([一二两三四五12345])\s*(?:个)?(?:版本|版)/.exec(s.text)?.[1];
    const n = nums.find((m) => /^\s*(个)?(版|variant|version|option)/i.test(s.text.slice(m.end))) ?? (cn ? { value: "一二两三四五".indexOf(cn) >= 0 ? [1, 2, 2, 3, 4, 5]["一二两三四五".indexOf(cn)]! : Number(cn) } : nums[0]);
    const audience = definition ?? previous;
    const lapsed = audience && /churned|dormant|notPerformed|"not"|lastActive/.test(JSON.stringify(audience));
    const theme = Object.entries(THEMES).find(([k]) => intents.has(k))?.[1] ?? (lapsed ? "winback" : "promotion");
    return { u: { action: "copy", input: { channel, theme, variants: Math.min(5, Math.max(1, n?.value ?? 3)), language: s.lang, ...(audience ? { definition: audience } : {}) } }, scan: s };
  }
  if (intents.has("save") && (previous ?? definition)) {
    const audience = (fresh.length && !previous ? definition : previous)!;
    return { u: { action: "save", input: { name: (named?.[1] ?? `分群 ${cat.today}`).trim().slice(0, 200), definition: audience } }, scan: s };
  }
  const kind = Object.entries(ANALYSES).find(([k]) => intents.has(k))?.[1];
  if (kind && !(kind === "rfm" || kind === "lifecycle" ? hasClass : false)) {
    if (kind === "funnel") {
      const steps = intents.has("repurchase") ? [events.find((e) => e.concept === "purchase")?.name ?? "purchase", events.find((e) => e.concept === "purchase")?.name ?? "purchase"] : events.map((e) => e.name);
      if (steps.length < 2) return { u: { action: "unknown", reason: "funnel_steps" }, scan: s };
      return { u: { action: "analytics", input: { kind, steps: steps.map((event) => ({ event })), range } }, scan: s };
    }
    if (kind === "paths") {
      if (!events.length) return { u: { action: "unknown", reason: "paths_event" }, scan: s };
      return { u: { action: "analytics", input: { kind, event: events[0]!.name, range } }, scan: s };
    }
    if (kind === "retention" || kind === "trend") return { u: { action: "analytics", input: { kind, range } }, scan: s };
    return { u: { action: "analytics", input: { kind } }, scan: s };
  }
  if (lastAnalytics && !fresh.length && isKind(time, "time") && (followUp || intents.size === 0)) return { u: { action: "analytics", input: { ...lastAnalytics, range: time.m.window } }, scan: s };
  if (definition) return { u: { action: "preview", definition, followUp }, scan: s };
  return { u: { action: "unknown", reason: ms.length ? "no_condition" : "nothing_recognised" }, scan: s };
}

const FEATURE_WORDS: [RegExp, string][] = [[/文案|copy/i, "copy"], [/证书|认证|certificate/i, "certificate"], [/聊天|消息|chat/i, "chat_message"], [/歌|song/i, "song"]];

/**
 * "给用户 u1 补偿 2 首歌的额度": who, how many credits and for what; the operator's own words are
 * the reason. Without a user or an amount it asks instead of guessing (the grant waits for
 * approval anyway, but a guessed one would be a wrong proposal).
 */
function grantOf(message: string, s: Scan): Understanding {
  const user = /(?:用户|user)\s*[:：]?\s*([a-z]*\d[\w.:-]*)/i.exec(message)?.[1];
  const n = s.mentions.find((m) => isKind(m, "num") && !(user && user.endsWith(m.text)) && m.value > 0) as Extract<Mention, { k: "num" }> | undefined;
  if (!user || !n) return { action: "unknown", reason: "grant_needs_user_and_credits" };
  const feature = FEATURE_WORDS.find(([re]) => re.test(message))?.[1] ?? "song";
  return { action: "grant_credits", input: { userId: user, feature, credits: n.value, reason: message.trim().slice(0, 500) } };
}
