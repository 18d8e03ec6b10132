import { analyticsTools } from "./analytics/tools.ts";
import { billingTools } from "./billing/tools.ts";
import { campaignTools } from "./campaigns/tools.ts";
import { copyTools } from "./copy/tools.ts";
import { catalogTools } from "./catalog/tools.ts";
import { profileTools } from "./profiles/tools.ts";
import { segmentTools } from "./segments/tools.ts";
import type { ToolDef } from "./tool.ts";

/** Every tool the agent may call. */
export const TOOLS: ToolDef[] = [...catalogTools, ...segmentTools, ...analyticsTools, ...profileTools] as ToolDef[];
TOOLS.push(...(copyTools as ToolDef[]), ...(campaignTools as ToolDef[]), ...(billingTools as ToolDef[]));
