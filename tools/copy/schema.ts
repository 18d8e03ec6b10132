import { z } from "zod";

/** Channels, hooks and themes of campaign copy; shared by the generator, the checker and drafts. */
export const CHANNELS = ["sms", "push", "wechat", "email"] as const;
export const HOOKS = ["personalization", "benefit", "urgency", "social_proof", "curiosity"] as const;
export const THEMES = ["winback", "promotion", "new_release", "renewal", "cart_reminder", "welcome"] as const;
export const LANGUAGES = ["zh", "en"] as const;

export const Channel = z.enum(CHANNELS).meta({ description: "sms | push | wechat (template message) | email. 渠道" });
export const Hook = z.enum(HOOKS).meta({
  description: "The angle of a variant: personalization (genre / name), benefit (优惠/权益), urgency (限时), social_proof (大家都在听), curiosity (悬念). 文案钩子",
});
export const Theme = z.enum(THEMES).meta({
  description: "Purpose: winback 召回, promotion 促销, new_release 新歌上线, renewal 会员续费, cart_reminder 加购提醒, welcome 欢迎. 主题",
});
export const Language = z.enum(LANGUAGES).meta({ description: "zh (default) or en. 语言" });
export type Channel = z.infer<typeof Channel>;
export type Hook = z.infer<typeof Hook>;
export type Theme = z.infer<typeof Theme>;
export type Language = z.infer<typeof Language>;

const Text = (max: number) => z.string().trim().min(1).max(max);

/** WeChat template field names: new style `thing1`, `time2`, `amount3`…, or classic first / keyword1… / remark. */
export const WECHAT_FIELD = /^(first|remark|keyword\d{1,2}|[a-z_]{2,20}\d{1,2})$/;

/** The copy of one variant; which parts a channel uses is in checkCopy. */
export const CopyFields = {
  title: Text(200).optional().meta({ description: "push: the title. 推送标题" }),
  subject: Text(300).optional().meta({ description: "email: the subject. 邮件主题" }),
  preheader: Text(300).optional().meta({ description: "email: the preview text. 邮件预览文字" }),
  body: Text(5000).optional().meta({ description: "sms: the whole text with 【签名】 and opt-out; push / email: the body (plain text); wechat: a preview. 正文" }),
  fields: z
    .record(z.string().regex(WECHAT_FIELD, "a WeChat field name such as thing1, time2, amount3, first, keyword1, remark"), Text(200))
    .optional()
    .meta({ description: "wechat: the template message's named fields. 模板消息字段" }),
};

export const CopyInput = z
  .strictObject({
    channel: Channel,
    theme: Theme,
    language: Language.default("zh"),
    variants: z.number().int().min(1).max(5).optional().meta({ description: "How many variants, each with a different hook; default 3 (or the number of `hooks`). 变体数 1–5" }),
    hooks: z
      .array(Hook)
      .min(1)
      .max(5)
      .refine((h) => new Set(h).size === h.length, "hooks must differ")
      .optional()
      .meta({ description: "Which hooks, in order; default personalization, benefit, urgency, social_proof, curiosity. 指定钩子" }),
    offer: Text(50).optional().meta({ description: "The offer, e.g. 8折, 满30减10, 20% off. 优惠" }),
    product: Text(20).optional().meta({ description: "What is promoted (default per theme, e.g. 会员). 商品/内容" }),
    brand: Text(20).optional().meta({ description: "Brand name in the copy; default the workspace name. 品牌" }),
    signature: z
      .string()
      .trim()
      .min(1)
      .max(12)
      .regex(/^[^【】[\]]+$/, "no brackets: 【】 are added")
      .optional()
      .meta({ description: "SMS signature without brackets; default the brand. 短信签名" }),
    deadline: Text(12).optional().meta({ description: "When the offer ends, e.g. 今晚24点, Sunday; urgency copy says 限时 without it. 截止时间" }),
    maxParts: z.number().int().min(1).max(5).default(1).meta({ description: "SMS: how many concatenated parts (≤67 chars each) a message may use. 短信最多条数" }),
    segmentId: z.string().min(1).max(64).optional().meta({ description: "Audience: a saved segment (its top genre and names fill slots). 目标分群" }),
    definition: z.unknown().optional().meta({ description: "Audience: an inline segment definition. 分群定义" }),
    seed: z.number().int().min(0).max(2_147_483_647).default(0).meta({ description: "Picks the phrasings; the same input and seed give the same copy. 随机种子" }),
  })
  .superRefine((q, ctx) => {
    if (q.segmentId !== undefined && q.definition !== undefined) ctx.addIssue({ code: "custom", path: ["definition"], message: "give segmentId or definition, not both" });
    if (q.hooks && q.variants !== undefined && q.hooks.length !== q.variants)
      ctx.addIssue({ code: "custom", path: ["variants"], message: `variants (${q.variants}) differs from the number of hooks (${q.hooks.length})` });
  })
  .meta({ id: "CopyGenerateInput" });
export type CopyInput = z.infer<typeof CopyInput>;

export const CopyCheck = z.object({
  rule: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  part: z.string().optional().meta({ description: "Which part of the copy the rule looked at. 检查对象" }),
});
export type CopyCheck = z.infer<typeof CopyCheck>;

export const CopyVariant = z.object({
  hook: Hook,
  title: z.string().optional(),
  subject: z.string().optional(),
  preheader: z.string().optional(),
  body: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
  chars: z.number().int().meta({ description: "Code points of the body (wechat: of all fields), merge tags counted at their worst case. 字数" }),
  parts: z.number().int().optional().meta({ description: "SMS: billed parts. 短信条数" }),
  checks: z.array(CopyCheck),
  ok: z.boolean(),
});

export const CopyResult = z
  .object({
    channel: Channel,
    theme: Theme,
    language: Language,
    variants: z.array(CopyVariant),
    mergeTags: z.array(z.object({ tag: z.string(), fallback: z.string(), countedAs: z.number().int(), source: z.string() })),
    audience: z
      .object({
        count: z.number().int(),
        preferredGenre: z.string().nullable().meta({ description: "The most common preferred genre (e.g. rock). 偏好曲风" }),
        preferredGenreLabel: z.string().nullable(),
        genreSource: z.enum(["traits", "events", "none"]),
        sampled: z.number().int().meta({ description: "How many members were read for genre and names. 抽样人数" }),
        longestName: z.number().int().nullable(),
      })
      .optional(),
  })
  .meta({ id: "CopyGenerateResult" });
export type CopyResult = z.infer<typeof CopyResult>;
