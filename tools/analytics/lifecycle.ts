import { stmt, type Db } from "../../db/sql.ts";
import type { ModelSettings, WorkspaceRow } from "../../db/schema/index.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { LIFECYCLE_STAGES } from "../segments/schema.ts";

export type Stage = keyof typeof LIFECYCLE_STAGES;
export type LifecycleSettings = Required<NonNullable<ModelSettings["lifecycle"]>>;

export const LIFECYCLE_DEFAULTS: LifecycleSettings = { newDays: 7, dormantDays: 15, churnDays: 30, growingDays: 60 };

export const lifecycleSettings = (ws: Pick<WorkspaceRow, "settings">): LifecycleSettings => ({ ...LIFECYCLE_DEFAULTS, ...ws.settings.lifecycle });

/**
 * DESIGN §4's default rules: new while first seen ≤ 7 days ago; churned after > 30 days without
 * activity; dormant when the last activity was 15–30 days ago; else growing while first seen
 * ≤ 60 days ago, then mature. Only activity counts, so messages never revive anyone.
 */
export function stageOf(firstDay: number, lastDay: number, asOfDay: number, s: LifecycleSettings): Stage {
  const age = asOfDay - firstDay;
  const idle = asOfDay - lastDay;
  if (age <= s.newDays) return "new";
  if (idle > s.churnDays) return "churned";
  if (idle >= s.dormantDays) return "dormant";
  return age <= s.growingDays ? "growing" : "mature";
}

/** Every profile's stage as of a day (profiles with no activity by then have none). */
export function stagesAsOf(db: Db, ws: WorkspaceRow, asOfDay: number, only?: readonly string[]): Map<string, Stage> {
  const s = lifecycleSettings(ws);
  const rows = stmt(
    db,
    `SELECT user_id, min(day) AS first, max(day) AS last FROM user_daily
     WHERE workspace_id = @ws AND day <= @asOfDay AND name NOT IN ${INACTIVE_NAMES}
       AND (@only IS NULL OR user_id IN (SELECT value FROM json_each(@only))) GROUP BY user_id`,
  ).all({ ws: ws.id, asOfDay, nonActivity: JSON.stringify(ws.nonActivityEvents), only: only ? JSON.stringify(only) : null }) as {
    user_id: string;
    first: number;
    last: number;
  }[];
  return new Map(rows.map((r) => [r.user_id, stageOf(r.first, r.last, asOfDay, s)]));
}

/** The distribution now and how many users moved between stages since a week ago. */
export function lifecycleReport(db: Db, ws: WorkspaceRow, asOfDay: number) {
  const now = stagesAsOf(db, ws, asOfDay);
  const before = stagesAsOf(db, ws, asOfDay - 7);
  const stages = Object.keys(LIFECYCLE_STAGES) as Stage[];
  const counts = new Map<string, number>();
  for (const [u, to] of now) {
    const from = before.get(u) ?? "none";
    if (from !== to) counts.set(`${from}|${to}`, (counts.get(`${from}|${to}`) ?? 0) + 1);
  }
  return {
    settings: lifecycleSettings(ws),
    distribution: stages.map((stage) => ({ stage, label: LIFECYCLE_STAGES[stage], users: [...now.values()].filter((v) => v === stage).length })),
    transitions: [...counts].map(([k, users]) => {
      const [from, to] = k.split("|") as [string, Stage];
      return { from, to, users };
    }).sort((a, b) => b.users - a.users || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
  };
}
