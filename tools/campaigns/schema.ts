import { z } from "zod";
import { Channel, CopyFields, Hook, Language } from "../copy/schema.ts";

const Key = z.string().min(1).max(200).regex(/^[^"\\]+$/, 'no " or \\ in names');
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour");

const CRON_RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const CRON_NAMES = ["minute", "hour", "day of month", "month", "day of week"];

/** What is wrong with a five-field cron expression (minute hour day-of-month month day-of-week), if anything. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return "five fields: minute hour day-of-month month day-of-week";
  for (const [i, f] of fields.entries()) {
    const [lo, hi] = CRON_RANGES[i]!;
    for (const item of f.split(",")) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (!m) return `${CRON_NAMES[i]}: "${item}" is not *, N, N-M or a step like */5`;
      const a = m[2] === undefined ? lo : Number(m[2]);
      const b = m[3] === undefined ? (m[2] === undefined ? hi : a) : Number(m[3]);
      if (a < lo || b > hi || a > b) return `${CRON_NAMES[i]}: "${item}" is outside ${lo}-${hi}`;
      if (m[4] !== undefined && Number(m[4]) < 1) return `${CRON_NAMES[i]}: a step must be at least 1`;
    }
  }
  return undefined;
}

export const Schedule = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("now") }),
    z.strictObject({
      type: z.literal("at"),
      at: z.iso.datetime({ offset: true }).meta({ description: "When to send, ISO 8601 with offset; not in the past. 发送时间" }),
    }),
    z
      .strictObject({
        type: z.literal("recurring"),
        cron: z.string().max(100).optional().meta({ description: "Five-field cron in the workspace's time zone, e.g. `0 20 * * 5`. cron 表达式" }),
        every: z.enum(["day", "week"]).optional(),
        at: HHMM.optional().meta({ description: "With `every`: local time of day. 时刻" }),
        weekday: z.number().int().min(1).max(7).optional().meta({ description: "With `every: week`: 1 = Monday … 7 = Sunday. 星期" }),
      })
      .superRefine((s, ctx) => {
        if ((s.cron === undefined) === (s.every === undefined))
          return ctx.addIssue({ code: "custom", path: ["cron"], message: "give either cron or every + at" });
        if (s.cron !== undefined) {
          const problem = cronProblem(s.cron);
          if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
          if (s.at !== undefined || s.weekday !== undefined) ctx.addIssue({ code: "custom", path: ["at"], message: "at and weekday go with every, not cron" });
        } else {
          if (s.at === undefined) ctx.addIssue({ code: "custom", path: ["at"], message: "every needs at (HH:MM)" });
          if (s.weekday !== undefined && s.every !== "week") ctx.addIssue({ code: "custom", path: ["weekday"], message: "weekday goes with every: week" });
        }
      }),
  ])
  .meta({ id: "CampaignSchedule", description: "now; at a time; or recurring (cron, or every day / week at HH:MM). 发送计划" });

export const CampaignAudience = z
  .strictObject({
    segmentId: z.string().min(1).max(64).optional().meta({ description: "A saved segment of this workspace. 已保存分群" }),
    definition: z.unknown().optional().meta({ description: "An inline segment definition (SegmentNode). 分群定义" }),
  })
  .superRefine((a, ctx) => {
    if ((a.segmentId === undefined) === (a.definition === undefined)) ctx.addIssue({ code: "custom", path: [], message: "give segmentId or definition (one of them)" });
  })
  .meta({ id: "CampaignAudience" });

export const CampaignVariant = z
  .strictObject({
    channel: Channel,
    hook: Hook,
    language: Language.default("zh"),
    ...CopyFields,
    maxParts: z.number().int().min(1).max(5).default(1).meta({ description: "SMS: parts the message may use. 短信最多条数" }),
  })
  .meta({ id: "CampaignVariantInput" });

export const Budget = z.strictObject({
  maxSends: z.number().int().min(1).optional().meta({ description: "At most this many messages. 最多发送条数" }),
  maxCost: z.number().min(0).optional().meta({ description: "At most this much spend. 预算上限" }),
  currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217, e.g. CNY").optional(),
});
export const FrequencyCap = z
  .strictObject({
    maxMessages: z.number().int().min(1).max(100),
    windowDays: z.number().int().min(1).max(90),
  })
  .meta({ description: "A user gets at most maxMessages from campaigns in any windowDays days. 频控" });
export const Goal = z.strictObject({
  event: Key.meta({ description: "The conversion event, e.g. play_song or purchase. 目标事件" }),
  windowDays: z.number().int().min(1).max(90).meta({ description: "Counted within this many days of the send. 归因窗口" }),
});

export const CampaignInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    audience: CampaignAudience,
    channels: z
      .array(Channel)
      .min(1)
      .max(4)
      .refine((c) => new Set(c).size === c.length, "channels must differ"),
    variants: z.array(CampaignVariant).min(1).max(20).meta({ description: "Copy per channel and hook; each is re-checked against its channel's rules. 文案变体" }),
    schedule: Schedule,
    budget: Budget.optional(),
    frequencyCap: FrequencyCap.optional(),
    goal: Goal.optional(),
  })
  .superRefine((q, ctx) => {
    q.variants.forEach((v, i) => {
      if (!q.channels.includes(v.channel)) ctx.addIssue({ code: "custom", path: ["variants", i, "channel"], message: `${v.channel} is not one of the campaign's channels` });
    });
    q.channels.forEach((c, i) => {
      if (!q.variants.some((v) => v.channel === c)) ctx.addIssue({ code: "custom", path: ["channels", i], message: `no variant for ${c}` });
    });
  })
  .meta({ id: "CampaignDraftInput" });
export type CampaignInput = z.infer<typeof CampaignInput>;

export const StoredVariant = z.object({
  channel: Channel,
  hook: Hook,
  language: Language,
  ...CopyFields,
  maxParts: z.number().int(),
  chars: z.number().int(),
  parts: z.number().int().optional(),
});

export const CampaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["draft"]),
    audience: z.object({
      segmentId: z.string().nullable(),
      definition: z.unknown().nullable().meta({ description: "The inline definition, or null for a saved segment." }),
      count: z.number().int().nullable().meta({ description: "Members now (null in lists, or when the segment is gone). 当前人数" }),
    }),
    channels: z.array(Channel),
    variants: z.array(StoredVariant),
    schedule: Schedule,
    budget: z.object({ maxSends: z.number().optional(), maxCost: z.number().optional(), currency: z.string().optional() }).nullable(),
    frequencyCap: z.object({ maxMessages: z.number(), windowDays: z.number() }).nullable(),
    goal: z.object({ event: z.string(), windowDays: z.number() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "CampaignDraft" });
export type CampaignView = z.infer<typeof CampaignView>;
