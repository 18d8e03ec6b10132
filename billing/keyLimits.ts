import { and, eq } from "drizzle-orm";
import { stmt, type Db } from "../db/sql.ts";
import { keyCreditLimits, type WorkspaceRow as Ws } from "../db/schema/index.ts";
import { allowancePeriod } from "./grants.ts";

/**
 * A developer key's credit cap (Unkey's model: a limit with a monthly refill). It is checked next
 * to the user's balance, never instead of it: both must cover a use.
 */
export type KeyLimit = typeof keyCreditLimits.$inferSelect;
type WorkspaceRow = Pick<Ws, "id" | "timezone">;

const periodOf = (refill: KeyLimit["refill"], at: number, timeZone: string) => (refill === "monthly" ? allowancePeriod(at, timeZone, "monthly").key : "all");

export function keyLimitOf(db: Db, workspaceId: number, keyId: string): KeyLimit | undefined {
  // Every metered request asks, capped or not: a prepared statement, not the query builder.
  return stmt(db, 'SELECT workspace_id AS workspaceId, key_id AS keyId, "limit", refill, period, used, updated_at AS updatedAt FROM key_credit_limits WHERE workspace_id = ? AND key_id = ?').get(workspaceId, keyId) as
    | KeyLimit
    | undefined;
}

/** What the key may still spend in the current period, in milli-credits; undefined = no cap. */
export function keyHeadroom(db: Db, ws: WorkspaceRow, keyId: string, now: number): { limit: number; used: number; left: number; resetsAt: number | null } | undefined {
  const l = keyLimitOf(db, ws.id, keyId);
  if (!l) return undefined;
  const used = l.period === periodOf(l.refill, now, ws.timezone) ? l.used : 0;
  return { limit: l.limit, used, left: Math.max(0, l.limit - used), resetsAt: l.refill === "monthly" ? allowancePeriod(now, ws.timezone, "monthly").end : null };
}

/** Counts a use against the key's cap (inside the caller's atomic unit); false if it does not fit. */
export function chargeKey(db: Db, ws: WorkspaceRow, keyId: string, amount: number, now: number): false | { charge: number; period: string | null } {
  const l = keyLimitOf(db, ws.id, keyId);
  if (!l) return { charge: 0, period: null };
  const period = periodOf(l.refill, now, ws.timezone);
  const used = l.period === period ? l.used : 0;
  if (l.limit - used < amount) return false;
  stmt(db, "UPDATE key_credit_limits SET used = ?, period = ?, updated_at = ? WHERE workspace_id = ? AND key_id = ?").run(used + amount, period, now, ws.id, keyId);
  return { charge: amount, period };
}

/**
 * A released use gives back exactly what it counted against the cap, and only to the cap period it
 * was counted in: a cap set after the use, or reset since, is not touched.
 */
export function refundKey(db: Db, ws: WorkspaceRow, keyId: string, charge: number | null, period: string | null, now: number): void {
  if (!charge || !period) return;
  stmt(db, "UPDATE key_credit_limits SET used = max(0, used - ?), updated_at = ? WHERE workspace_id = ? AND key_id = ? AND period = ?").run(charge, now, ws.id, keyId, period);
}

/** Sets or removes (limit null) a key's cap; the current period's use is kept. Milli-credits. */
export function setKeyLimit(db: Db, ws: WorkspaceRow, keyId: string, limit: number | null, refill: KeyLimit["refill"], now: number): KeyLimit | undefined {
  if (limit === null) {
    db.delete(keyCreditLimits).where(and(eq(keyCreditLimits.workspaceId, ws.id), eq(keyCreditLimits.keyId, keyId))).run();
    return undefined;
  }
  const period = periodOf(refill, now, ws.timezone);
  const prior = keyHeadroom(db, ws, keyId, now);
  const priorRow = keyLimitOf(db, ws.id, keyId);
  const used = prior && priorRow && priorRow.refill === refill ? prior.used : 0;
  return db
    .insert(keyCreditLimits)
    .values({ workspaceId: ws.id, keyId, limit, refill, period, used, updatedAt: now })
    .onConflictDoUpdate({ target: [keyCreditLimits.workspaceId, keyCreditLimits.keyId], set: { limit, refill, period, used, updatedAt: now } })
    .returning()
    .get();
}
