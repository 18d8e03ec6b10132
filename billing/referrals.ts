import { and, desc, eq, gt, gte, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { atomic, stmt, type Db } from "../db/sql.ts";
import { creditGrants, profiles, referralHelps, referrals } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId, randomToken } from "../lib/ids.ts";
import { DAY_MS, HOUR_MS, localIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { Id, UserId } from "../tools/events/schema.ts";
import { resolveUserId } from "../tools/identity/merge.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { MILLI, getCatalog, type Catalog } from "./catalog.ts";
import { addGrant, allowanceGrant, allowanceOf, allowancePeriod, ledger, planOf, spendable } from "./grants.ts";

/** The user's share link code, made on first ask: one per user, so every way to ask gives the same link. */
export function referralCodeFor(db: Db, workspaceId: number, userId: string, now: number): string {
  // Asked by every refused song request: prepared statements, not the query builder.
  const own = () => (stmt(db, "SELECT code FROM referrals WHERE workspace_id = ? AND user_id = ?").get(workspaceId, userId) as { code: string } | undefined)?.code;
  const prior = own();
  if (prior) return prior;
  stmt(db, "INSERT INTO referrals (workspace_id, code, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(workspaceId, randomToken(10), userId, now);
  return own()!;
}

/** Where a friend opens the link and helps. */
export const referralPath = (code: string) => `/v1/referrals/${code}`;

export const ReferralCode = z.string().min(1).max(64).meta({ description: "The share link's code. 助力码" });
export const CreateReferralInput = z.strictObject({ userId: UserId.meta({ description: "The inviter: the user who shares the link. 邀请人" }) }).meta({ id: "CreateReferralInput" });
export const HelpInput = z
  .strictObject({
    helperId: UserId.meta({ description: "The friend who helps; must be a user this workspace has seen. 助力人" }),
    deviceId: Id.optional().meta({ description: "The helper's device: one help per device per inviter. 设备ID" }),
  })
  .meta({ id: "ReferralHelpInput" });

type HelpRow = typeof referralHelps.$inferSelect;

/** A refusal the caller can act on: `details.reason` is machine-readable, the message bilingual. */
const refuse = (code: ErrorCode, reason: string, zh: string, en: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  new ApiError(code, bi(zh, en), { reason, ...extra }, headers);

function linkOf(ctx: Ctx, code: string) {
  const link = ctx.db.select().from(referrals).where(and(eq(referrals.workspaceId, ctx.workspaceId), eq(referrals.code, code))).get();
  if (!link) throw refuse(ErrorCode.NotFound, "unknown_code", "助力链接不存在", `no referral link ${code}`);
  return link;
}

/**
 * When the workspace first knew of the user: the earlier of their first event and the profile's
 * creation (identify before any event, or events imported with old timestamps). Undefined when the
 * workspace has never seen them.
 */
function firstSeen(db: Db, workspaceId: number, userId: string): number | undefined {
  const p = db.select().from(profiles).where(and(eq(profiles.workspaceId, workspaceId), eq(profiles.userId, userId))).get();
  if (!p || p.anonymous) return undefined;
  return p.firstSeenAt === null ? p.createdAt : Math.min(p.firstSeenAt, p.createdAt);
}

/** The help as the API shows it: credits (not milli-credits), times in the workspace's zone. */
function helpView(h: HelpRow, grant: { effectiveAt: number; expiresAt: number | null } | undefined, tz: string) {
  return {
    id: h.id,
    code: h.code,
    inviterId: h.inviterId,
    helperId: h.helperId,
    deviceId: h.deviceId,
    newUser: h.newUser,
    credits: h.amount / MILLI,
    status: h.status,
    spendableAt: grant ? localIso(grant.effectiveAt, tz) : null,
    expiresAt: grant?.expiresAt != null ? localIso(grant.expiresAt, tz) : null,
    createdAt: localIso(h.createdAt, tz),
    voidedAt: h.voidedAt === null ? null : localIso(h.voidedAt, tz),
  };
}
export type HelpView = ReturnType<typeof helpView>;

/** The inviter's link (the same code on every call) and its progress. */
export function createReferral(ctx: Ctx, input: z.infer<typeof CreateReferralInput>) {
  const code = atomic(ctx.db, () => referralCodeFor(ctx.db, ctx.workspaceId, input.userId, ctx.now().getTime()));
  return progress(ctx, code);
}

/**
 * A friend helps: the inviter gets a `referral` grant (spendable after the hold, expiring
 * `expiresDays` later), recorded with the help and the ledger entry in one atomic unit, so every
 * rule is checked against exactly what is stored. The checks run in order of permanence: a refusal
 * that will never change is reported before a daily cap that will.
 *
 * A helper must be a user the workspace has seen (a profile): the credit goes to someone else, so
 * an invented id must not earn it — and an id never seen would otherwise count as a brand-new
 * user, the most valuable help of all.
 *
 * A voided help keeps its row: it still counts for once-per-helper, once-per-device, loops and the
 * daily caps, since a void takes back the credit, not the attempt.
 */
export function help(ctx: Ctx, code: string, input: z.infer<typeof HelpInput>): HelpView {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const ref = getCatalog(ctx.db, ws.id).referral;
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const link = linkOf(ctx, code);
    const inviterId = link.userId;
    // Through aliases: a user merged into the inviter is the inviter.
    const helperId = resolveUserId(ctx.db, ws.id, input.helperId);
    if (input.helperId === inviterId || helperId === inviterId || helperId === resolveUserId(ctx.db, ws.id, inviterId))
      throw refuse(ErrorCode.BadRequest, "self_help", "不能为自己助力", "a user cannot help their own link");
    const seen = firstSeen(ctx.db, ws.id, helperId);
    if (seen === undefined)
      throw refuse(ErrorCode.NotFound, "unknown_helper", "助力人不是本应用的用户", `helper ${input.helperId} is not a user of this workspace: identify them or send their events first`);
    const w = eq(referralHelps.workspaceId, ws.id);
    const prior = ctx.db
      .select()
      .from(referralHelps)
      .where(and(w, eq(referralHelps.inviterId, inviterId), or(eq(referralHelps.helperId, helperId), input.deviceId ? eq(referralHelps.deviceId, input.deviceId) : sql`0`)))
      .all();
    if (prior.some((p) => p.helperId === helperId))
      throw refuse(ErrorCode.Conflict, "already_helped", "已经为该好友助力过", `${input.helperId} has already helped ${inviterId}`);
    if (prior.length)
      throw refuse(ErrorCode.Conflict, "device_already_helped", "该设备已经为该好友助力过", `this device has already helped ${inviterId}`);
    const loopSince = now - ref.loopDays * DAY_MS;
    const loop = ctx.db
      .select({ createdAt: referralHelps.createdAt })
      .from(referralHelps)
      .where(and(w, eq(referralHelps.inviterId, helperId), eq(referralHelps.helperId, inviterId), gt(referralHelps.createdAt, loopSince)))
      .orderBy(desc(referralHelps.createdAt))
      .get();
    if (loop)
      throw refuse(ErrorCode.Conflict, "loop", `对方在 ${ref.loopDays} 天内为你助力过，不能互助`, `${inviterId} helped ${input.helperId} within ${ref.loopDays} days: mutual helps are refused`, {
        allowedFrom: localIso(loop.createdAt + ref.loopDays * DAY_MS, ws.timezone),
      });
    const day = allowancePeriod(now, ws.timezone, "daily");
    const today = (col: typeof referralHelps.inviterId | typeof referralHelps.helperId, id: string) =>
      ctx.db.select({ n: sql<number>`count(*)` }).from(referralHelps).where(and(w, eq(col, id), gte(referralHelps.createdAt, day.start))).get()!.n;
    // Until local midnight, when both caps start over.
    const retry = { "Retry-After": String(Math.max(1, Math.ceil((day.end - now) / 1000))) };
    const resetsAt = localIso(day.end, ws.timezone);
    if (today(referralHelps.inviterId, inviterId) >= ref.dailyCapPerInviter)
      throw refuse(ErrorCode.RateLimited, "inviter_daily_cap", `该好友今天已获得 ${ref.dailyCapPerInviter} 次助力，明天再来`, `${inviterId} has had ${ref.dailyCapPerInviter} helps today, the daily limit`, { limit: ref.dailyCapPerInviter, resetsAt }, retry);
    if (today(referralHelps.helperId, helperId) >= ref.dailyCapPerHelper)
      throw refuse(ErrorCode.RateLimited, "helper_daily_cap", `你今天已助力 ${ref.dailyCapPerHelper} 次，明天再来`, `${input.helperId} has helped ${ref.dailyCapPerHelper} times today, the daily limit`, { limit: ref.dailyCapPerHelper, resetsAt }, retry);

    const newUser = seen > link.createdAt;
    const amount = Math.round((newUser ? ref.newUserCredits : ref.existingUserCredits) * MILLI);
    const id = newId("help");
    const effectiveAt = now + Math.round(ref.holdHours * HOUR_MS);
    const expiresAt = effectiveAt + ref.expiresDays * DAY_MS;
    const grantId = addGrant(ctx.db, { workspaceId: ws.id, userId: inviterId, feature: ref.feature, kind: "referral", category: "promotional", amount, effectiveAt, expiresAt, source: `referral:${id}` }, now);
    // The unique indexes are the last word: a help that slipped past the checks above (another
    // connection's write) inserts nothing, and throwing undoes the grant with it.
    const inserted = stmt(
      ctx.db,
      `INSERT INTO referral_helps (id, workspace_id, code, inviter_id, helper_id, device_id, new_user, amount, grant_id, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'granted', ?) ON CONFLICT DO NOTHING`,
    ).run(id, ws.id, code, inviterId, helperId, input.deviceId ?? null, newUser ? 1 : 0, amount, grantId, now).changes;
    if (!inserted) throw refuse(ErrorCode.Conflict, "already_helped", "已经为该好友助力过", `${input.helperId} (or this device) has already helped ${inviterId}`);
    const row: HelpRow = { id, workspaceId: ws.id, code, inviterId, helperId, deviceId: input.deviceId ?? null, newUser, amount, grantId, status: "granted", createdAt: now, voidedAt: null };
    return helpView(row, { effectiveAt, expiresAt }, ws.timezone);
  });
}

/**
 * Admin: takes back a help's credit while it is still in its hold (not yet spendable, so none of it
 * can have been spent). Once spendable it may already be spent, so it is a 409. Voiding twice
 * answers the void as it stands.
 */
export function voidHelp(ctx: Ctx, code: string, helpId: string): HelpView {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    linkOf(ctx, code);
    const h = ctx.db.select().from(referralHelps).where(and(eq(referralHelps.workspaceId, ws.id), eq(referralHelps.code, code), eq(referralHelps.id, helpId))).get();
    if (!h) throw refuse(ErrorCode.NotFound, "unknown_help", "助力记录不存在", `no help ${helpId} on link ${code}`);
    const g = ctx.db.select().from(creditGrants).where(and(eq(creditGrants.workspaceId, ws.id), eq(creditGrants.id, h.grantId))).get()!;
    if (h.status === "voided") return helpView(h, g, ws.timezone);
    if (now >= g.effectiveAt)
      throw refuse(ErrorCode.Conflict, "hold_over", "助力额度已可使用，不能再作废", `help ${helpId}'s credit has been spendable since ${localIso(g.effectiveAt, ws.timezone)}: it can no longer be voided`, {
        spendableAt: localIso(g.effectiveAt, ws.timezone),
      });
    ctx.db.update(referralHelps).set({ status: "voided", voidedAt: now }).where(and(eq(referralHelps.id, h.id), eq(referralHelps.status, "granted"))).run();
    ctx.db.update(creditGrants).set({ voidedAt: now, remaining: 0 }).where(and(eq(creditGrants.id, g.id), isNull(creditGrants.voidedAt))).run();
    ledger(ctx.db, { workspaceId: ws.id, userId: g.userId, feature: g.feature, type: "void", amount: g.remaining, grantId: g.id, at: now });
    return helpView({ ...h, status: "voided", voidedAt: now }, g, ws.timezone);
  });
}

/** What one use of the feature costs and what the user can spend on it now, in milli-credits. */
function headroom(ctx: Ctx, catalog: Catalog, tz: string, userId: string, now: number) {
  const feature = catalog.referral.feature;
  const cost = Math.round(catalog.features[feature]!.cost * MILLI);
  // This period's allowance counts before its grant exists: it is created on the first spend.
  const a = allowanceOf(catalog, planOf(ctx.db, ctx.workspaceId, userId, now), feature);
  const ungranted = a.amount > 0 && !allowanceGrant(ctx.db, ctx.workspaceId, userId, feature, allowancePeriod(now, tz, a.every).key) ? a.amount : 0;
  const available = ungranted + spendable(ctx.db, ctx.workspaceId, userId, feature, now).reduce((s, g) => s + g.remaining, 0);
  return { cost, available };
}

/**
 * A link's progress, with the rules and amounts published as they are applied (China's 2024 rules
 * on unfair online competition): what each kind of help is worth and how many more of each kind
 * the inviter needs for one more use. Credit still in its hold is not counted as spendable, as
 * the 402 does not count it either.
 */
export function progress(ctx: Ctx, code: string) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const catalog = getCatalog(ctx.db, ws.id);
  const ref = catalog.referral;
  const now = ctx.now().getTime();
  const link = linkOf(ctx, code);
  const rows = ctx.db
    .select({ h: referralHelps, effectiveAt: creditGrants.effectiveAt, expiresAt: creditGrants.expiresAt })
    .from(referralHelps)
    .leftJoin(creditGrants, eq(creditGrants.id, referralHelps.grantId))
    .where(and(eq(referralHelps.workspaceId, ws.id), eq(referralHelps.code, code)))
    // Newest first; helps in the same millisecond in the order they were stored.
    .orderBy(desc(referralHelps.createdAt), sql`referral_helps.rowid DESC`)
    .all();
  const granted = rows.filter((r) => r.h.status === "granted");
  const sum = (rs: typeof rows) => rs.reduce((s, r) => s + r.h.amount, 0) / MILLI;
  const day = allowancePeriod(now, ws.timezone, "daily");
  const todayCount = rows.filter((r) => r.h.createdAt >= day.start).length;
  const { cost, available } = headroom(ctx, catalog, ws.timezone, link.userId, now);
  const short = Math.max(0, cost - available);
  const needed = (credits: number) => (short === 0 ? 0 : credits > 0 ? Math.ceil(short / Math.round(credits * MILLI)) : null);
  return {
    code,
    url: referralPath(code),
    inviterId: link.userId,
    createdAt: localIso(link.createdAt, ws.timezone),
    feature: ref.feature,
    rules: {
      creditsPerNewUserHelp: ref.newUserCredits,
      creditsPerExistingUserHelp: ref.existingUserCredits,
      holdHours: ref.holdHours,
      expiresDays: ref.expiresDays,
      dailyCapPerInviter: ref.dailyCapPerInviter,
      dailyCapPerHelper: ref.dailyCapPerHelper,
      loopDays: ref.loopDays,
    },
    helps: {
      count: rows.length,
      newUsers: rows.filter((r) => r.h.newUser).length,
      existingUsers: rows.filter((r) => !r.h.newUser).length,
      voided: rows.length - granted.length,
      creditsEarned: sum(granted),
      creditsPending: sum(granted.filter((r) => r.effectiveAt !== null && r.effectiveAt > now)),
      today: todayCount,
      leftToday: Math.max(0, ref.dailyCapPerInviter - todayCount),
    },
    balance: { costPerUse: cost / MILLI, available: available / MILLI },
    helpsNeeded: { newUser: needed(ref.newUserCredits), existingUser: needed(ref.existingUserCredits) },
    recent: rows.slice(0, 50).map((r) => helpView(r.h, r.effectiveAt === null ? undefined : { effectiveAt: r.effectiveAt, expiresAt: r.expiresAt }, ws.timezone)),
  };
}
export type ReferralProgress = ReturnType<typeof progress>;
