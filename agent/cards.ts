import type { ToolCallView } from "./transcript.ts";

/** Structured results the console renders; built from tool calls, so both models produce the same cards. */
export type Card =
  | { type: "segment"; definition: unknown; description?: unknown; count: number; sample: string[]; windows?: unknown; conditions?: unknown; asOf: string }
  | { type: "segment_saved"; segment: unknown }
  | { type: "chart"; kind: string; title: { zh: string; en: string }; range?: unknown; series: { name: string; points: [string, number][] }[] }
  | { type: "copy"; channel: string; variants: unknown[] }
  | { type: "campaign_draft"; draft: unknown }
  | { type: "profile"; profile: unknown };

type Rec = Record<string, any>;

const TITLES: Record<string, [string, string]> = {
  funnel: ["漏斗", "Funnel"],
  retention: ["留存", "Retention"],
  trend: ["活跃趋势", "Active users"],
  paths: ["后续路径", "Next events"],
  rfm: ["RFM 分层", "RFM classes"],
  lifecycle: ["生命周期", "Lifecycle stages"],
  clv: ["CLV 模型", "CLV model"],
};

/** The series a chart of each analysis draws. */
function series(kind: string, out: Rec): { name: string; points: [string, number][] }[] {
  switch (kind) {
    case "funnel":
      return [{ name: "users", points: (out.steps ?? []).map((s: Rec, i: number) => [`${i + 1}. ${s.event}`, s.users]) }];
    case "trend":
      return ["dau", "wau", "mau"].map((k) => ({ name: k, points: (out.days ?? []).map((d: Rec) => [d.day, d[k]]) }));
    case "retention": {
      const days = Object.keys(out.cohorts?.[0]?.retention ?? {});
      return days.map((n) => ({ name: `D${n}`, points: (out.cohorts ?? []).map((c: Rec) => [c.cohort, c.retention[n]?.rate ?? c.retention[n] ?? 0]) }));
    }
    case "paths":
      return [{ name: "next", points: (out.next ?? []).map((x: Rec) => [x.event, x.count]) }];
    case "rfm":
      return [{ name: "customers", points: (out.distribution ?? []).map((x: Rec) => [x.label ?? x.class, x.users]) }];
    case "lifecycle":
      return [{ name: "users", points: (out.distribution ?? []).map((x: Rec) => [x.label ?? x.stage, x.users]) }];
    default:
      return [];
  }
}

export function cardsOf(calls: readonly ToolCallView[]): Card[] {
  const cards: Card[] = [];
  for (const c of calls) {
    if (c.status !== "ok" || !c.output || typeof c.output !== "object") continue;
    const out = c.output as Rec;
    const input = (c.input ?? {}) as Rec;
    if (c.name === "segments_preview")
      cards.push({ type: "segment", definition: input.definition, description: out.description, count: out.count, sample: out.sample, windows: out.windows, conditions: out.conditions, asOf: out.asOf });
    else if (c.name === "segments_save") cards.push({ type: "segment_saved", segment: out });
    else if (c.name === "analytics") {
      const kind = String(out.kind ?? input.kind);
      const [zh, en] = TITLES[kind] ?? [kind, kind];
      cards.push({ type: "chart", kind, title: { zh, en }, range: out.range, series: series(kind, out) });
    } else if (c.name === "copy_generate") cards.push({ type: "copy", channel: out.channel, variants: out.variants ?? [] });
    else if (c.name === "campaign_draft") cards.push({ type: "campaign_draft", draft: out });
    else if (c.name === "user_lookup") cards.push({ type: "profile", profile: out });
  }
  return cards;
}
