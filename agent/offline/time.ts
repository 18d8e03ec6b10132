/**
 * Time windows in operator requests, offline: 近30天, 上周, 11月1日以来, "in the last week", … The
 * grammar is in timeRules.ts; this file finds, ranks and renders matches. Pure and Workers-safe.
 */
import { dayNumber, dayToIso } from "../../lib/time.ts";
import { toHalfWidth } from "./numerals.ts";
import { RULES } from "./timeRules.ts";

/** What the segment language and analytics accept: the N local days ending today, or local days inclusive. */
export type TimeWindow = { days: number } | { from: string; to: string };
/** `from`/`to` are always the resolved dates (ISO, workspace timezone), so the agent can state them. */
export type TimeMatch = { window: TimeWindow; from: string; to: string; start: number; end: number; text: string };

type Candidate = { start: number; end: number; from: number; to: number; days?: number };

/**
 * Every time window in `text`, in text order and non-overlapping; where phrases overlap the
 * longest wins (11月1日以来 over 11月1日, "in the last week" over "last week").
 */
export function findTimeWindows(input: string, now: Date, timeZone: string): TimeMatch[] {
  const text = toHalfWidth(input);
  const today = dayNumber(now.getTime(), timeZone);
  const candidates: Candidate[] = [];
  for (const { re, resolve, need } of RULES) {
    if (need && !need.test(text)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      // Restart one past the match start, not at its end: a rejected long match (从11月1日 with
      // nothing after it) must not hide a shorter one inside it.
      re.lastIndex = m.index + 1;
      if (m[0].trim() === "") continue;
      const r = resolve(m.groups ?? {}, today);
      if (!r) continue;
      // Spans exclude the spaces a pattern may have eaten at either end.
      const lead = m[0].length - m[0].trimStart().length;
      const start = m.index + lead;
      const end = m.index + m[0].trimEnd().length;
      candidates.push("days" in r ? { start, end, from: today - r.days + 1, to: today, days: r.days } : { start, end, ...r });
    }
  }
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const chosen: Candidate[] = [];
  for (const c of candidates) if (!chosen.some((o) => c.start < o.end && o.start < c.end)) chosen.push(c);
  chosen.sort((a, b) => a.start - b.start);
  return chosen.map((c) => {
    const from = dayToIso(c.from);
    const to = dayToIso(c.to);
    const window: TimeWindow = c.days !== undefined ? { days: c.days } : { from, to };
    return { window, from, to, start: c.start, end: c.end, text: input.slice(c.start, c.end) };
  });
}

/** 近30天（2026-10-26 至 2026-11-24） / the last 30 days (2026-10-26 to 2026-11-24); a day alone is just its date. */
export function describeWindow(m: TimeMatch, lang: "zh" | "en"): string {
  const dates = m.from === m.to ? m.from : lang === "zh" ? `${m.from} 至 ${m.to}` : `${m.from} to ${m.to}`;
  if (!("days" in m.window)) return dates;
  const n = m.window.days;
  if (lang === "zh") return `近${n}天（${dates}）`;
  return `${n === 1 ? "the last day" : `the last ${n} days`} (${dates})`;
}
