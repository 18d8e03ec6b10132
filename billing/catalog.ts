import { z } from "zod";
import { stmt, type Db } from "../db/sql.ts";

/** 1 credit = 1000 milli-credits: referral help may be worth a fraction of a song. */
export const MILLI = 1000;

export const FEATURES = ["song", "chat_message", "certificate", "copy"] as const;
export type Feature = (typeof FEATURES)[number];

/** Credits as people write them: thousandths at most, the unit the ledger keeps (milli-credits), and not a positive amount below one thousandth. */
export const Credits = (max: number) =>
  z
    .number()
    .min(0)
    .max(max)
    .refine((n) => Math.abs(n * MILLI - Math.round(n * MILLI)) < 1e-6 && (n === 0 || Math.round(n * MILLI) >= 1), "at most 3 decimals (credits are kept in thousandths)");

const Fen = z.number().int().min(0).max(100_000_000);
const Allowance = z.partialRecord(z.enum(FEATURES), z.number().int().min(0).max(100_000));

export const Catalog = z
  .strictObject({
    currency: z.literal("CNY"),
    features: z.record(z.enum(FEATURES), z.strictObject({ cost: Credits(1000).refine((n) => n > 0, "must be more than 0").meta({ description: "Credits per use. 每次消耗" }) })),
    plans: z.record(
      z.enum(["free", "member"]),
      z.strictObject({
        monthly: Allowance.meta({ description: "Credits each calendar month (workspace timezone), no rollover. 每月额度" }),
        daily: Allowance.meta({ description: "Credits each local day (chat). 每日额度" }),
      }),
    ),
    packs: z.array(z.strictObject({ sku: z.string().min(1).max(64), feature: z.enum(FEATURES), credits: z.number().int().min(1).max(100_000), price: Fen })).max(20),
    subscription: z.strictObject({ sku: z.string().min(1).max(64), plan: z.literal("member"), price: Fen, firstMonthPrice: Fen }),
    holdTimeoutSeconds: z.number().int().min(10).max(86_400),
    referral: z
      .strictObject({
        feature: z.enum(FEATURES).meta({ description: "What a help earns credit for. 助力所得额度的功能" }),
        newUserCredits: Credits(100).meta({ description: "Credits for a help by a user first seen after the link was made. 新用户助力" }),
        existingUserCredits: Credits(100).meta({ description: "Credits for a help by an existing user. 老用户助力" }),
        holdHours: z.number().min(0).max(720).meta({ description: "Hours before a help's credit can be spent (and may be voided). 助力额度冻结时长" }),
        expiresDays: z.number().int().min(1).max(365).meta({ description: "Referral credit expires this many days after it becomes spendable. 有效天数" }),
        dailyCapPerInviter: z.number().int().min(1).max(10_000).meta({ description: "Helps an inviter can receive per local day. 每人每日被助力上限" }),
        dailyCapPerHelper: z.number().int().min(1).max(10_000).meta({ description: "Helps a helper can give per local day. 每人每日助力上限" }),
        loopDays: z.number().int().min(0).max(365).meta({ description: "A helps B then B helps A within this many days is refused. 互助循环窗口" }),
      })
      .refine((r) => r.newUserCredits >= r.existingUserCredits, { message: "a new user's help must be worth at least an existing user's", path: ["newUserCredits"] }),
    lowCreditsThreshold: Credits(100_000).meta({ description: "credits.low is sent when a user's credits for a feature fall below this. 余额不足提醒阈值" }),
  })
  .superRefine((c, ctx) => {
    // A payment names what it bought by sku: two products under one sku would be read as the first.
    const skus = [...c.packs.map((p) => p.sku), c.subscription.sku];
    for (const sku of new Set(skus.filter((s, i) => skus.indexOf(s) !== i)))
      ctx.addIssue({ code: "custom", path: ["packs"], message: `sku ${sku} is used twice: every pack and the subscription need their own` });
    // A feature renews monthly or daily, not both: a daily entry would silently hide the monthly one.
    for (const plan of ["free", "member"] as const)
      for (const f of Object.keys(c.plans[plan]?.daily ?? {}))
        if (c.plans[plan]?.monthly?.[f as Feature] !== undefined)
          ctx.addIssue({ code: "custom", path: ["plans", plan], message: `${f} has both a monthly and a daily allowance on the ${plan} plan: keep one` });
    // The article's price ladder: a pack is cheaper than a month of membership, the first month cheaper than a pack.
    for (const p of c.packs) {
      if (p.price >= c.subscription.price)
        ctx.addIssue({ code: "custom", path: ["packs"], message: `pack ${p.sku} (${p.price} fen) must cost less than a month of membership (${c.subscription.price} fen)` });
      if (c.subscription.firstMonthPrice >= p.price)
        ctx.addIssue({ code: "custom", path: ["subscription", "firstMonthPrice"], message: `the first month (${c.subscription.firstMonthPrice} fen) must cost less than pack ${p.sku} (${p.price} fen)` });
    }
  })
  .meta({ id: "BillingCatalog" });
export type Catalog = z.infer<typeof Catalog>;

/** Seed defaults: free 3 songs a month, members 10; ¥12 for 10 songs; ¥18 a month, the first ¥6. */
export const DEFAULT_CATALOG: Catalog = {
  currency: "CNY",
  features: { song: { cost: 1 }, chat_message: { cost: 1 }, certificate: { cost: 1 }, copy: { cost: 1 } },
  plans: {
    free: { monthly: { song: 3, certificate: 1, copy: 20 }, daily: { chat_message: 30 } },
    member: { monthly: { song: 10, certificate: 5, copy: 200 }, daily: { chat_message: 300 } },
  },
  packs: [{ sku: "pack_10", feature: "song", credits: 10, price: 1200 }],
  subscription: { sku: "member_monthly", plan: "member", price: 1800, firstMonthPrice: 600 },
  holdTimeoutSeconds: 600,
  referral: { feature: "song", newUserCredits: 1, existingUserCredits: 0.25, holdHours: 0, expiresDays: 30, dailyCapPerInviter: 10, dailyCapPerHelper: 3, loopDays: 30 },
  lowCreditsThreshold: 1,
};

/** Parsed catalogues by their stored text: every metered request reads the catalogue, few change it. */
const parsed = new Map<string, Catalog>();

export function getCatalog(db: Db, workspaceId: number): Catalog {
  const row = stmt(db, "SELECT catalog FROM billing_catalogs WHERE workspace_id = ?").get(workspaceId) as { catalog: string } | undefined;
  if (!row) return DEFAULT_CATALOG;
  let c = parsed.get(row.catalog);
  if (!c) {
    // A catalogue saved before a setting existed takes that setting's default.
    c = { ...DEFAULT_CATALOG, ...(JSON.parse(row.catalog) as Partial<Catalog>) };
    if (parsed.size >= 100) parsed.delete(parsed.keys().next().value!);
    parsed.set(row.catalog, c);
  }
  return c;
}
