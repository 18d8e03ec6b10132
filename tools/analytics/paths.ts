import { stmt } from "../../db/sql.ts";
import { z } from "zod";
import type { Ctx } from "../context.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { DayRange, rate, resolveRange } from "./common.ts";

export const PathsInput = z
  .strictObject({
    event: z.string().min(1).max(200),
    range: DayRange.default({ days: 30 }),
    limit: z.number().int().min(1).max(100).default(10),
  })
  .meta({ id: "PathsInput" });

/**
 * What users do next after an event: for each occurrence in the range, the user's next activity
 * event row (by time, then the stored order `seq`), counted; `X → X` is a second, later X. The
 * next event may fall after the range (an occurrence on its last day still has one); `ended`
 * counts occurrences with no later activity at all.
 */
export function paths(ctx: Ctx, input: z.input<typeof PathsInput>) {
  const q = PathsInput.parse(input);
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const r = resolveRange(q.range, ws, ctx.now());
  const rows = stmt(ctx.db, 
      `SELECT next, count(*) AS n FROM (
         SELECT e.name, e.occurred_at AS t, lead(e.name) OVER (PARTITION BY e.user_id ORDER BY e.occurred_at, e.seq) AS next FROM events e
         WHERE e.workspace_id = @ws AND e.occurred_at >= @t0 AND e.name NOT IN ${INACTIVE_NAMES})
       WHERE name = @event AND t <= @t1 GROUP BY next ORDER BY n DESC, next`,
    )
    .all({ ws: ws.id, t0: r.t0, t1: r.t1, event: q.event, nonActivity: JSON.stringify(ws.nonActivityEvents) }) as { next: string | null; n: number }[];
  const total = rows.reduce((s, x) => s + x.n, 0);
  return {
    range: r.label,
    event: q.event,
    occurrences: total,
    next: rows.filter((x) => x.next !== null).slice(0, q.limit).map((x) => ({ event: x.next!, count: x.n, share: rate(x.n, total) })),
    ended: rows.find((x) => x.next === null)?.n ?? 0,
  };
}
