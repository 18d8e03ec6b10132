import { z } from "zod";
import type { Ctx } from "../context.ts";
import { ingestEvents } from "../events/ingest.ts";
import { Id, JsonObject, UserId, type IngestResult } from "../events/schema.ts";
import { alias, identify, patchTraits, ensureProfile } from "../identity/identify.ts";
import { stmt, atomic } from "../../db/sql.ts";
import { anonProfileId, resolveUserId } from "../identity/merge.ts";
import { newId } from "../../lib/ids.ts";


/**
 * One message of Segment's HTTP tracking API. Segment's own fields (context, integrations,
 * _metadata, sentAt, …) are allowed and ignored: this is their format, not ours.
 */
const Base = {
  messageId: Id.optional(),
  userId: UserId.optional(),
  anonymousId: Id.optional(),
  timestamp: z.string().max(64).optional(),
};
export const SegmentMessage = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("track"), event: z.string().min(1).max(200), properties: z.record(z.string(), z.unknown()).optional(), ...Base }),
  z.looseObject({ type: z.literal("page"), name: z.string().max(200).optional(), category: z.string().max(200).optional(), properties: z.record(z.string(), z.unknown()).optional(), ...Base }),
  z.looseObject({ type: z.literal("screen"), name: z.string().max(200).optional(), category: z.string().max(200).optional(), properties: z.record(z.string(), z.unknown()).optional(), ...Base }),
  z.looseObject({ type: z.literal("identify"), traits: JsonObject.optional(), ...Base }),
  z.looseObject({ type: z.literal("alias"), previousId: Id, ...Base, userId: UserId }),
]);
export const SegmentBatch = z
  .looseObject({ batch: z.array(z.unknown()).min(1).max(1000) })
  .meta({ id: "SegmentBatch", description: "Segment HTTP tracking API batch. Segment 批量格式" });

const PAGE_EVENT = { page: "page_view", screen: "screen_view" } as const;

/**
 * Applies a Segment batch in order: runs of track/page/screen are ingested as our events (one call
 * per run, so per-message results keep their index), identify and alias in between.
 */
export function applySegmentBatch(ctx: Ctx, messages: readonly unknown[]): IngestResult {
  const result: IngestResult = { accepted: 0, duplicates: 0, rejected: 0, errors: [] };
  let run: { index: number; event: Record<string, unknown> }[] = [];
  const flush = () => {
    if (!run.length) return;
    const r = ingestEvents(ctx, run.map((m) => m.event));
    result.accepted += r.accepted;
    result.duplicates += r.duplicates;
    result.rejected += r.rejected;
    for (const e of r.errors) result.errors.push({ ...e, index: run[e.index]!.index });
    run = [];
  };
  const reject = (index: number, code: string, message: string) => {
    result.rejected++;
    result.errors.push({ index, code, message });
  };
  messages.forEach((raw, index) => {
    const parsed = SegmentMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const type = (raw as { type?: unknown })?.type;
      if (issue.code === "invalid_union" && typeof type === "string")
        return reject(index, "unsupported_type", `type '${type}' is not supported / 不支持的类型`);
      return reject(index, "invalid_message", `${issue.path.join(".") || "message"}: ${issue.message}`);
    }
    const m = parsed.data;
    const ids = { id: m.messageId ?? newId("seg"), ...(m.userId ? { userId: m.userId } : {}), ...(m.anonymousId ? { anonymousId: m.anonymousId } : {}) };
    const when = m.timestamp ? { timestamp: m.timestamp } : {};
    if (m.type === "track") return void run.push({ index, event: { ...ids, name: m.event, ...when, ...(m.properties ? { properties: m.properties } : {}) } });
    if (m.type === "page" || m.type === "screen") {
      const properties = { ...m.properties, ...(m.name ? { name: m.name } : {}), ...(m.category ? { category: m.category } : {}) };
      return void run.push({ index, event: { ...ids, name: PAGE_EVENT[m.type], ...when, properties } });
    }
    flush();
    if (m.type === "alias") alias(ctx, { previousId: m.previousId, userId: m.userId });
    else if (m.userId) identify(ctx, { userId: m.userId, ...(m.anonymousId ? { anonymousId: m.anonymousId } : {}), ...(m.traits ? { traits: m.traits } : {}) });
    else if (m.anonymousId) identifyAnonymous(ctx, m.anonymousId, m.traits ?? {});
    else return reject(index, "missing_identity", "userId or anonymousId is required / 需要 userId 或 anonymousId");
    result.accepted++;
  });
  flush();
  return result;
}

/** Segment allows traits on a visitor not yet identified: they go on the anonymous profile. */
function identifyAnonymous(ctx: Ctx, anonymousId: string, traits: Record<string, unknown>) {
  const now = ctx.now().getTime();
  atomic(ctx.db, () => {
    const linked = stmt(ctx.db, "SELECT user_id FROM identities WHERE workspace_id = ? AND kind = 'anonymous_id' AND value = ?")
      .get(ctx.workspaceId, anonymousId) as { user_id: string } | undefined;
    const userId = linked ? resolveUserId(ctx.db, ctx.workspaceId, linked.user_id) : anonProfileId(anonymousId);
    ensureProfile(ctx, userId, now);
    if (Object.keys(traits).length) patchTraits(ctx, userId, traits, now);
  });
}
