import { analyticsTools } from "./analytics/tools.ts";
import { segmentTools } from "./segments/tools.ts";
import type { ToolDef } from "./tool.ts";

/** Every tool the agent may call. */
export const TOOLS: ToolDef[] = [...segmentTools, ...analyticsTools] as ToolDef[];
