import { fill, promptJson, type Prompts } from "../../lib/prompts.ts";

type Lang = "zh" | "en";
type Rec = Record<string, any>;
type Replies = Record<Lang, Record<string, string>>;

const cache = new WeakMap<Prompts, Replies>();
const replies = (p: Prompts) => cache.get(p) ?? cache.set(p, promptJson<Replies>(p, "operator/replies.json")).get(p)!;

/** Percent with one decimal, from a rate a tool returned (0.1234 → 12.3%). */
const pct = (r: unknown) => (typeof r === "number" ? `${Math.round(r * 1000) / 10}%` : "—");

/**
 * The offline model's answers, written only from what the tools returned (and the operator's own
 * words), so it never states a number no tool gave.
 */
export function composer(prompts: Prompts, lang: Lang) {
  const t = (k: string, v: Record<string, string | number> = {}) => fill(replies(prompts)[lang][k]!, v);
  const zh = lang === "zh";
  return {
    t,
    audience(out: Rec, ignored: string[]) {
      const lines = [t("audience", { count: out.count, description: out.description?.[lang] ?? "" })];
      for (const w of out.windows ?? []) lines.push(t("window", { from: w.from, to: w.to }));
      if (out.sample?.length) lines.push(t("sample", { sample: out.sample.slice(0, 10).join(", ") }));
      if (out.conditions?.length) {
        lines.push(t("conditionsHead"));
        out.conditions.forEach((c: Rec, i: number) => lines.push(t("condition", { i: i + 1, condition: c.condition?.[lang] ?? c.condition, after: c.count_after ?? c.countAfter, alone: c.alone })));
      }
      if (ignored.length) lines.push(t("ignored", { words: ignored.join("、") }));
      lines.push(t("next"));
      return lines.join("\n");
    },
    analytics(out: Rec) {
      const range = out.range ? `（${out.range.from} ${zh ? "至" : "to"} ${out.range.to}）` : "";
      switch (out.kind) {
        case "funnel": {
          const steps = (out.steps as Rec[]).map((s, i) => `${i + 1}. ${s.event}: ${s.users}${zh ? " 人" : " users"}${i ? ` (${zh ? "较上一步" : "from previous"} ${pct(s.conversionFromPrevious)})` : ""}`);
          return [`${zh ? "漏斗" : "Funnel"}${range}:`, ...steps].join("\n");
        }
        case "trend": {
          const last = (out.days as Rec[]).at(-1);
          return last ? `${zh ? "活跃趋势" : "Active users"}${range}: ${last.day} DAU ${last.dau}, WAU ${last.wau}, MAU ${last.mau}` : `${zh ? "该时间段没有活跃数据" : "no activity in this range"}${range}`;
        }
        case "retention": {
          const c = (out.cohorts as Rec[]).at(0);
          const parts = c ? Object.entries(c.retention as Rec).map(([n, v]) => `D${n} ${pct((v as Rec)?.rate ?? v)}`) : [];
          return `${zh ? "留存" : "Retention"}${range}${c ? `: ${zh ? "首个同期群" : "first cohort"} ${c.cohort} (${c.users}${zh ? " 人" : " users"}): ${parts.join(", ")}` : ""}`;
        }
        case "paths":
          return [`${zh ? `「${out.event}」之后` : `After ${out.event}`}${range}:`, ...(out.next as Rec[]).slice(0, 5).map((x) => `  ${x.event}: ${x.count} (${pct(x.share)})`)].join("\n");
        case "rfm":
          return [`RFM (${out.method}, ${out.customers}${zh ? " 位客户" : " customers"}):`, ...(out.distribution as Rec[]).map((x) => `  ${zh ? x.label : x.class}: ${x.users}`)].join("\n");
        case "lifecycle":
          return [zh ? "生命周期分布：" : "Lifecycle stages:", ...(out.distribution as Rec[]).map((x) => `  ${zh ? x.label : x.stage}: ${x.users}`)].join("\n");
        case "clv":
          return `CLV (BG/NBD + Gamma-Gamma): ${JSON.stringify(out.bgnbd ?? out.params ?? out).slice(0, 400)}`;
        default:
          return JSON.stringify(out).slice(0, 400);
      }
    },
    copy(out: Rec) {
      const variants = (out.variants ?? []) as Rec[];
      const ok = variants.every((v) => v.ok !== false);
      const lines = [t(ok ? "copyHead" : "copyHeadFailed", { channel: out.channel, n: variants.length })];
      variants.forEach((v, i) => {
        const text = [v.subject, v.title, v.body, v.fields ? Object.values(v.fields).join(" | ") : undefined].filter(Boolean).join(" — ");
        lines.push(t("copyItem", { i: i + 1, hook: v.hook ?? "", text }) + (v.ok === false ? " ✗" : ""));
      });
      return lines.join("\n");
    },
    segments(out: Rec) {
      const list = (out.segments ?? []) as Rec[];
      return [t("segments", { n: list.length }), ...list.map((s) => t("segmentItem", { name: s.name, id: s.id, count: s.count ?? "—" }))].join("\n");
    },
    profile(out: Rec) {
      const b = out.behaviour ?? out.layers?.behaviour ?? {};
      return `${zh ? "用户" : "User"} ${out.userId}: ${JSON.stringify(out.traits ?? {})}${b.lastActiveDay ? ` · ${zh ? "最近活跃" : "last active"} ${b.lastActiveDay}` : ""}`;
    },
    billing(out: Rec) {
      const c = out.creditTotals ?? {};
      const r = out.referrals ?? {};
      return [
        t("billingHead", { from: out.from, to: out.to }),
        t("billingCredits", { granted: c.granted, spent: c.spent, released: c.released, voided: c.voided }),
        ...((out.credits ?? []) as Rec[]).map((x) => `  ${x.kind}/${x.feature}: +${x.granted} −${x.spent}`),
        t("billingRevenue", { net: out.revenue?.net ?? 0, currency: out.revenue?.currency ?? "" }),
        ...((out.revenue?.bySku ?? []) as Rec[]).map((x) => `  ${x.sku}: ${x.net} (${x.payments}/${x.refunds})`),
        t("billingReferrals", { links: r.linksMade, helps: r.helps, newUsers: r.newUserHelps, granted: r.creditsGranted, spent: r.creditsSpent }),
      ].join("\n");
    },
    unknown(why: string, words: string[]) {
      return [t("unknown", { why: words.length ? t("unknownWords", { words: words.join("、") }) : why }), t("help")].join("\n");
    },
  };
}
