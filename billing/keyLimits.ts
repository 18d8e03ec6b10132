import { and, eq } from "drizzle-orm";
import type { Db } from "../db/sql.ts";
import { keyCreditLimits, type WorkspaceRow } from "../db/schema/index.ts";
import { allowancePeriod } from "./grants.ts";

/**
 * A developer key's credit cap (Unkey's model: a limit with a monthly refill). It is checked next
 * to the user's balance, never instead of it: both must cover a use.
 */
export type KeyLimit = typeof keyCreditLimits.$inferSelect;

const periodOf = (refill: KeyLimit["refill"], at: number, timeZone: string) => (refill === "monthly" ? allowancePeriod(at, timeZone, "monthly").key : "all");

export function keyLimitOf(db: Db, workspaceId: number, keyId: string): KeyLimit | undefined {
  return db.select().from(keyCreditLimits).where(and(eq(keyCreditLimits.workspaceId, workspaceId), eq(keyCreditLimits.keyId, keyId))).get();
}

/** What the key may still spend in the current period, in milli-credits; undefined = no cap. */
export function keyHeadroom(db: Db, ws: WorkspaceRow, keyId: string, now: number): { limit: number; used: number; left: number; resetsAt: number | null } | undefined {
  const l = keyLimitOf(db, ws.id, keyId);
  if (!l) return undefined;
  const used = l.period === periodOf(l.refill, now, ws.timezone) ? l.used : 0;
  return { limit: l.limit, used, left: Math.max(0, l.limit - used), resetsAt: l.refill === "monthly" ? allowancePeriod(now, ws.timezone, "monthly").end : null };
}

/** Counts a use against the key's cap (inside the caller's atomic unit); false if it does not fit. */
export function chargeKey(db: Db, ws: WorkspaceRow, keyId: string, amount: number, now: number): boolean {
  const h = keyHeadroom(db, ws, keyId, now);
  if (!h) return true;
  if (h.left < amount) return false;
  db.update(keyCreditLimits)
    .set({ used: h.used + amount, period: periodOf(keyLimitOf(db, ws.id, keyId)!.refill, now, ws.timezone), updatedAt: now })
    .where(and(eq(keyCreditLimits.workspaceId, ws.id), eq(keyCreditLimits.keyId, keyId)))
    .run();
  return true;
}

/** A released use gives its share of the cap back, if it was counted in the period still running. */
export function refundKey(db: Db, ws: WorkspaceRow, keyId: string, amount: number, heldAt: number, now: number): void {
  const l = keyLimitOf(db, ws.id, keyId);
  if (!l || l.period !== periodOf(l.refill, heldAt, ws.timezone) || l.period !== periodOf(l.refill, now, ws.timezone)) return;
  db.update(keyCreditLimits)
    .set({ used: Math.max(0, l.used - amount), updatedAt: now })
    .where(and(eq(keyCreditLimits.workspaceId, ws.id), eq(keyCreditLimits.keyId, keyId)))
    .run();
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
