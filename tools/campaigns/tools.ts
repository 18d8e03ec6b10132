import { defineTool } from "../tool.ts";
import { createCampaignDraft } from "./index.ts";
import { CampaignInput, CampaignView } from "./schema.ts";

export const campaignTools = [
  defineTool({
    name: "campaign_draft",
    description:
      "保存营销活动草稿（受众、渠道、文案变体、发送计划、预算、频控、目标），需运营确认 / Store a campaign draft: audience (segmentId or an inline definition), channels, copy variants (each re-checked against its channel's rules), schedule (now, at, recurring), optional budget, frequency cap and goal. Returns the draft with the audience's current size. Nothing is sent.",
    scope: "operator",
    sideEffect: "writes",
    input: CampaignInput,
    output: CampaignView,
    run: (ctx, input) => createCampaignDraft(ctx, input),
  }),
];
