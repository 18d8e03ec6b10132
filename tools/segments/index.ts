import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { stmt } from "../../db/sql.ts";
import { segments, type SegmentRow } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import { compileSegment, parseDefinition } from "./compile.ts";
import { Explanation, explainPreview } from "./explain.ts";

export const PreviewInput = z
  .strictObject({
    definition: z.unknown().meta({ description: "A segment definition (see SegmentNode). 分群定义" }),
    asOf: z.iso.datetime({ offset: true }).optional().meta({ description: "Evaluate as of this time; default now. 计算时点" }),
    sample: z.number().int().min(0).max(1000).default(20).meta({ description: "How many user ids to return, by id. 样本数" }),
    explain: z
      .boolean()
      .default(false)
      .meta({ description: "Also return the definition in words, its windows as dates and, for an empty or tiny audience, per-condition counts. 附带文字说明、时间窗日期及逐条件人数" }),
  })
  .meta({ id: "SegmentPreviewInput" });
export const PreviewResult = z.object({ count: z.number().int(), sample: z.array(z.string()), elapsedMs: z.number(), asOf: z.string(), ...Explanation });

export const SegmentInput = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(""),
  definition: z.unknown(),
});
export const SegmentPatch = z.strictObject({ name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional(), definition: z.unknown().optional() });

export const SegmentView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    definition: z.unknown(),
    count: z.number().int().nullable(),
    refreshedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Segment" });

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
const view = (s: SegmentRow): z.infer<typeof SegmentView> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  definition: s.definition,
  count: s.cachedCount,
  refreshedAt: iso(s.refreshedAt),
  createdAt: iso(s.createdAt)!,
  updatedAt: iso(s.updatedAt)!,
});

function compiled(ctx: Ctx, definition: unknown, asOf?: string) {
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const at = asOf ? Date.parse(asOf) : ctx.now().getTime();
  const def = parseDefinition(definition);
  return { ...compileSegment(ctx.db, ws, def, at), at, def };
}

/** Who matches a definition: the count and the first user ids by id. */
export function previewSegment(ctx: Ctx, input: z.input<typeof PreviewInput>): z.infer<typeof PreviewResult> {
  const q = PreviewInput.parse(input);
  const started = performance.now();
  const { where, params, at, def } = compiled(ctx, q.definition, q.asOf);
  const { n } = stmt(ctx.db, `SELECT count(*) AS n FROM profiles p WHERE ${where}`).get(params) as { n: number };
  const sample = q.sample
    ? (stmt(ctx.db, `SELECT p.user_id FROM profiles p WHERE ${where} ORDER BY p.user_id LIMIT ${q.sample}`).all(params) as { user_id: string }[]).map((r) => r.user_id)
    : [];
  const explained = q.explain ? explainPreview(ctx, def, at, n) : {};
  return { count: n, sample, elapsedMs: Math.round((performance.now() - started) * 100) / 100, asOf: new Date(at).toISOString(), ...explained };
}

function own(ctx: Ctx, id: string) {
  const row = ctx.db.select().from(segments).where(and(eq(segments.id, id), eq(segments.workspaceId, ctx.workspaceId))).get();
  if (!row) throw notFound("segment", "分群不存在");
  return row;
}

/** Counts a saved segment now and caches the count. */
export function refreshSegment(ctx: Ctx, id: string) {
  const row = own(ctx, id);
  const { count } = previewSegment(ctx, { definition: row.definition, sample: 0 });
  const now = ctx.now().getTime();
  return view(ctx.db.update(segments).set({ cachedCount: count, refreshedAt: now }).where(eq(segments.id, id)).returning().get()!);
}

export function createSegment(ctx: Ctx, input: z.input<typeof SegmentInput>) {
  const q = SegmentInput.parse(input);
  parseDefinition(q.definition);
  const now = ctx.now().getTime();
  const row = ctx.db
    .insert(segments)
    .values({ id: newId("seg"), workspaceId: ctx.workspaceId, name: q.name, description: q.description, definition: q.definition, createdAt: now, updatedAt: now })
    .returning()
    .get();
  return refreshSegment(ctx, row.id);
}

export function updateSegment(ctx: Ctx, id: string, patch: z.infer<typeof SegmentPatch>) {
  own(ctx, id);
  if (patch.definition !== undefined) {
    // Compiled as part of itself first: a definition that would include this segment is refused
    // before anything is stored.
    const ws = getWorkspace(ctx.db, ctx.workspaceId);
    compileSegment(ctx.db, ws, parseDefinition(patch.definition), ctx.now().getTime(), [id]);
  }
  ctx.db.update(segments).set({ ...patch, updatedAt: ctx.now().getTime() }).where(eq(segments.id, id)).run();
  return refreshSegment(ctx, id);
}

export const getSegment = (ctx: Ctx, id: string) => view(own(ctx, id));

export const listSegments = (ctx: Ctx) =>
  ctx.db.select().from(segments).where(eq(segments.workspaceId, ctx.workspaceId)).orderBy(desc(segments.createdAt)).all().map(view);

/** Deletes a saved segment, unless another one includes it (409: delete or change those first). */
export function deleteSegment(ctx: Ctx, id: string) {
  own(ctx, id);
  const users = stmt(ctx.db, "SELECT id FROM segments WHERE workspace_id = ? AND id != ? AND instr(definition, ?) > 0").all(ctx.workspaceId, id, `"${id}"`) as { id: string }[];
  if (users.length)
    throw new ApiError(ErrorCode.Conflict, bi("该分群被其他分群引用", `segment is used by ${users.map((u) => u.id).join(", ")}`), { referencedBy: users.map((u) => u.id) });
  ctx.db.delete(segments).where(eq(segments.id, id)).run();
  return { id, deleted: true };
}

/** A saved segment's members in id order, streamed in pages so a large segment never sits in memory. */
export function* segmentUsers(ctx: Ctx, id: string, pageSize = 5000): Generator<string[]> {
  const row = own(ctx, id);
  const { where, params } = compiled(ctx, row.definition);
  const page = stmt(ctx.db, `SELECT p.user_id FROM profiles p WHERE ${where} AND p.user_id > @after ORDER BY p.user_id LIMIT ${pageSize}`);
  let after = "";
  for (;;) {
    const ids = (page.all({ ...params, after }) as { user_id: string }[]).map((r) => r.user_id);
    if (!ids.length) return;
    yield ids;
    after = ids[ids.length - 1]!;
    if (ids.length < pageSize) return;
  }
}
