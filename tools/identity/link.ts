import { stmt, type Db } from "../../db/sql.ts";
import type { IdentityKind, WorkspaceRef as Ws } from "../../db/schema/index.ts";
import { anonProfileId, mergeProfiles, resolveUserId } from "./merge.ts";


export type LinkOutcome = "linked" | "already" | "conflict";

/**
 * Claims an id of some kind (anonymous id or channel id) for `userId`. The first claim wins; a
 * second user claiming the same id is recorded as a conflict on both profiles, never merged
 * silently. Linking an anonymous id moves that visitor's anonymous history onto the user.
 */
export function claimIdentity(db: Db, ws: Ws, kind: IdentityKind, value: string, userId: string, now: number): LinkOutcome {
  const w = ws.id;
  const target = resolveUserId(db, w, userId);
  const owner = stmt(db, "SELECT user_id FROM identities WHERE workspace_id = ? AND kind = ? AND value = ?").get(w, kind, value) as
    | { user_id: string }
    | undefined;
  if (owner?.user_id === target) return "already";
  if (owner) {
    stmt(
      db,
      `INSERT INTO identity_conflicts (workspace_id, kind, value, owner_user_id, claimant_user_id, first_seen_at, last_seen_at, count)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (workspace_id, kind, value, claimant_user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, count = count + 1`,
    ).run(w, kind, value, owner.user_id, target, now, now);
    return "conflict";
  }
  stmt(db, "INSERT INTO identities (workspace_id, kind, value, user_id, created_at) VALUES (?, ?, ?, ?, ?)").run(w, kind, value, target, now);
  if (kind === "anonymous_id") {
    const anon = anonProfileId(value);
    const exists = stmt(db, "SELECT 1 FROM profiles WHERE workspace_id = ? AND user_id = ?").get(w, anon);
    if (exists) mergeProfiles(db, ws, anon, target, now);
  }
  return "linked";
}
