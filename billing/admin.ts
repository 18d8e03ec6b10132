import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { atomic } from "../db/sql.ts";
import { billingCatalogs, creditGrants } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { DAY_MS, localIso } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { Id, UserId } from "../tools/events/schema.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { Catalog, Credits, FEATURES, MILLI, getCatalog } from "./catalog.ts";
import { addGrant } from "./grants.ts";

// ---------------------------------------------------------------- the catalogue

// An empty patch is refused rather than answered as a success: validation drops a top-level
// "__proto__" key, and a body of only that must not look as if it had been applied.
export const CatalogPatch = z.record(z.string(), z.unknown()).refine((p) => Object.keys(p).length > 0, "the patch is empty: name at least one setting").meta({
  id: "BillingCatalogPatch",
  description:
    "A JSON merge patch (RFC 7396) of the catalogue: objects merge, arrays (packs) and values replace, null removes a key. The result must still be a valid catalogue: every pack cheaper than a month of membership, the first month cheaper than every pack. 目录的合并补丁",
});

/** The catalogue's shape is at most four levels deep; anything deeper is not a patch of it. */
const MAX_PATCH_DEPTH = 8;

function mergePatch(target: unknown, patch: unknown, depth = 0): unknown {
  if (depth > MAX_PATCH_DEPTH) throw new ApiError(ErrorCode.ValidationFailed, bi("补丁嵌套过深", `the patch nests deeper than ${MAX_PATCH_DEPTH} levels`));
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base = target && typeof target === "object" && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a "__proto__" key stays an own key (and is refused as unknown)
  // instead of replacing the result's prototype.
  const put = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(base)) put(k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else put(k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v, depth + 1));
  }
  return out;
}

/** Chinese for the price ladder's two rules, so the refusal says why in both languages. */
function zhReason(path: string): string {
  if (path === "packs") return "加速包须比一个月会员便宜";
  if (path === "subscription.firstMonthPrice") return "首月价格须低于每个加速包";
  return "目录无效";
}

/** Merges the patch into the stored catalogue and keeps the result only if it is a valid catalogue. */
export function patchCatalog(ctx: Ctx, patch: z.infer<typeof CatalogPatch>): Catalog {
  const now = ctx.now().getTime();
  return atomic(ctx.db, () => {
    const merged = mergePatch(getCatalog(ctx.db, ctx.workspaceId), patch);
    const parsed = Catalog.safeParse(merged);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message }));
      const first = issues[0]!;
      throw new ApiError(ErrorCode.ValidationFailed, bi(`${zhReason(first.path)}（${first.path || "目录"}）`, `invalid catalogue: ${first.path ? `${first.path}: ` : ""}${first.message}`), issues);
    }
    ctx.db
      .insert(billingCatalogs)
      .values({ workspaceId: ctx.workspaceId, catalog: parsed.data, updatedAt: now })
      .onConflictDoUpdate({ target: billingCatalogs.workspaceId, set: { catalog: parsed.data, updatedAt: now } })
      .run();
    return parsed.data;
  });
}

// ---------------------------------------------------------------- compensation

export const CompensationInput = z
  .strictObject({
    feature: z.enum(FEATURES).meta({ description: "What the credits can be spent on. 功能" }),
    credits: Credits(100_000)
      .refine((n) => n > 0, "must be more than 0")
      .meta({ description: "How many credits, up to 3 decimals. 补偿额度" }),
    expiresInDays: z.number().int().min(1).max(3650).optional().meta({ description: "Expires this many days from now; absent, never. 有效天数" }),
    reason: z.string().trim().min(1).max(500).meta({ description: "Why, for the audit trail. 补偿原因" }),
    requestId: Id.optional().meta({ description: "Idempotency key: a retry with the same id grants once and answers the same grant. 请求幂等键" }),
  })
  .meta({ id: "CompensationInput" });
export type CompensationInput = z.infer<typeof CompensationInput>;

/** The agent's tool names the user in its input; the route has it in the path. */
export const GrantCreditsInput = CompensationInput.extend({ userId: UserId.meta({ description: "The user who receives the credits. 用户" }) }).meta({ id: "GrantCreditsInput" });

export const CompensationGrant = z.object({
  grant: z.object({
    id: z.string(),
    userId: z.string(),
    feature: z.string(),
    kind: z.literal("compensation"),
    category: z.string(),
    credits: z.number(),
    remaining: z.number(),
    effectiveAt: z.string(),
    expiresAt: z.string().nullable(),
    reason: z.string(),
    requestId: z.string(),
  }),
  replay: z.boolean().meta({ description: "True when this request id had already granted; nothing was granted again. 重复请求" }),
});

/** What a compensation grant records about itself in its source (there is no column for a reason). */
type Source = { by: "admin"; requestId: string; reason: string };

/**
 * Grants a user compensation credits, with its ledger entry. A retried request id answers the
 * first grant; the same id for another grant is a 409, so a double click never pays twice.
 */
export function grantCompensation(ctx: Ctx, userId: string, input: CompensationInput): z.infer<typeof CompensationGrant> {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const now = ctx.now().getTime();
  const amount = Math.round(input.credits * MILLI);
  const lifetime = input.expiresInDays === undefined ? null : input.expiresInDays * DAY_MS;
  const view = (g: typeof creditGrants.$inferSelect, s: Source, replay: boolean) => ({
    grant: {
      id: g.id,
      userId: g.userId,
      feature: g.feature,
      kind: "compensation" as const,
      category: g.category,
      credits: g.amount / MILLI,
      remaining: g.remaining / MILLI,
      effectiveAt: localIso(g.effectiveAt, ws.timezone),
      expiresAt: g.expiresAt === null ? null : localIso(g.expiresAt, ws.timezone),
      reason: s.reason,
      requestId: s.requestId,
    },
    replay,
  });
  return atomic(ctx.db, () => {
    if (input.requestId) {
      const prior = ctx.db
        .select()
        .from(creditGrants)
        .where(
          and(
            eq(creditGrants.workspaceId, ws.id),
            eq(creditGrants.kind, "compensation"),
            // CASE, not AND: SQLite may evaluate json_extract first, and a release's source is not JSON.
            sql`CASE WHEN json_valid(${creditGrants.source}) THEN json_extract(${creditGrants.source}, '$.requestId') END = ${input.requestId}`,
          ),
        )
        .get();
      if (prior) {
        const s = JSON.parse(prior.source!) as Source;
        const same = prior.userId === userId && prior.feature === input.feature && prior.amount === amount && s.reason === input.reason && (prior.expiresAt === null ? null : prior.expiresAt - prior.effectiveAt) === lifetime;
        if (!same) throw new ApiError(ErrorCode.Conflict, bi("该请求编号已用于其他补偿", `request ${input.requestId} already granted other compensation`));
        return view(prior, s, true);
      }
    }
    const source: Source = { by: "admin", requestId: input.requestId ?? newId("comp"), reason: input.reason };
    const id = addGrant(
      ctx.db,
      { workspaceId: ws.id, userId, feature: input.feature, kind: "compensation", category: "promotional", amount, effectiveAt: now, expiresAt: lifetime === null ? null : now + lifetime, source: JSON.stringify(source) },
      now,
    );
    return view(ctx.db.select().from(creditGrants).where(eq(creditGrants.id, id)).get()!, source, false);
  });
}
