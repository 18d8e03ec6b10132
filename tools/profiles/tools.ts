import { z } from "zod";
import { defineTool } from "../tool.ts";
import { getProfile } from "./get.ts";

export const UserLookupInput = z.strictObject({
  id: z.string().min(1).max(200).meta({ description: "A user id, an anonymous id or a linked channel id. 用户 ID" }),
  events: z.number().int().min(0).max(50).default(5).meta({ description: "How many latest events to include. 最近事件数" }),
});

export const profileTools = [
  defineTool({
    name: "user_lookup",
    description: "查看单个用户画像：属性、行为、RFM/生命周期、预测分与最近事件 / One user's profile: traits, behaviour, RFM class, lifecycle stage, predictive scores and latest events.",
    scope: "operator",
    sideEffect: "none",
    input: UserLookupInput,
    output: z.record(z.string(), z.unknown()),
    run: (ctx, input) => getProfile(ctx, input.id, { events: input.events }),
  }),
];
