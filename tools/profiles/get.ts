import { stmt } from "../../db/sql.ts";
import { notFound } from "../../lib/errors.ts";
import { dayNumber, dayToIso } from "../../lib/time.ts";
import type { Ctx } from "../context.ts";
import { INACTIVE_NAMES } from "../events/selection.ts";
import { anonProfileId } from "../identity/merge.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { eventView, type EventDbRow } from "../events/tail.ts";

type ProfileDbRow = {
  user_id: string;
  anonymous: number;
  traits: string;
  first_seen_at: number | null;
  last_seen_at: number | null;
  first_active_day: number | null;
  last_active_day: number | null;
  event_count: number;
  result: string | null;
  result_computed_at: number | null;
  predictive: string | null;
  predictive_computed_at: number | null;
  created_at: number;
  updated_at: number;
};

type ConflictDbRow = {
  kind: string;
  value: string;
  owner_user_id: string;
  claimant_user_id: string;
  first_seen_at: number;
  last_seen_at: number;
  count: number;
};

/**
 * The profile an id names: a user id (or one merged away by alias), an anonymous id linked to a
 * user, or an anonymous visitor's own profile.
 */
export function findProfileId(ctx: Ctx, id: string): string | undefined {
  const w = ctx.workspaceId;
  const has = (u: string) => !!stmt(ctx.db, "SELECT 1 FROM profiles WHERE workspace_id = ? AND user_id = ?").get(w, u);
  if (has(id)) return id;
  const linked = stmt(
    ctx.db,
    "SELECT user_id FROM identities WHERE workspace_id = ? AND kind IN ('user_id', 'anonymous_id') AND value = ? ORDER BY kind DESC LIMIT 1",
  ).get(w, id) as { user_id: string } | undefined;
  if (linked && has(linked.user_id)) return linked.user_id;
  return has(anonProfileId(id)) ? anonProfileId(id) : undefined;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
const isoDay = (d: number | null) => (d == null ? null : dayToIso(d));

/** The four tag layers, identities, conflicts and latest events of one profile. */
export function getProfile(ctx: Ctx, id: string, opts: { events?: number } = {}) {
  const userId = findProfileId(ctx, id);
  if (!userId) throw notFound("user", "用户不存在");
  const w = ctx.workspaceId;
  const ws = getWorkspace(ctx.db, w);
  const p = stmt(ctx.db, "SELECT * FROM profiles WHERE workspace_id = ? AND user_id = ?").get(w, userId) as ProfileDbRow;
  const today = dayNumber(ctx.now().getTime(), ws.timezone);
  const activity = stmt(
    ctx.db,
    `SELECT count(DISTINCT CASE WHEN e.day > @today - 7 THEN e.day END) AS d7,
            count(DISTINCT CASE WHEN e.day > @today - 30 THEN e.day END) AS d30,
            count(DISTINCT e.day) AS d90
     FROM user_daily e WHERE e.workspace_id = @ws AND e.user_id = @uid AND e.day > @today - 90 AND e.day <= @today AND e.name NOT IN ${INACTIVE_NAMES}`,
  ).get({ ws: w, uid: userId, today, nonActivity: JSON.stringify(ws.nonActivityEvents) }) as { d7: number; d30: number; d90: number };
  const counts = stmt(
    ctx.db,
    `SELECT name, sum(count) AS count, sum(amount) AS amount FROM user_daily WHERE workspace_id = ? AND user_id = ?
     GROUP BY name ORDER BY count DESC, name`,
  ).all(w, userId) as { name: string; count: number; amount: number }[];
  const identities = stmt(
    ctx.db,
    "SELECT kind, value, created_at FROM identities WHERE workspace_id = ? AND user_id = ? ORDER BY kind, value",
  ).all(w, userId) as { kind: string; value: string; created_at: number }[];
  const conflicts = stmt(
    ctx.db,
    `SELECT kind, value, owner_user_id, claimant_user_id, first_seen_at, last_seen_at, count FROM identity_conflicts
     WHERE workspace_id = ? AND (owner_user_id = ? OR claimant_user_id = ?) ORDER BY kind, value`,
  ).all(w, userId, userId) as ConflictDbRow[];
  const latest = stmt(
    ctx.db,
    "SELECT * FROM events WHERE workspace_id = ? AND user_id = ? ORDER BY occurred_at DESC, seq DESC LIMIT ?",
  ).all(w, userId, opts.events ?? 20) as EventDbRow[];
  const traits = JSON.parse(p.traits) as Record<string, unknown>;
  return {
    userId,
    anonymous: !!p.anonymous,
    traits,
    tags: {
      basic: traits,
      behaviour: {
        firstSeenAt: iso(p.first_seen_at),
        lastSeenAt: iso(p.last_seen_at),
        firstActiveDay: isoDay(p.first_active_day),
        lastActiveDay: isoDay(p.last_active_day),
        daysSinceLastActive: p.last_active_day == null ? null : Math.max(0, today - p.last_active_day),
        activeDays7: activity.d7,
        activeDays30: activity.d30,
        activeDays90: activity.d90,
        eventCount: p.event_count,
        totalAmount: counts.reduce((s, c) => s + c.amount, 0),
        eventCounts: Object.fromEntries(counts.map((c) => [c.name, c.count])),
        computedAt: ctx.now().toISOString(),
      },
      result: p.result ? JSON.parse(p.result) : null,
      resultComputedAt: iso(p.result_computed_at),
      predictive: p.predictive ? JSON.parse(p.predictive) : null,
      predictiveComputedAt: iso(p.predictive_computed_at),
    },
    identities: identities.map((i) => ({ kind: i.kind, value: i.value, linkedAt: iso(i.created_at) })),
    conflicts: conflicts.map((c) => ({
      kind: c.kind,
      value: c.value,
      ownerUserId: c.owner_user_id,
      claimantUserId: c.claimant_user_id,
      role: c.owner_user_id === userId ? "owner" : "claimant",
      count: c.count,
      firstSeenAt: iso(c.first_seen_at),
      lastSeenAt: iso(c.last_seen_at),
    })),
    latestEvents: latest.map(eventView),
    createdAt: iso(p.created_at),
    updatedAt: iso(p.updated_at),
  };
}
