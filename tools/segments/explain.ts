import { stmt } from "../../db/sql.ts";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { segments } from "../../db/schema/index.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { compileSegment } from "./compile.ts";
import { describeSegment, labelsFor, segmentRefs, type DescribeOptions, type Labels } from "./describe.ts";
import type { SegmentNode as Node } from "./schema.ts";

/** Conditions explained one by one: each is two counts, so the work stays bounded. */
export const MAX_CONDITIONS = 10;

const Bilingual = z.object({ zh: z.string(), en: z.string() });
export const WindowUsed = z
  .object({
    path: z.string().meta({ description: 'The node reading this window, e.g. "and[0]". 节点路径' }),
    days: z.number().int().optional(),
    from: z.iso.date(),
    to: z.iso.date(),
    period: z.enum(["current", "previous"]).optional().meta({ description: "For `change`: which of its two periods. 对比的本期/上期" }),
  })
  .meta({ description: "A window as local calendar days, both ends included. 时间窗（含首尾，工作区时区）" });
export const ConditionCount = z.object({
  path: z.string(),
  condition: Bilingual,
  count_after: z.number().int().meta({ description: "Users left after this condition and every one before it. 累计筛选后人数" }),
  alone: z.number().int().meta({ description: "Users matching this condition on its own. 单独满足人数" }),
});
/** What `explain: true` adds to a preview. */
export const Explanation = {
  description: Bilingual.optional().meta({ description: "The definition in words. 分群定义的文字说明" }),
  windows: z.array(WindowUsed).optional(),
  conditions: z
    .array(ConditionCount)
    .optional()
    .meta({ description: "For an empty or very small audience: how each top-level condition narrows it. 人数为零或很少时，逐条件人数" }),
};
const Explained = z.object(Explanation);

function count(ctx: Ctx, def: Node, asOf: number): number {
  const { where, params } = compileSegment(ctx.db, getWorkspace(ctx.db, ctx.workspaceId), def, asOf);
  return (stmt(ctx.db, `SELECT count(*) AS n FROM profiles p WHERE ${where}`).get(params) as { n: number }).n;
}

/** Both sentences for a definition, read with the workspace's lexicon and saved segment names. */
function describeBoth(ctx: Ctx, def: Node, asOf: number) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  let labels: Labels | undefined;
  try {
    labels = labelsFor(ctx.prompts);
  } catch (e) {
    // A broken lexicon should cost the words, not the preview: raw names are still correct.
    ctx.log.warn("segment lexicon unreadable; describing with raw names", { error: String(e) });
  }
  const ids = [...new Set(segmentRefs(def))];
  const segmentNames = ids.length
    ? Object.fromEntries(
        ctx.db
          .select({ id: segments.id, name: segments.name })
          .from(segments)
          .where(and(eq(segments.workspaceId, ctx.workspaceId), inArray(segments.id, ids)))
          .all()
          .map((s) => [s.id, s.name]),
      )
    : undefined;
  const opts: Omit<DescribeOptions, "lang"> = { asOf, timezone: ws.timezone, labels, segmentNames };
  const zh = describeSegment(def, { ...opts, lang: "zh" });
  const en = describeSegment(def, { ...opts, lang: "en" });
  return { description: { zh: zh.text, en: en.text }, windows: zh.windows };
}

/**
 * For a top-level `and` (or a single node): how many users are left after each condition in
 * order, and how many each matches alone, so an operator sees which condition emptied an audience.
 * Only the first MAX_CONDITIONS conditions are counted.
 */
export function conditionCounts(ctx: Ctx, def: Node, asOf: number): z.infer<typeof ConditionCount>[] {
  const conds = "and" in def ? def.and.slice(0, MAX_CONDITIONS) : [def];
  let after = 0;
  return conds.map((c, i) => {
    const alone = count(ctx, c, asOf);
    // An `and` only narrows: once nobody is left, nobody is left after any later condition.
    after = i === 0 ? alone : after === 0 ? 0 : count(ctx, { and: conds.slice(0, i + 1) }, asOf);
    return { path: "and" in def ? `and[${i}]` : "(root)", condition: describeBoth(ctx, c, asOf).description, count_after: after, alone };
  });
}

/**
 * What a preview with `explain: true` adds. Condition counts only for an audience of none or
 * below max(5, 1% of profiles): a large one was not emptied by anything, and each condition
 * costs two more counts.
 */
export function explainPreview(ctx: Ctx, def: Node, asOf: number, total: number): z.infer<typeof Explained> {
  const profiles = (stmt(ctx.db, "SELECT count(*) AS n FROM profiles WHERE workspace_id = ?").get(ctx.workspaceId) as { n: number }).n;
  const small = total < Math.max(5, profiles / 100);
  return { ...describeBoth(ctx, def, asOf), ...(small ? { conditions: conditionCounts(ctx, def, asOf) } : {}) };
}
