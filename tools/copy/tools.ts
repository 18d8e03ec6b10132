import { defineTool } from "../tool.ts";
import { generateCopy } from "./generate.ts";
import { CopyInput, CopyResult } from "./schema.ts";

export const copyTools = [
  defineTool({
    name: "copy_generate",
    description:
      "按渠道规则生成营销文案：短信、推送、微信模板消息、邮件，多个钩子变体，可按分群偏好曲风个性化 / Generate campaign copy for one channel (sms, push, wechat, email) and theme in N variants with different hooks; every variant is checked against the channel's rules (SMS 【签名】, opt-out and 70/67-char parts, push and WeChat field lengths, email subject) and says which check failed if it cannot fit. With segmentId or definition, personalization uses the audience's top genre and counts {{name}} at the longest name.",
    scope: "operator",
    sideEffect: "none",
    input: CopyInput,
    output: CopyResult,
    run: (ctx, input) => generateCopy(ctx, input),
  }),
];
