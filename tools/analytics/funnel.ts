import { stmt } from "../../db/sql.ts";
import { z } from "zod";
import type { Ctx } from "../context.ts";
import { jsonCompare } from "../segments/predicates.ts";
import { PropertyFilter } from "../segments/schema.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { Breakdown, DayRange, breakdownKey, median, rate, resolveRange } from "./common.ts";

export const FunnelInput = z
  .strictObject({
    steps: z.array(z.strictObject({ event: z.string().min(1).max(200), where: z.array(PropertyFilter).max(10).optional() })).min(2).max(10),
    range: DayRange.default({ days: 30 }).meta({ description: "When the first step happens. 首步发生的日期范围" }),
    conversionWindowDays: z.number().int().min(1).max(365).default(7).meta({ description: "Time from the first step to finish. 转化窗口（天）" }),
    breakdown: Breakdown.optional(),
  })
  .meta({ id: "FunnelInput" });

type Step = { users: number; seconds: number[] };

/**
 * Ordered funnel: a user enters at their first first-step event in the range and advances through
 * each next step at its first occurrence after the previous one, within the conversion window.
 * Each step is a later event row than the step before it (by time, then by the stored order `seq`
 * for events at the same instant), so one event never counts as two steps: `purchase → purchase`
 * needs two purchases, and one rock play cannot be both "play rock" and the "play anything" after it.
 */
export function funnel(ctx: Ctx, input: z.input<typeof FunnelInput>) {
  const q = FunnelInput.parse(input);
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const range = resolveRange(q.range, ws, ctx.now());
  const windowMs = q.conversionWindowDays * 86_400_000;
  const params: Record<string, unknown> = { ws: ws.id, t0: range.t0, t1: range.t1 + windowMs };
  let n = 0;
  const bind = (v: unknown) => {
    const k = `f${n++}`;
    params[k] = typeof v === "boolean" ? (v ? 1 : 0) : v;
    return `@${k}`;
  };
  const matches = q.steps.map(
    (s, i) => `(s.i = ${i} AND e.name = ${bind(s.event)}${s.where?.length ? ` AND ${s.where.map((w) => jsonCompare("e.properties", w.property, w, bind)).join(" AND ")}` : ""})`,
  );
  // One row per (event, step it matches): an event may match several steps, so each row keeps the
  // event's identity (seq) and a step only takes an event after the one the previous step took.
  const rows = stmt(ctx.db, 
      `SELECT e.user_id AS u, e.occurred_at AS t, e.seq AS seq, s.i AS i, p.traits AS traits FROM events e
       JOIN (${q.steps.map((_, i) => `SELECT ${i} AS i`).join(" UNION ALL ")}) s
         ON ${matches.join(" OR ")}
       LEFT JOIN profiles p ON p.workspace_id = e.workspace_id AND p.user_id = e.user_id
       WHERE e.workspace_id = @ws AND e.occurred_at BETWEEN @t0 AND @t1
       ORDER BY e.user_id, e.occurred_at, e.seq`,
    )
    .all(params) as { u: string; t: number; seq: number; i: number; traits: string | null }[];
  const groups = new Map<string, Step[]>();
  const bucket = (k: string) => groups.get(k) ?? groups.set(k, q.steps.map(() => ({ users: 0, seconds: [] }))).get(k)!;
  const total = bucket("all");
  let i = 0;
  while (i < rows.length) {
    const u = rows[i]!.u;
    let j = i;
    while (j < rows.length && rows[j]!.u === u) j++;
    const events = rows.slice(i, j);
    i = j;
    const entry = events.find((e) => e.i === 0 && e.t <= range.t1);
    if (!entry) continue;
    const key = breakdownKey(entry.traits, q.breakdown);
    const targets = q.breakdown ? [total, bucket(key)] : [total];
    let prev = entry;
    targets.forEach((b) => b[0]!.users++);
    for (let step = 1; step < q.steps.length; step++) {
      const after = prev;
      const hit = events.find((e) => e.i === step && (e.t > after.t || (e.t === after.t && e.seq > after.seq)) && e.t <= entry.t + windowMs);
      if (!hit) break;
      targets.forEach((b) => {
        b[step]!.users++;
        b[step]!.seconds.push((hit.t - after.t) / 1000);
      });
      prev = hit;
    }
  }
  const describe = (steps: Step[]) =>
    steps.map((s, k) => ({
      event: q.steps[k]!.event,
      users: s.users,
      conversionFromPrevious: k ? rate(s.users, steps[k - 1]!.users) : null,
      conversionFromFirst: rate(s.users, steps[0]!.users),
      medianSecondsFromPrevious: k ? median(s.seconds) : null,
    }));
  return {
    range: range.label,
    conversionWindowDays: q.conversionWindowDays,
    steps: describe(total),
    breakdown: q.breakdown
      ? [...groups].filter(([k]) => k !== "all").map(([value, steps]) => ({ value, steps: describe(steps) })).sort((a, b) => b.steps[0]!.users - a.steps[0]!.users || a.value.localeCompare(b.value))
      : undefined,
  };
}
