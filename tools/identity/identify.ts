import { z } from "zod";
import { atomic, stmt } from "../../db/sql.ts";
import { catalogTraitDelta } from "../catalog/traits.ts";
import type { Ctx } from "../context.ts";
import { Id, JsonObject, UserId } from "../events/schema.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { claimIdentity } from "./link.ts";
import { anonProfileId, mergeProfiles, profileTraits, resolveUserId } from "./merge.ts";


export const Channels = z.strictObject({
  device_id: Id.optional(),
  miniprogram_openid: Id.optional().meta({ description: "小程序 openid" }),
  wechat_openid: Id.optional().meta({ description: "微信 openid" }),
  phone_hash: Id.optional().meta({ description: "Hash of the phone number, never the number. 手机号哈希" }),
});

export const Traits = JsonObject;

export const IdentifyInput = z
  .strictObject({
    userId: UserId,
    anonymousId: Id.optional(),
    traits: Traits.optional().meta({ description: "Merged into the profile's traits; null removes a trait. 用户属性" }),
    channels: Channels.optional().meta({ description: "Channel ids; one claimed by two users is a conflict, not a merge. 渠道ID" }),
  })
  .meta({ id: "IdentifyInput" });

export const AliasInput = z
  .strictObject({
    previousId: Id.meta({ description: "The old user id, an anonymous id, or an anonymous profile's `anon:<id>`. 旧ID" }),
    userId: UserId.meta({ description: "The id that survives. 新ID" }),
  })
  .meta({ id: "AliasInput" });

type Ws = ReturnType<typeof getWorkspace>;

/** Applies a trait patch (null deletes a key) and keeps the trait catalog exact. */
export function patchTraits(ctx: Ctx, userId: string, patch: Record<string, unknown>, now: number) {
  const old = profileTraits(ctx.db, ctx.workspaceId, userId) ?? {};
  const next: Record<string, unknown> = { ...old };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  stmt(ctx.db, "UPDATE profiles SET traits = ?, updated_at = ? WHERE workspace_id = ? AND user_id = ?").run(
    JSON.stringify(next),
    now,
    ctx.workspaceId,
    userId,
  );
  catalogTraitDelta(ctx.db, ctx.workspaceId, [old], [next]);
}

export function ensureProfile(ctx: Ctx, userId: string, now: number) {
  stmt(
    ctx.db,
    `INSERT OR IGNORE INTO profiles (workspace_id, user_id, anonymous, traits, event_count, seed, created_at, updated_at)
     VALUES (?, ?, ?, '{}', 0, random() & 1048575, ?, ?)`,
  ).run(ctx.workspaceId, userId, userId.startsWith("anon:") ? 1 : 0, now, now);
}

/** The body of identify, for callers already inside a transaction (user import). */
export function identifyIn(ctx: Ctx, ws: Ws, input: z.infer<typeof IdentifyInput>, now: number) {
  const userId = resolveUserId(ctx.db, ctx.workspaceId, input.userId);
  ensureProfile(ctx, userId, now);
  const conflicts: { kind: string; value: string }[] = [];
  const claims: [Parameters<typeof claimIdentity>[2], string][] = [];
  if (input.anonymousId) claims.push(["anonymous_id", input.anonymousId]);
  for (const [kind, value] of Object.entries(input.channels ?? {})) if (value) claims.push([kind as never, value]);
  for (const [kind, value] of claims)
    if (claimIdentity(ctx.db, ws, kind, value, userId, now) === "conflict") conflicts.push({ kind, value });
  if (input.traits && Object.keys(input.traits).length) patchTraits(ctx, userId, input.traits, now);
  return { userId, conflicts };
}

/** Sets traits and links ids to a user, creating the profile if needed. */
export function identify(ctx: Ctx, input: z.infer<typeof IdentifyInput>) {
  const now = ctx.now().getTime();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  return atomic(ctx.db, () => identifyIn(ctx, ws, input, now));
}

/**
 * Merges `previousId` (a user id or an anonymous id) into `userId`, moving its history; later
 * events sent with `previousId` land on `userId`. Aliasing twice, or in a cycle, changes nothing.
 */
export function alias(ctx: Ctx, input: z.infer<typeof AliasInput>) {
  const now = ctx.now().getTime();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const w = ctx.workspaceId;
  return atomic(ctx.db, () => {
    const into = resolveUserId(ctx.db, w, input.userId);
    if (input.previousId === input.userId || input.previousId === into) return { userId: into, merged: null };
    const hasProfile = (id: string) => !!stmt(ctx.db, "SELECT 1 FROM profiles WHERE workspace_id = ? AND user_id = ?").get(w, id);
    const redirected = resolveUserId(ctx.db, w, input.previousId);
    let from: string | undefined;
    if (redirected !== input.previousId || hasProfile(input.previousId)) from = redirected;
    else if (hasProfile(anonProfileId(input.previousId))) {
      claimIdentity(ctx.db, ws, "anonymous_id", input.previousId, into, now);
      return { userId: into, merged: anonProfileId(input.previousId) };
    }
    if (from === into) return { userId: into, merged: null };
    ensureProfile(ctx, into, now);
    if (from) mergeProfiles(ctx.db, ws, from, into, now);
    else
      // Nothing known yet under previousId: remember the alias so its later events land on userId.
      stmt(
        ctx.db,
        `INSERT INTO identities (workspace_id, kind, value, user_id, created_at) VALUES (?, 'user_id', ?, ?, ?)
         ON CONFLICT (workspace_id, kind, value) DO UPDATE SET user_id = excluded.user_id`,
      ).run(w, input.previousId, into, now);
    return { userId: into, merged: from ?? null };
  });
}
