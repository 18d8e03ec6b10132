import { z } from "zod";
import { dayToIso } from "../../lib/time.ts";
import { todayOf } from "../analytics/clv.ts";
import { defineTool } from "../tool.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { CatalogQuery, getCatalog } from "./read.ts";

/**
 * What the workspace tracks, plus its clock: the agent grounds every word in these names and
 * resolves "近30天" against `today` in the workspace's own timezone.
 */
export function catalogForAgent(ctx: Parameters<typeof getCatalog>[0], q: z.infer<typeof CatalogQuery>) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  return { workspace: ws.name, timezone: ws.timezone, now: ctx.now().toISOString(), today: dayToIso(todayOf(ws, ctx.now())), ...getCatalog(ctx, q) };
}

export const catalogTools = [
  defineTool({
    name: "catalog",
    description:
      "数据目录：事件名、事件属性、用户属性及其常见取值，以及工作区时区和今天的日期 / The workspace's event names, their properties and trait keys with their most common values, plus its timezone and today's date. Call it first to use the workspace's real names.",
    scope: "operator",
    sideEffect: "none",
    input: CatalogQuery,
    output: z.record(z.string(), z.unknown()),
    run: catalogForAgent,
  }),
];
