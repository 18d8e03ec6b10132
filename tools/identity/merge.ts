import { stmt, type Db } from "../../db/sql.ts";
import type { WorkspaceRef as Ws } from "../../db/schema/index.ts";
import { catalogTraitDelta } from "../catalog/traits.ts";
import { moveTastes } from "../icebreakers/tastes.ts";
import { movePersonaData } from "../personas/people.ts";
import { rebuildUserDaily, writeProfileStats } from "../events/rollups.ts";
import { rebuildUserSegmentRollups } from "../segments/windows.ts";
import { ofUser } from "../events/selection.ts";

export const ANON_PREFIX = "anon:";
export const anonProfileId = (anonymousId: string) => ANON_PREFIX + anonymousId;
export const isAnonProfile = (userId: string) => userId.startsWith(ANON_PREFIX);


/**
 * Where later events for `userId` land: itself, or the profile it was merged into by alias.
 */
export function resolveUserId(db: Db, workspaceId: number, userId: string): string {
  const row = stmt(db, "SELECT user_id FROM identities WHERE workspace_id = ? AND kind = 'user_id' AND value = ?").get(
    workspaceId,
    userId,
  ) as { user_id: string } | undefined;
  return row?.user_id ?? userId;
}

export function profileTraits(db: Db, workspaceId: number, userId: string): Record<string, unknown> | undefined {
  const row = stmt(db, "SELECT traits FROM profiles WHERE workspace_id = ? AND user_id = ?").get(workspaceId, userId) as
    | { traits: string }
    | undefined;
  return row ? (JSON.parse(row.traits) as Record<string, unknown>) : undefined;
}

/**
 * Moves everything of profile `from` onto profile `into`: events, rollups (rebuilt), taste counts,
 * traits (`into` wins), identities and conflicts; `from` then redirects to `into`. Must run inside a
 * transaction: the caller holds it.
 */
export function mergeProfiles(db: Db, ws: Ws, from: string, into: string, now: number) {
  if (from === into) return;
  const w = ws.id;
  const fromTraits = profileTraits(db, w, from);
  const intoTraits = profileTraits(db, w, into);
  stmt(db, "UPDATE events SET user_id = ? WHERE workspace_id = ? AND user_id = ?").run(into, w, from);
  moveTastes(db, w, from, into);
  movePersonaData(db, w, from, into);
  rebuildUserDaily(db, w, [from, into], ofUser(w, into));
  rebuildUserSegmentRollups(db, w, [from, into], ofUser(w, into));
  if (!intoTraits) {
    // `into` may not exist yet: give it a row so the stats below and the traits have a home.
    stmt(
      db,
      `INSERT INTO profiles (workspace_id, user_id, anonymous, traits, event_count, seed, created_at, updated_at)
       VALUES (?, ?, ?, '{}', 0, random() & 1048575, ?, ?)`,
    ).run(w, into, isAnonProfile(into) ? 1 : 0, now, now);
  }
  writeProfileStats(db, ofUser(w, into), ws, now, "replace");
  if (fromTraits && Object.keys(fromTraits).length) {
    const merged = { ...fromTraits, ...(intoTraits ?? {}) };
    stmt(db, "UPDATE profiles SET traits = ?, updated_at = ? WHERE workspace_id = ? AND user_id = ?").run(
      JSON.stringify(merged),
      now,
      w,
      into,
    );
    catalogTraitDelta(db, w, [fromTraits, intoTraits ?? {}], [merged]);
  }
  stmt(db, "DELETE FROM profiles WHERE workspace_id = ? AND user_id = ?").run(w, from);
  stmt(db, "UPDATE identities SET user_id = ? WHERE workspace_id = ? AND user_id = ?").run(into, w, from);
  // The merged visitor's anonymous id now belongs to `into`, or its next event would start a new anonymous profile.
  if (isAnonProfile(from))
    stmt(
      db,
      `INSERT INTO identities (workspace_id, kind, value, user_id, created_at) VALUES (?, 'anonymous_id', ?, ?, ?)
       ON CONFLICT (workspace_id, kind, value) DO NOTHING`,
    ).run(w, from.slice(ANON_PREFIX.length), into, now);
  else
    stmt(
      db,
      `INSERT INTO identities (workspace_id, kind, value, user_id, created_at) VALUES (?, 'user_id', ?, ?, ?)
       ON CONFLICT (workspace_id, kind, value) DO UPDATE SET user_id = excluded.user_id`,
    ).run(w, from, into, now);
  moveConflicts(db, w, from, into);
  // A conflict between the two halves of one person is no conflict any more.
  stmt(db, "DELETE FROM identity_conflicts WHERE workspace_id = ? AND (owner_user_id = claimant_user_id OR claimant_user_id = ?)").run(w, from);
}

/**
 * Conflicts of `from` become `into`'s. Where both claimed the same id, the two records fold into
 * one (counts added, first and last seen widened) instead of one being dropped.
 */
function moveConflicts(db: Db, w: number, from: string, into: string) {
  stmt(
    db,
    `UPDATE identity_conflicts AS t SET count = t.count + f.count,
       first_seen_at = min(t.first_seen_at, f.first_seen_at), last_seen_at = max(t.last_seen_at, f.last_seen_at)
     FROM identity_conflicts AS f
     WHERE f.workspace_id = @w AND f.claimant_user_id = @from
       AND t.workspace_id = @w AND t.kind = f.kind AND t.value = f.value AND t.claimant_user_id = @into`,
  ).run({ w, from, into });
  stmt(
    db,
    `DELETE FROM identity_conflicts AS f WHERE f.workspace_id = @w AND f.claimant_user_id = @from AND EXISTS (
       SELECT 1 FROM identity_conflicts t WHERE t.workspace_id = @w AND t.kind = f.kind AND t.value = f.value AND t.claimant_user_id = @into)`,
  ).run({ w, from, into });
  stmt(db, "UPDATE identity_conflicts SET claimant_user_id = ? WHERE workspace_id = ? AND claimant_user_id = ?").run(into, w, from);
  stmt(db, "UPDATE identity_conflicts SET owner_user_id = ? WHERE workspace_id = ? AND owner_user_id = ?").run(into, w, from);
}
