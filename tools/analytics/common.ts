import { z } from "zod";
import type { WorkspaceRow } from "../../db/schema/index.ts";
import { dayNumber, dayStartMs, dayToIso } from "../../lib/time.ts";

export const IsoDay = z.iso.date();

/** A date range of whole local days; either explicit or the last N days up to today. */
export const DayRange = z.union([
  z.strictObject({ from: IsoDay, to: IsoDay }).refine((r) => r.from <= r.to, "from must not be after to"),
  z.strictObject({ days: z.number().int().min(1).max(3650) }),
]);

export const Breakdown = z.string().min(1).max(200).regex(/^[^"\\]+$/).meta({ description: "A trait to break down by. 维度（用户属性）" });

export const isoToDay = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

/** The range as day numbers, and as instants [start, end] in the workspace's zone. */
export function resolveRange(range: z.infer<typeof DayRange>, ws: WorkspaceRow, now: Date) {
  const today = dayNumber(now.getTime(), ws.timezone);
  const [d0, d1] = "days" in range ? [today - range.days + 1, today] : [isoToDay(range.from), isoToDay(range.to)];
  return { d0, d1, t0: dayStartMs(d0, ws.timezone), t1: dayStartMs(d1 + 1, ws.timezone) - 1, today, label: { from: dayToIso(d0), to: dayToIso(d1) } };
}

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const rate = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 10_000 : null);

/** A trait's value as a breakdown key ("(none)" when missing). */
export const breakdownKey = (traits: string | null | undefined, key: string | undefined) => {
  if (!key) return "all";
  const v = traits ? (JSON.parse(traits) as Record<string, unknown>)[key] : undefined;
  return v === undefined || v === null ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);
};
