import { and, desc, eq } from "drizzle-orm";
import type { z } from "zod";
import { campaigns, type CampaignRow } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";
import { audienceProfile, resolveAudience } from "../copy/audience.ts";
import { DEFAULT_TAG_LENGTH, checkCopy } from "../copy/check.ts";
import { genreAliases } from "../copy/generate.ts";
import { getSegment, previewSegment } from "../segments/index.ts";
import { CampaignInput, type CampaignView } from "./schema.ts";

type Stored = { budget: Record<string, unknown> & { frequencyCap?: unknown } };

const iso = (ms: number) => new Date(ms).toISOString();

function view(row: CampaignRow, count: number | null): CampaignView {
  const { frequencyCap = null, ...budget } = (row.budget ?? {}) as Stored["budget"];
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    audience: { segmentId: row.segmentId, definition: row.definition ?? null, count },
    channels: row.channels as CampaignView["channels"],
    variants: row.variants as CampaignView["variants"],
    schedule: row.schedule as CampaignView["schedule"],
    budget: Object.keys(budget).length ? budget : null,
    frequencyCap: frequencyCap as CampaignView["frequencyCap"],
    goal: (row.goal ?? null) as CampaignView["goal"],
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** The audience's size now; null when its saved segment (or one it includes) is gone. */
function currentCount(ctx: Ctx, row: CampaignRow): number | null {
  try {
    const definition = row.segmentId ? getSegment(ctx, row.segmentId).definition : row.definition;
    return previewSegment(ctx, { definition, sample: 0 }).count;
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) return null;
    throw e;
  }
}

const invalid = (path: string, zh: string, en: string, details: Record<string, unknown> = {}) =>
  new ApiError(ErrorCode.ValidationFailed, bi(zh, `invalid input: ${path}: ${en}`), { path, ...details });

/**
 * Stores a campaign draft: the audience must exist here (a saved segment, else 404) or parse (an
 * inline definition, else 400 naming the node); every variant is re-checked with checkCopy, its
 * `{{name}}` tags counted at the audience sample's longest name (400 naming the variant and rule);
 * a schedule `at` must not be in the past. Returns the draft with the audience's current count.
 */
export function createCampaignDraft(ctx: Ctx, input: z.input<typeof CampaignInput>): CampaignView {
  const q = CampaignInput.parse(input);
  const now = ctx.now().getTime();
  const definition = resolveAudience(ctx, q.audience, "audience.definition");
  if (q.schedule.type === "at" && Date.parse(q.schedule.at) < now)
    throw invalid("schedule.at", `发送时间 ${q.schedule.at} 已过去`, `${q.schedule.at} is in the past (now ${iso(now)})`);
  const audience = audienceProfile(ctx, definition, genreAliases(ctx.prompts));
  const variants = q.variants.map((v, i) => {
    const { channel, hook, language, maxParts, ...copy } = v;
    const r = checkCopy(channel, copy, {
      language,
      maxParts,
      mergeTagLength: audience.longestName ?? DEFAULT_TAG_LENGTH,
      mergeTagSource: audience.longestName != null ? "audience" : "allowance",
    });
    const bad = r.checks.find((c) => !c.ok);
    if (bad) {
      const path = `variants.${i}${bad.part ? `.${bad.part}` : ""}`;
      const cut = bad.detail.indexOf(" / "); // details are bi(zh, en)
      const [zh, en] = cut < 0 ? [bad.detail, bad.detail] : [bad.detail.slice(0, cut), bad.detail.slice(cut + 3)];
      throw invalid(path, `变体 ${path}（${channel}/${hook}）不符合规则 ${bad.rule}：${zh}`, `variant ${i} (${channel}, ${hook}) breaks ${bad.rule}: ${en}`, {
        variant: i,
        rule: bad.rule,
        checks: r.checks.filter((c) => !c.ok),
      });
    }
    return { ...v, chars: r.chars, ...(r.parts === undefined ? {} : { parts: r.parts }) };
  });
  const budget = q.budget || q.frequencyCap ? { ...q.budget, ...(q.frequencyCap ? { frequencyCap: q.frequencyCap } : {}) } : null;
  const row = ctx.db
    .insert(campaigns)
    .values({
      id: newId("cmp"),
      workspaceId: ctx.workspaceId,
      name: q.name,
      status: "draft",
      segmentId: q.audience.segmentId ?? null,
      definition: q.audience.segmentId === undefined ? q.audience.definition : null,
      channels: q.channels,
      variants,
      schedule: q.schedule,
      budget,
      goal: q.goal ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  return view(row, audience.count);
}

function own(ctx: Ctx, id: string): CampaignRow {
  const row = ctx.db.select().from(campaigns).where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, ctx.workspaceId))).get();
  if (!row) throw notFound("campaign", "活动不存在");
  return row;
}

/** One draft of this workspace (404 otherwise), with its audience's current count. */
export function getCampaign(ctx: Ctx, id: string): CampaignView {
  const row = own(ctx, id);
  return view(row, currentCount(ctx, row));
}

/** This workspace's drafts, newest first (counts are left null: get one to count it). */
export const listCampaigns = (ctx: Ctx): CampaignView[] =>
  ctx.db
    .select()
    .from(campaigns)
    .where(eq(campaigns.workspaceId, ctx.workspaceId))
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .all()
    .map((r) => view(r, null));

export function deleteCampaign(ctx: Ctx, id: string) {
  own(ctx, id);
  ctx.db.delete(campaigns).where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, ctx.workspaceId))).run();
  return { id, deleted: true };
}
