import { CompensationGrant, GrantCreditsInput, grantCompensation } from "../../billing/admin.ts";
import { BillingOverview, OverviewInput, billingOverview } from "../../billing/overview.ts";
import { defineTool } from "../tool.ts";

export const billingTools = [
  defineTool({
    name: "billing_overview",
    description:
      "计费概览：按额度类型与功能统计发放、消耗、退回、作废的额度，按 SKU 统计收入（扣除退款），以及邀请助力漏斗（链接数、助力数、新老用户、助力额度及其消耗） / Billing overview over a window of local days (default the last 30): credits granted, spent, released, voided and expired by grant kind and feature; revenue by SKU in fen, refunds deducted; the referral funnel (links made, helps by new and existing users, credits granted by referral and how much of it was spent).",
    scope: "operator",
    sideEffect: "none",
    input: OverviewInput,
    output: BillingOverview,
    run: (ctx, input) => billingOverview(ctx, input),
  }),
  defineTool({
    name: "grant_credits",
    description:
      "给单个用户发放补偿额度（需运营确认）：功能、额度（最多 3 位小数）、可选有效天数与原因；同一 requestId 只发放一次 / Grant one user compensation credits after the operator approves: feature, credits (up to 3 decimals), optional expiry in days, and the reason, recorded in the user's ledger. The same requestId grants once. Approving needs an admin key, as the grants route does.",
    scope: "admin",
    sideEffect: "writes",
    input: GrantCreditsInput,
    output: CompensationGrant,
    run: (ctx, { userId, ...grant }) => grantCompensation(ctx, userId, grant),
  }),
];
