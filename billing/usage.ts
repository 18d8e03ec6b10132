import { and, eq, gte, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { creditHolds } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { DAY_MS, dayNumber, dayStartMs, dayToIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { Id } from "../tools/events/schema.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { FEATURES, MILLI } from "./catalog.ts";

const LocalDate = z.iso.date();

/** A range of local days in the workspace's timezone, both ends included. */
export const DayRange = {
  from: LocalDate.optional().meta({ description: "First local day (YYYY-MM-DD, workspace timezone); default: 29 days before `to`. 起始日" }),
  to: LocalDate.optional().meta({ description: "Last local day, included; default: today. 截止日（含）" }),
};

const isoDay = (s: string) => Date.parse(`${s}T00:00:00Z`) / DAY_MS;

/** The range's day numbers and the instants it spans; a range past `maxDays` or backwards is a 400. */
export function resolveDays(ctx: Ctx, timeZone: string, range: { from?: string | undefined; to?: string | undefined }, maxDays: number) {
  const to = range.to ? isoDay(range.to) : dayNumber(ctx.now().getTime(), timeZone);
  const from = range.from ? isoDay(range.from) : to - 29;
  if (from > to) throw new ApiError(ErrorCode.ValidationFailed, bi("起始日晚于截止日", `from (${dayToIso(from)}) is after to (${dayToIso(to)})`), [{ path: "from", message: "after to" }]);
  if (to - from + 1 > maxDays)
    throw new ApiError(ErrorCode.ValidationFailed, bi(`日期范围最多 ${maxDays} 天`, `the range spans ${to - from + 1} days; at most ${maxDays}`), [{ path: "to", message: `at most ${maxDays} days after from` }]);
  return { from, to, start: dayStartMs(from, timeZone), end: dayStartMs(to + 1, timeZone) };
}

export const MAX_USAGE_DAYS = 92;

export const UsageQuery = z.strictObject({
  ...DayRange,
  keyId: Id.optional().meta({ description: "Only this API key's uses. 仅此密钥" }),
  feature: z.enum(FEATURES).optional().meta({ description: "Only this feature. 仅此功能" }),
});

const Figures = {
  uses: z.number().int().meta({ description: "Uses started (holds made). 使用次数" }),
  succeeded: z.number().int().meta({ description: "Uses that settled. 成功次数" }),
  failed: z.number().int().meta({ description: "Uses released (failed or timed out). 失败次数" }),
  creditsSettled: z.number(),
  creditsReleased: z.number(),
  creditsHeld: z.number().meta({ description: "Still held by uses in progress. 预留中" }),
};

export const UsageReport = z.object({
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  rows: z.array(z.object({ day: z.string(), keyId: z.string().nullable().meta({ description: "null: a use made without an API key (e.g. by the agent). 无密钥" }), feature: z.string(), ...Figures })),
  totals: z.object(Figures),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** Offsets from UTC are whole quarter hours in every zone, so a quarter-hour bucket never straddles a local midnight. */
const BUCKET_MS = 900_000;

type Tally = { uses: number; succeeded: number; failed: number; settled: number; released: number; held: number };
const tally = (): Tally => ({ uses: 0, succeeded: 0, failed: 0, settled: 0, released: 0, held: 0 });
const figures = (t: Tally) => ({ uses: t.uses, succeeded: t.succeeded, failed: t.failed, creditsSettled: t.settled / MILLI, creditsReleased: t.released / MILLI, creditsHeld: t.held / MILLI });

/**
 * Metered use per API key, feature and local day (the day a use started), from the holds: SQL
 * groups by quarter hour, and each quarter hour is put on its local day here, because a zone's
 * offset (and summer time) is known to Intl, not to SQLite.
 */
export function usage(ctx: Ctx, q: z.infer<typeof UsageQuery>): UsageReport {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const r = resolveDays(ctx, ws.timezone, q, MAX_USAGE_DAYS);
  const bucket = sql<number>`${creditHolds.createdAt} / ${BUCKET_MS}`;
  const groups = ctx.db
    .select({ keyId: creditHolds.keyId, feature: creditHolds.feature, status: creditHolds.status, bucket, n: sql<number>`count(*)`, amount: sql<number>`sum(${creditHolds.amount})` })
    .from(creditHolds)
    .where(
      and(
        eq(creditHolds.workspaceId, ws.id),
        gte(creditHolds.createdAt, r.start),
        lt(creditHolds.createdAt, r.end),
        q.keyId ? eq(creditHolds.keyId, q.keyId) : undefined,
        q.feature ? eq(creditHolds.feature, q.feature) : undefined,
      ),
    )
    .groupBy(creditHolds.keyId, creditHolds.feature, creditHolds.status, bucket)
    .all();
  const rows = new Map<string, { day: number; keyId: string | null; feature: string; t: Tally }>();
  const total = tally();
  for (const g of groups) {
    const day = dayNumber(g.bucket * BUCKET_MS, ws.timezone);
    const k = JSON.stringify([day, g.keyId, g.feature]);
    const row = rows.get(k) ?? rows.set(k, { day, keyId: g.keyId, feature: g.feature, t: tally() }).get(k)!;
    for (const t of [row.t, total]) {
      t.uses += g.n;
      if (g.status === "settled") (t.succeeded += g.n), (t.settled += g.amount);
      else if (g.status === "released") (t.failed += g.n), (t.released += g.amount);
      else t.held += g.amount;
    }
  }
  const ordered = [...rows.values()].sort((a, b) => a.day - b.day || (a.keyId ?? "").localeCompare(b.keyId ?? "") || a.feature.localeCompare(b.feature));
  return {
    timezone: ws.timezone,
    from: dayToIso(r.from),
    to: dayToIso(r.to),
    rows: ordered.map((x) => ({ day: dayToIso(x.day), keyId: x.keyId, feature: x.feature, ...figures(x.t) })),
    totals: figures(total),
  };
}
