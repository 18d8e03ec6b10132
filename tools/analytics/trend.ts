import { stmt } from "../../db/sql.ts";
import { z } from "zod";
import { dayToIso } from "../../lib/time.ts";
import type { Ctx } from "../context.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { DayRange, resolveRange } from "./common.ts";

export const TrendInput = z
  .strictObject({
    range: DayRange.default({ days: 30 }),
    event: z.string().min(1).max(200).optional().meta({ description: "Count only this event per day (default: all events). 事件名" }),
  })
  .meta({ id: "TrendInput" });

/** DAU, WAU and MAU (distinct active users on the day, the 7 and the 30 days ending on it) and events per day. */
export function trend(ctx: Ctx, input: z.input<typeof TrendInput>) {
  const q = TrendInput.parse(input);
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const r = resolveRange(q.range, ws, ctx.now());
  const active = stmt(ctx.db, 
      `SELECT DISTINCT day, user_id AS u FROM user_daily WHERE workspace_id = @ws AND day BETWEEN @from AND @to AND name NOT IN ${INACTIVE_NAMES} ORDER BY day`,
    )
    .all({ ws: ws.id, from: r.d0 - 29, to: r.d1, nonActivity: JSON.stringify(ws.nonActivityEvents) }) as { day: number; u: string }[];
  const counts = new Map(
    (
      stmt(ctx.db, `SELECT day, sum(count) AS n FROM user_daily WHERE workspace_id = @ws AND day BETWEEN @from AND @to AND (@event IS NULL OR name = @event) GROUP BY day`)
        .all({ ws: ws.id, from: r.d0, to: r.d1, event: q.event ?? null }) as { day: number; n: number }[]
    ).map((x) => [x.day, x.n]),
  );
  const byDay = new Map<number, string[]>();
  for (const a of active) (byDay.get(a.day) ?? byDay.set(a.day, []).get(a.day)!).push(a.u);
  // Sliding windows: how many of each user's active days lie in the last 7 and 30 days.
  const in7 = new Map<string, number>();
  const in30 = new Map<string, number>();
  const add = (m: Map<string, number>, u: string, by: number) => {
    const v = (m.get(u) ?? 0) + by;
    if (v) m.set(u, v);
    else m.delete(u);
  };
  const days = [];
  for (let d = r.d0 - 29; d <= r.d1; d++) {
    for (const u of byDay.get(d) ?? []) (add(in7, u, 1), add(in30, u, 1));
    for (const u of byDay.get(d - 7) ?? []) add(in7, u, -1);
    for (const u of byDay.get(d - 30) ?? []) add(in30, u, -1);
    if (d >= r.d0) days.push({ day: dayToIso(d), dau: byDay.get(d)?.length ?? 0, wau: in7.size, mau: in30.size, events: counts.get(d) ?? 0 });
  }
  return { range: r.label, event: q.event ?? null, days };
}
