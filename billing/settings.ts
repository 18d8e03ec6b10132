import { eq } from "drizzle-orm";
import { z } from "zod";
import { atomic, type Db } from "../db/sql.ts";
import { billingSettings, type WorkspaceRow } from "../db/schema/index.ts";
import { HOUR_MS, localIso } from "../lib/time.ts";
import { newInboundSecret, newOutboundSecret } from "./signature.ts";

/**
 * After a rotation the old secret keeps working this long, so the provider can be switched to the
 * new one without a window in which its events are refused.
 */
export const ROTATION_GRACE_MS = 24 * HOUR_MS;

export type BillingSettingsRow = typeof billingSettings.$inferSelect;

/** The workspace's settings as stored; none until an admin first asks for them. */
export const storedSettings = (db: Db, workspaceId: number): BillingSettingsRow | undefined =>
  db.select().from(billingSettings).where(eq(billingSettings.workspaceId, workspaceId)).get();

/** The workspace's settings, made on first ask with a fresh secret (the insert is a no-op if another request made them first). */
export function billingSettingsOf(db: Db, workspaceId: number, now: number): BillingSettingsRow {
  const prior = storedSettings(db, workspaceId);
  if (prior) return prior;
  db.insert(billingSettings).values({ workspaceId, webhookSecret: newInboundSecret(), updatedAt: now }).onConflictDoNothing().run();
  return storedSettings(db, workspaceId)!;
}

/** The secrets an inbound event may be signed with now: the current one, and the previous while its grace lasts. */
export function inboundSecrets(row: BillingSettingsRow, now: number): string[] {
  return row.previousSecret && row.previousUntil !== null && row.previousUntil > now ? [row.webhookSecret, row.previousSecret] : [row.webhookSecret];
}

/**
 * A new inbound secret; the current one becomes the previous, valid for the grace period. A second
 * rotation within the grace drops the oldest: only the two newest are ever accepted.
 */
export function rotateSecret(db: Db, workspaceId: number, now: number): BillingSettingsRow {
  return atomic(db, () => {
    const row = billingSettingsOf(db, workspaceId, now);
    return db
      .update(billingSettings)
      .set({ webhookSecret: newInboundSecret(), previousSecret: row.webhookSecret, previousUntil: now + ROTATION_GRACE_MS, updatedAt: now })
      .where(eq(billingSettings.workspaceId, workspaceId))
      .returning()
      .get();
  });
}

export const BillingSettingsInput = z
  .strictObject({
    outboundUrl: z
      .url({ protocol: /^https?$/, error: "an http(s) URL" })
      .max(2048)
      .nullable()
      .optional()
      .meta({ description: "Where credits.low and subscription.renewed are POSTed (Standard Webhooks); null stops outbound webhooks; absent leaves it. 出站通知地址" }),
    rotateOutboundSecret: z.boolean().optional().meta({ description: "Make a new outbound secret (shown once in this answer). 重新生成出站密钥" }),
  })
  .meta({ id: "BillingSettingsInput" });

export const BillingSettingsView = z
  .object({
    workspaceId: z.number(),
    webhookPath: z.string().meta({ description: "Give the provider this path, on this server. 支付回调路径" }),
    secret: z.string().meta({ description: "Signs inbound payment events (Flywheel-Signature). 入站签名密钥" }),
    previousSecretValidUntil: z.string().nullable().meta({ description: "Until when the secret before the last rotation is still accepted (local time). 旧密钥有效期" }),
    outboundUrl: z.string().nullable(),
    outboundSecretSet: z.boolean(),
    outboundSecret: z.string().optional().meta({ description: "Only in the answer that made it: store it now. 出站密钥，仅显示一次" }),
    outbox: z.record(z.string(), z.number()).optional().meta({ description: "Outbound messages by status (pending, delivered, failed). 出站消息统计" }),
    updatedAt: z.string(),
  })
  .meta({ id: "BillingSettings" });
export type BillingSettingsView = z.infer<typeof BillingSettingsView>;

export const webhookPathOf = (workspaceId: number) => `/v1/webhooks/payments/${workspaceId}`;

export function settingsView(ws: WorkspaceRow, row: BillingSettingsRow, now: number, madeOutboundSecret?: string): BillingSettingsView {
  const previousValid = row.previousSecret !== null && row.previousUntil !== null && row.previousUntil > now;
  return {
    workspaceId: ws.id,
    webhookPath: webhookPathOf(ws.id),
    secret: row.webhookSecret,
    previousSecretValidUntil: previousValid ? localIso(row.previousUntil!, ws.timezone) : null,
    outboundUrl: row.outboundUrl,
    outboundSecretSet: row.outboundSecret !== null,
    ...(madeOutboundSecret ? { outboundSecret: madeOutboundSecret } : {}),
    updatedAt: localIso(row.updatedAt, ws.timezone),
  };
}

/**
 * Sets (or clears) the outbound URL. The first URL gets a secret, and so does an explicit
 * rotation; only that answer carries it, as with API keys.
 */
export function updateSettings(db: Db, workspaceId: number, input: z.infer<typeof BillingSettingsInput>, now: number): { row: BillingSettingsRow; madeOutboundSecret?: string } {
  return atomic(db, () => {
    const row = billingSettingsOf(db, workspaceId, now);
    const outboundUrl = input.outboundUrl === undefined ? row.outboundUrl : input.outboundUrl;
    const made = outboundUrl !== null && (row.outboundSecret === null || input.rotateOutboundSecret) ? newOutboundSecret() : undefined;
    const updated = db
      .update(billingSettings)
      .set({ outboundUrl, ...(made ? { outboundSecret: made } : {}), updatedAt: now })
      .where(eq(billingSettings.workspaceId, workspaceId))
      .returning()
      .get();
    return made ? { row: updated, madeOutboundSecret: made } : { row: updated };
  });
}
