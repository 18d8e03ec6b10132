import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { stmt, type Db } from "../../db/sql.ts";
import { apiKeys, SCOPES, type ApiKeyRow, type Scope } from "../../db/schema/index.ts";
import { notFound } from "../../lib/errors.ts";
import { newId, randomToken, sha256Hex } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";

export const KEY_PREFIX = "fw_";

export const ScopeSchema = z.enum(SCOPES);
export const RateLimitFields = {
  rateLimit: z.number().int().min(1).max(1_000_000).optional().meta({ description: "Sustained requests per second. 每秒请求数" }),
  burst: z.number().int().min(1).max(10_000_000).optional().meta({ description: "Bucket size for bursts. 突发上限" }),
};
export const CreateKeyInput = z.strictObject({
  name: z.string().min(1).max(100).default("key"),
  scopes: z.array(ScopeSchema).min(1).max(4),
  ...RateLimitFields,
});
export const UpdateKeyInput = z.strictObject({ name: z.string().min(1).max(100).optional(), ...RateLimitFields });

export const KeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(ScopeSchema),
  rateLimit: z.number(),
  burst: z.number(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
export const keyView = (k: ApiKeyRow): z.infer<typeof KeyView> => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  rateLimit: k.rateLimit,
  burst: k.burst,
  createdAt: iso(k.createdAt)!,
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

/** Creates a key; the secret is in the answer once and only its sha256 is stored. */
export function createKey(ctx: Ctx, input: z.input<typeof CreateKeyInput>) {
  const parsed = CreateKeyInput.parse(input);
  const secret = KEY_PREFIX + randomToken(40);
  const rateLimit = parsed.rateLimit ?? 1000;
  const row = ctx.db
    .insert(apiKeys)
    .values({
      id: newId("key"),
      workspaceId: ctx.workspaceId,
      name: parsed.name,
      prefix: secret.slice(0, KEY_PREFIX.length + 6),
      hash: sha256Hex(secret),
      scopes: [...new Set(parsed.scopes)],
      rateLimit,
      burst: parsed.burst ?? Math.max(rateLimit * 2, 10),
      createdAt: ctx.now().getTime(),
    })
    .returning()
    .get();
  return { ...keyView(row), key: secret };
}

export function listKeys(ctx: Ctx) {
  return ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.workspaceId, ctx.workspaceId))
    .orderBy(desc(apiKeys.createdAt))
    .all()
    .map(keyView);
}

function ownKey(ctx: Ctx, id: string) {
  return and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, ctx.workspaceId));
}

export function revokeKey(ctx: Ctx, id: string) {
  const row = ctx.db
    .update(apiKeys)
    .set({ revokedAt: ctx.now().getTime() })
    .where(and(ownKey(ctx, id), isNull(apiKeys.revokedAt)))
    .returning()
    .get();
  if (row) return keyView(row);
  const existing = ctx.db.select().from(apiKeys).where(ownKey(ctx, id)).get();
  if (!existing) throw notFound("key", "密钥不存在");
  return keyView(existing); // revoking twice is a no-op
}

export function updateKey(ctx: Ctx, id: string, input: z.infer<typeof UpdateKeyInput>) {
  const row = Object.keys(input).length
    ? ctx.db.update(apiKeys).set(input).where(ownKey(ctx, id)).returning().get()
    : ctx.db.select().from(apiKeys).where(ownKey(ctx, id)).get();
  if (!row) throw notFound("key", "密钥不存在");
  return keyView(row);
}

/** The live (unrevoked) key for a secret. Read on every request: a new key works at once. */
/** Every request resolves its key: a prepared statement, not the query builder (bench/billing.ts). */
export function findActiveKey(db: Db, secret: string): ApiKeyRow | undefined {
  if (!secret.startsWith(KEY_PREFIX)) return undefined;
  const row = stmt(
    db,
    "SELECT id, workspace_id AS workspaceId, name, prefix, hash, scopes, rate_limit AS rateLimit, burst, created_at AS createdAt, revoked_at AS revokedAt, last_used_at AS lastUsedAt FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
  ).get(sha256Hex(secret)) as (Omit<ApiKeyRow, "scopes"> & { scopes: string }) | undefined;
  return row && { ...row, scopes: JSON.parse(row.scopes) as Scope[] };
}

export function touchKey(db: Db, id: string, at: number) {
  db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id)).run();
}

/** `admin` can do everything. */
export const hasScope = (scopes: readonly Scope[], needed: Scope) => scopes.includes(needed) || scopes.includes("admin");
