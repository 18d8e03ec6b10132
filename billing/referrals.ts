import { and, eq } from "drizzle-orm";
import type { Db } from "../db/sql.ts";
import { referrals } from "../db/schema/index.ts";
import { randomToken } from "../lib/ids.ts";

/** The user's share link code, made on first ask: one per user, so every way to ask gives the same link. */
export function referralCodeFor(db: Db, workspaceId: number, userId: string, now: number): string {
  const own = () => db.select({ code: referrals.code }).from(referrals).where(and(eq(referrals.workspaceId, workspaceId), eq(referrals.userId, userId))).get();
  const prior = own();
  if (prior) return prior.code;
  db.insert(referrals).values({ workspaceId, code: randomToken(10), userId, createdAt: now }).onConflictDoNothing().run();
  return own()!.code;
}

/** Where a friend opens the link and helps. */
export const referralPath = (code: string) => `/v1/referrals/${code}`;
