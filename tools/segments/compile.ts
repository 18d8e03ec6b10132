import { and, eq } from "drizzle-orm";
import { stmt, type Db } from "../../db/sql.ts";
import { segments, type WorkspaceRow } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { fnv1a } from "../../lib/ids.ts";
import { dayNumber, dayStartMs } from "../../lib/time.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { SQL_OP, holds, jsonCompare, type Bind } from "./predicates.ts";
import { SegmentNode, explainSegmentIssue, type SegmentNode as Node } from "./schema.ts";
import { planWindow, type DayRange } from "./windowPlan.ts";
import { windowState, type WindowState } from "./windows.ts";

const NEVER = -1_000_000_000;

type Env = {
  db: Db;
  ws: WorkspaceRow;
  asOf: number;
  asOfDay: number;
  /** When local day `asOfDay` began: events from here to `asOf` are read raw, not from rollups… */
  asOfDayStart: number;
  /** …unless nothing in the workspace happened after asOf, when the day's rollup is already exact. */
  rollupsExact: boolean;
  bind: Bind;
  /** Anchored window counts, when the daily recompute has built them. */
  windows: WindowState | undefined;
  /** Saved segments being expanded, to refuse cycles. */
  expanding: string[];
  params: Record<string, unknown>;
};


export function invalid(path: string, message: string): never {
  throw new ApiError(ErrorCode.ValidationFailed, bi("分群定义无效", `invalid segment definition at ${path}: ${message}`), { path, message });
}

/** Validates a definition; a 400 names the node path that is wrong. */
export function parseDefinition(def: unknown, prefix = "definition"): Node {
  const r = SegmentNode.safeParse(def);
  if (r.success) return r.data;
  const { path, message } = explainSegmentIssue(r.error.issues as never, def);
  return invalid(path === "(root)" ? prefix : `${prefix}.${path}`, message);
}

type Where = NonNullable<Extract<Node, { performed: string }>["where"]>;

/** A `where` that anchored windows answer: one property with windows, equal to one of some texts. */
function windowedValues(env: Env, event: string, where: Where | undefined): string[] | undefined {
  if (!where) return [];
  if (where.length !== 1 || !env.windows) return undefined;
  const [w] = where as [Where[number]];
  const values = w.op === "eq" ? [w.value] : w.op === "in" ? (w.value as unknown[]) : undefined;
  if (!values?.every((v) => typeof v === "string")) return undefined;
  return env.windows.hot.some((h) => h.event === event && h.property === w.property) ? (values as string[]) : undefined;
}

/**
 * Signed per-user rows (user_id, c, s) whose sums per user are the count and amount of one event
 * over days [d0, d1] as of `asOf`. Whole days come from anchored windows corrected by daily rows
 * (windowPlan.ts), or from daily rows alone; a `where` on a hot property reads the property's
 * windows and daily rollup, any other `where` reads raw events. The asOf day itself is read raw up
 * to asOf unless nothing happened after asOf.
 */
function rows(env: Env, event: string, d0: number, d1: number, where?: Where): string {
  const ev = env.bind(event);
  const filters = where?.length ? ` AND ${where.map((w) => jsonCompare("e.properties", w.property, w, env.bind)).join(" AND ")}` : "";
  const raw = (t0: number, t1: number, sign: number) =>
    `SELECT e.user_id, ${sign} AS c, ${sign} * coalesce(e.amount, 0) AS s FROM events e
      WHERE e.workspace_id = @ws AND e.name = ${ev} AND e.occurred_at BETWEEN ${env.bind(t0)} AND ${env.bind(t1)}${filters}`;
  // Hot property values (a `where` the property rollups answer) or the event as a whole ([]).
  const values = windowedValues(env, event, where);
  const valueTest = values?.length
    ? `prop = ${env.bind(where![0]!.property)} AND value IN (SELECT value FROM json_each(${env.bind(JSON.stringify(values))}))`
    : "prop = '' AND value = ''";
  const days = ({ from, to, sign }: DayRange) =>
    values?.length
      ? `SELECT user_id, ${sign} * count AS c, ${sign} * amount AS s FROM user_daily_props
          WHERE workspace_id = @ws AND name = ${ev} AND ${valueTest} AND day BETWEEN ${env.bind(from)} AND ${env.bind(to)}`
      : where?.length
        ? raw(from <= NEVER ? 0 : dayStartMs(from, env.ws.timezone), dayStartMs(to + 1, env.ws.timezone) - 1, sign)
        : // INDEXED BY: left alone, the planner may scan the whole rollup in user order to save the
          // GROUP BY's sort, which reads every row of every event (measured: 46 ms → 450 ms).
          `SELECT user_id, ${sign} * count AS c, ${sign} * amount AS s FROM user_daily INDEXED BY user_daily_name_day
            WHERE workspace_id = @ws AND name = ${ev} AND day BETWEEN ${env.bind(from)} AND ${env.bind(to)}`;
  const parts: string[] = [];
  const lastWhole = Math.min(d1, env.rollupsExact ? env.asOfDay : env.asOfDay - 1);
  if (d0 <= lastWhole) {
    const lengths = values?.length ? env.windows?.propLengths : env.windows?.lengths;
    const plan = values && lengths ? planWindow(env.windows!.anchor, lengths, d0, lastWhole) : { windows: [], days: [{ from: d0, to: lastWhole, sign: 1 as const }] };
    for (const w of plan.windows)
      parts.push(`SELECT user_id, ${w.sign} * count AS c, ${w.sign} * amount AS s FROM user_windows
        WHERE workspace_id = @ws AND name = ${ev} AND ${valueTest} AND len = ${env.bind(w.len)}`);
    parts.push(...plan.days.map(days));
  }
  if (!env.rollupsExact && d0 <= env.asOfDay && d1 >= env.asOfDay) parts.push(raw(env.asOfDayStart, env.asOf, 1));
  return parts.length ? parts.join(" UNION ALL ") : "SELECT NULL AS user_id, 0 AS c, 0 AS s WHERE 0";
}

/** Per-user count (c) and amount (s) of one event over days [d0, d1]. */
function counts(env: Env, event: string, d0: number, d1: number, where?: Where): string {
  return `SELECT user_id, sum(c) AS c, round(total(s), 6) AS s FROM (${rows(env, event, d0, d1, where)}) GROUP BY user_id`;
}

function windowDays(env: Env, within: Extract<Node, { performed: string }>["within"]): [number, number] {
  if (!within) return [NEVER, env.asOfDay];
  if ("days" in within) return [env.asOfDay - within.days + 1, env.asOfDay];
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
  return [day(within.from), Math.min(day(within.to), env.asOfDay)];
}

function performed(env: Env, n: Extract<Node, { performed: string }>): string {
  const [d0, d1] = windowDays(env, n.within);
  const perUser = counts(env, n.performed, d0, d1, n.where);
  const times = n.times ?? { op: "gte", value: 1 };
  const conds = [`c ${SQL_OP[times.op]} ${env.bind(times.value)}`];
  if (n.sum) conds.push(`s ${SQL_OP[n.sum.op]} ${env.bind(n.sum.value)}`);
  const f = conds.join(" AND ");
  // Users with no matching event have c = 0 and s = 0: when that satisfies the test, the match is
  // everyone except those whose counts fail it.
  const zeroMatches = holds(times.op, 0, times.value) && (!n.sum || holds(n.sum.op, 0, n.sum.value));
  return zeroMatches
    ? `p.user_id NOT IN (SELECT user_id FROM (${perUser}) WHERE NOT (${f}))`
    : `p.user_id IN (SELECT user_id FROM (${perUser}) WHERE ${f})`;
}

function lastActive(env: Env, n: Extract<Node, { lastActive: unknown }>): string {
  const test = `${SQL_OP[n.lastActive.op]} ${env.bind(n.lastActive.days)}`;
  // Profiles keep the last active day at ingest: exact when nothing happened after asOf.
  if (env.rollupsExact) return `(p.last_active_day IS NOT NULL AND @asOfDay - p.last_active_day ${test})`;
  return `p.user_id IN (SELECT user_id FROM (
      SELECT user_id, max(day) AS d FROM user_daily WHERE workspace_id = @ws AND day < @asOfDay AND name NOT IN ${INACTIVE_NAMES} GROUP BY user_id
      UNION ALL
      SELECT user_id, @asOfDay AS d FROM events WHERE workspace_id = @ws AND occurred_at BETWEEN @asOfDayStart AND @asOf AND name NOT IN ${INACTIVE_NAMES})
    GROUP BY user_id HAVING @asOfDay - max(d) ${test})`;
}

function change(env: Env, n: Extract<Node, { change: unknown }>["change"]): string {
  const cur0 = env.asOfDay - n.days + 1;
  const prev0 = env.asOfDay - 2 * n.days + 1;
  const pct = env.bind(n.pct / 100);
  const test = n.op === "drop" ? `prev > 0 AND cur <= prev * (1 - ${pct})` : `cur > 0 AND cur >= prev * (1 + ${pct})`;
  const perUser =
    n.event === "active_days"
      ? activeDaysChange(env, cur0, prev0)
      : `SELECT user_id, total(CASE WHEN k THEN c END) AS cur, total(CASE WHEN NOT k THEN c END) AS prev FROM (
          SELECT user_id, 1 AS k, c FROM (${rows(env, n.event, cur0, env.asOfDay)})
          UNION ALL SELECT user_id, 0 AS k, c FROM (${rows(env, n.event, prev0, cur0 - 1)}))
        GROUP BY user_id`;
  return `p.user_id IN (SELECT user_id FROM (${perUser}) WHERE ${test})`;
}

/** Per user, distinct active days in the current and the previous period. */
function activeDaysChange(env: Env, cur0: number, prev0: number): string {
  const lastRollupDay = env.rollupsExact ? "@asOfDay" : "@asOfDay - 1";
  const rollup = `SELECT DISTINCT user_id, day AS d FROM user_daily WHERE workspace_id = @ws AND day BETWEEN ${env.bind(prev0)} AND ${lastRollupDay} AND name NOT IN ${INACTIVE_NAMES}`;
  const today = `UNION SELECT DISTINCT user_id, @asOfDay AS d FROM events WHERE workspace_id = @ws AND occurred_at BETWEEN @asOfDayStart AND @asOf AND name NOT IN ${INACTIVE_NAMES}`;
  const curStart = env.bind(cur0);
  return `SELECT user_id, count(CASE WHEN d >= ${curStart} THEN 1 END) AS cur, count(CASE WHEN d < ${curStart} THEN 1 END) AS prev
    FROM (${env.rollupsExact ? rollup : `${rollup} ${today}`}) GROUP BY user_id`;
}

function topPercent(env: Env, n: Extract<Node, { topPercent: unknown }>["topPercent"]): string {
  const path = env.bind(`$.${n.score}`);
  // The cut is the k-th highest score, k = ceil(n × pct / 100); ties at the cut are in, nulls out.
  const k = `CAST((count(*) * ${env.bind(n.pct)} + 99.999999) / 100 AS INTEGER)`;
  return `json_extract(p.predictive, ${path}) >= (
      SELECT v FROM (SELECT json_extract(q.predictive, ${path}) AS v FROM profiles q WHERE q.workspace_id = @ws AND v IS NOT NULL ORDER BY v DESC)
      LIMIT 1 OFFSET (SELECT max(${k} - 1, 0) FROM profiles q WHERE q.workspace_id = @ws AND json_extract(q.predictive, ${path}) IS NOT NULL))`;
}


function inSegment(env: Env, id: string): string {
  if (env.expanding.includes(id)) invalid(`inSegment ${id}`, `cycle: ${[...env.expanding, id].join(" → ")}`);
  const row = env.db.select().from(segments).where(and(eq(segments.id, id), eq(segments.workspaceId, env.ws.id))).get();
  if (!row) invalid(`inSegment ${id}`, "no such segment in this workspace");
  env.expanding.push(id);
  const sql = node(env, parseDefinition(row.definition, `segment ${id}`));
  env.expanding.pop();
  return sql;
}

/** Behaviour leaves: `p.user_id [NOT] IN (user ids, never NULL)`, so already two-valued. */
const byUserIds = (n: Node) => "performed" in n || "notPerformed" in n || "change" in n;

function node(env: Env, n: Node): string {
  // Behaviour first, bare: SQLite can then drive the scan from the matching ids and read the
  // traits' JSON only for them (measured on the benchmark's trait and behaviour mix: 265 → 146 ms).
  if ("and" in n) return `(${[...n.and.filter(byUserIds), ...n.and.filter((c) => !byUserIds(c))].map((c) => node(env, c)).join(" AND ")})`;
  if ("or" in n) return `(${n.or.map((c) => node(env, c)).join(" OR ")})`;
  if ("not" in n) return `(NOT ${node(env, n.not)})`;
  if (byUserIds(n)) return leaf(env, n as never);
  // Leaves are two-valued: SQL's NULL (a missing trait or score) is false, so `not` of it is true.
  return `coalesce(${leaf(env, n)}, 0)`;
}

function leaf(env: Env, n: Exclude<Node, { and: unknown } | { or: unknown } | { not: unknown }>): string {
  if ("trait" in n) return jsonCompare("p.traits", n.trait, n, env.bind);
  if ("performed" in n) return performed(env, n);
  if ("notPerformed" in n) return performed(env, { performed: n.notPerformed, within: n.within, times: { op: "lt", value: 1 } });
  if ("lastActive" in n) return lastActive(env, n);
  if ("rfm" in n) return `json_extract(p.result, '$.rfm.class') IN (SELECT value FROM json_each(${env.bind(JSON.stringify(n.rfm))}))`;
  if ("lifecycle" in n) return `json_extract(p.result, '$.lifecycle.stage') IN (SELECT value FROM json_each(${env.bind(JSON.stringify(n.lifecycle))}))`;
  if ("score" in n) return `json_extract(p.predictive, ${env.bind(`$.${n.score}`)}) ${SQL_OP[n.op]} ${env.bind(n.value)}`;
  if ("topPercent" in n) return topPercent(env, n.topPercent);
  if ("change" in n) return change(env, n.change);
  if ("inSegment" in n) return inSegment(env, n.inSegment);
  const { pct, salt } = n.randomBucket;
  return `((p.seed * 2654435761 + ${env.bind(fnv1a(salt))}) % 1000003) % 10000 < ${env.bind(Math.round(pct * 100))}`;
}

/**
 * A definition as a SQL condition over `profiles p`, with its parameters. `within` lists saved
 * segments this definition is part of, so a definition that would include itself is refused.
 */
export function compileSegment(db: Db, ws: WorkspaceRow, definition: Node, asOf: number, within: string[] = []) {
  const params: Record<string, unknown> = {};
  let n = 0;
  const asOfDay = dayNumber(asOf, ws.timezone);
  // The latest event time, from the catalog's few rows (never lowered by deletions, so at worst
  // the exact path is taken needlessly).
  const latest = (stmt(db, "SELECT max(last_seen_at) AS m FROM catalog_events WHERE workspace_id = ?").get(ws.id) as { m: number | null }).m;
  const env: Env = {
    db,
    ws,
    asOf,
    asOfDay,
    asOfDayStart: dayStartMs(asOfDay, ws.timezone),
    rollupsExact: latest === null || latest <= asOf,
    windows: windowState(db, ws.id),
    expanding: [...within],
    params,
    bind: (v) => {
      const name = `p${n++}`;
      params[name] = typeof v === "boolean" ? (v ? 1 : 0) : v;
      return `@${name}`;
    },
  };
  const where = node(env, definition);
  Object.assign(params, { ws: ws.id, asOf, asOfDay, asOfDayStart: env.asOfDayStart, nonActivity: JSON.stringify(ws.nonActivityEvents) });
  return { where: `p.workspace_id = @ws AND ${where}`, params };
}
