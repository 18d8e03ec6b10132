import { stmt } from "../../db/sql.ts";
import { z } from "zod";
import { dayToIso } from "../../lib/time.ts";
import type { Ctx } from "../context.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { Breakdown, DayRange, breakdownKey, rate, resolveRange } from "./common.ts";

export const RetentionInput = z
  .strictObject({
    range: DayRange.default({ days: 60 }).meta({ description: "First-seen days of the cohorts. 新用户首日范围" }),
    granularity: z.enum(["day", "week"]).default("day"),
    days: z.array(z.number().int().min(1).max(365)).min(1).max(30).default([1, 7, 30]),
    rolling: z.boolean().default(false).meta({ description: "Retained on day N or later, instead of on exactly day N. 滚动留存" }),
    breakdown: Breakdown.optional(),
  })
  .meta({ id: "RetentionInput" });

/**
 * Cohorts by first active day (or its week), and who was active again N days after their own
 * first day (exactly on day N, or on day N or later when rolling). Only activity counts. A user
 * whose day N has not come yet is left out of that rate's denominator (`observed`).
 */
export function retention(ctx: Ctx, input: z.input<typeof RetentionInput>) {
  const q = RetentionInput.parse(input);
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const range = resolveRange(q.range, ws, ctx.now());
  const rows = stmt(ctx.db, 
      `WITH f AS (SELECT user_id, min(day) AS first FROM user_daily WHERE workspace_id = @ws AND name NOT IN ${INACTIVE_NAMES}
                  GROUP BY user_id HAVING first BETWEEN @d0 AND @d1)
       SELECT f.user_id AS u, f.first AS first, d.day AS day, p.traits AS traits FROM f
       JOIN user_daily d ON d.workspace_id = @ws AND d.user_id = f.user_id AND d.name NOT IN ${INACTIVE_NAMES} AND d.day <= @today
       LEFT JOIN profiles p ON p.workspace_id = @ws AND p.user_id = f.user_id
       GROUP BY f.user_id, d.day ORDER BY f.user_id, d.day`,
    )
    .all({ ws: ws.id, d0: range.d0, d1: range.d1, today: range.today, nonActivity: JSON.stringify(ws.nonActivityEvents) }) as {
    u: string;
    first: number;
    day: number;
    traits: string | null;
  }[];
  type Acc = { users: number; observed: Map<number, number>; retained: Map<number, number> };
  const cohorts = new Map<string, Acc>();
  const acc = (key: string) => cohorts.get(key) ?? cohorts.set(key, { users: 0, observed: new Map(), retained: new Map() }).get(key)!;
  // Weeks start on Monday (day 0 of 1970 was a Thursday).
  const cohortOf = (first: number) => dayToIso(q.granularity === "day" ? first : first - ((first + 3) % 7));
  for (let i = 0; i < rows.length; ) {
    const { u, first, traits } = rows[i]!;
    const offsets = new Set<number>();
    for (; i < rows.length && rows[i]!.u === u; i++) offsets.add(rows[i]!.day - first);
    const maxOffset = Math.max(...offsets);
    const a = acc(`${cohortOf(first)}\u0000${breakdownKey(traits, q.breakdown)}`);
    a.users++;
    for (const n of q.days) {
      if (first + n > range.today) continue;
      a.observed.set(n, (a.observed.get(n) ?? 0) + 1);
      if (q.rolling ? maxOffset >= n : offsets.has(n)) a.retained.set(n, (a.retained.get(n) ?? 0) + 1);
    }
  }
  return {
    range: range.label,
    granularity: q.granularity,
    rolling: q.rolling,
    cohorts: [...cohorts]
      .map(([key, a]) => {
        const [cohort, value] = key.split("\u0000") as [string, string];
        return {
          cohort,
          ...(q.breakdown ? { value } : {}),
          users: a.users,
          retention: Object.fromEntries(
            q.days.map((n) => {
              const observed = a.observed.get(n) ?? 0;
              const retained = a.retained.get(n) ?? 0;
              return [`d${n}`, { retained, observed, rate: rate(retained, observed) }];
            }),
          ),
        };
      })
      .sort((x, y) => x.cohort.localeCompare(y.cohort) || String(x.value).localeCompare(String(y.value))),
  };
}
