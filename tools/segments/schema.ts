import { z } from "zod";

/** RFM classes and lifecycle stages, with their Chinese labels (DESIGN §4). */
export const RFM_CLASSES = {
  important_value: "重要价值",
  important_develop: "重要发展",
  important_retain: "重要保持",
  important_win_back: "重要挽留",
  general_value: "一般价值",
  general_develop: "一般发展",
  general_retain: "一般保持",
  general_win_back: "一般挽留",
} as const;
export const LIFECYCLE_STAGES = { new: "导入期", growing: "成长期", mature: "成熟期", dormant: "休眠期", churned: "流失期" } as const;
export const SCORES = ["churn", "p_alive", "clv", "expected_purchases_30d"] as const;

const Scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
const CompareOp = z.enum(["eq", "neq", "gt", "gte", "lt", "lte"]);
const CountOp = z.enum(["eq", "neq", "gt", "gte", "lt", "lte"]);
const Name = z.string().min(1).max(200);
/** A trait or property name; `"` and `\` are refused so the JSON path is always well formed. */
const Key = z.string().min(1).max(200).regex(/^[^"\\]+$/, 'no " or \\ in names');
const IsoDate = z.iso.date();

const Compare = z
  .object({ op: z.enum(["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "exists"]), value: z.union([Scalar, z.array(Scalar).max(1000)]).optional() })
  .superRefine((c, ctx) => {
    const v = c.value;
    if (c.op === "exists") {
      if (v !== undefined) ctx.addIssue({ code: "custom", message: "exists takes no value", path: ["value"] });
    } else if (v === undefined) ctx.addIssue({ code: "custom", message: `${c.op} needs a value`, path: ["value"] });
    else if (c.op === "in") {
      if (!Array.isArray(v)) ctx.addIssue({ code: "custom", message: "in needs a list", path: ["value"] });
    } else if (Array.isArray(v)) ctx.addIssue({ code: "custom", message: `${c.op} takes one value, not a list`, path: ["value"] });
    else if (["gt", "gte", "lt", "lte"].includes(c.op) && typeof v === "boolean")
      ctx.addIssue({ code: "custom", message: `${c.op} compares numbers or strings`, path: ["value"] });
  });

export const TraitNode = z.strictObject({ trait: Key, ...Compare.shape }).superRefine((n, ctx) => Compare.safeParse({ op: n.op, value: n.value }).error?.issues.forEach((i) => ctx.addIssue({ ...i, code: "custom", message: i.message })));
export const PropertyFilter = z.strictObject({ property: Key, ...Compare.shape }).superRefine((n, ctx) => Compare.safeParse({ op: n.op, value: n.value }).error?.issues.forEach((i) => ctx.addIssue({ ...i, code: "custom", message: i.message })));

const Count = z.strictObject({ op: CountOp, value: z.number().finite() });
export const Window = z.union([
  z.strictObject({ days: z.number().int().min(1).max(3650) }),
  z.strictObject({ from: IsoDate, to: IsoDate }).refine((w) => w.from <= w.to, "from must not be after to"),
]);

export type SegmentNode =
  | { and: SegmentNode[] }
  | { or: SegmentNode[] }
  | { not: SegmentNode }
  | z.infer<typeof TraitNode>
  | {
      performed: string;
      times?: z.infer<typeof Count>;
      within?: z.infer<typeof Window>;
      where?: z.infer<typeof PropertyFilter>[];
      sum?: z.infer<typeof Count>;
    }
  | { notPerformed: string; within: { days: number } }
  | { lastActive: { op: z.infer<typeof CountOp>; days: number } }
  | { rfm: (keyof typeof RFM_CLASSES)[] }
  | { lifecycle: (keyof typeof LIFECYCLE_STAGES)[] }
  | { score: (typeof SCORES)[number]; op: z.infer<typeof CompareOp>; value: number }
  | { topPercent: { score: (typeof SCORES)[number]; pct: number } }
  | { change: { event: string; days: number; op: "drop" | "rise"; pct: number } }
  | { inSegment: string }
  | { randomBucket: { pct: number; salt: string } };

/** The segment language (DESIGN §4): strict, so an unknown key is a 400 that names where it is. */
export const SegmentNode: z.ZodType<SegmentNode> = z.lazy(() =>
  z.union([
    z.strictObject({ and: z.array(SegmentNode).min(1).max(100) }),
    z.strictObject({ or: z.array(SegmentNode).min(1).max(100) }),
    z.strictObject({ not: SegmentNode }),
    TraitNode,
    z.strictObject({ performed: Name, times: Count.optional(), within: Window.optional(), where: z.array(PropertyFilter).max(20).optional(), sum: Count.optional() }),
    z.strictObject({ notPerformed: Name, within: z.strictObject({ days: z.number().int().min(1).max(3650) }) }),
    z.strictObject({ lastActive: z.strictObject({ op: CountOp, days: z.number().int().min(0).max(36500) }) }),
    z.strictObject({ rfm: z.array(z.enum(Object.keys(RFM_CLASSES) as [keyof typeof RFM_CLASSES])).min(1) }),
    z.strictObject({ lifecycle: z.array(z.enum(Object.keys(LIFECYCLE_STAGES) as [keyof typeof LIFECYCLE_STAGES])).min(1) }),
    z.strictObject({ score: z.enum(SCORES), op: CompareOp, value: z.number().finite() }),
    z.strictObject({ topPercent: z.strictObject({ score: z.enum(SCORES), pct: z.number().gt(0).max(100) }) }),
    z.strictObject({
      change: z.strictObject({
        event: Name.meta({ description: 'An event name, or "active_days" for the count of active days. 事件名或 active_days' }),
        days: z.number().int().min(1).max(365),
        op: z.enum(["drop", "rise"]),
        pct: z.number().min(0).max(10_000),
      }),
    }),
    z.strictObject({ inSegment: z.string().min(1).max(64) }),
    z.strictObject({ randomBucket: z.strictObject({ pct: z.number().min(0).max(100), salt: z.string().max(200) }) }),
  ]),
).meta({ id: "SegmentNode", description: "Segment definition: a tree of nodes (DESIGN §4). 分群定义" });

/** The key that tells each kind of node apart, in the order of the union above. */
export const NODE_KEYS = ["and", "or", "not", "trait", "performed", "notPerformed", "lastActive", "rfm", "lifecycle", "score", "topPercent", "change", "inSegment", "randomBucket"] as const;

type Issue = { code: string; path: PropertyKey[]; message: string; errors?: Issue[][] };

/**
 * The first real problem in a definition, as a path like `and[1].performed.times.op`. A failed
 * union is resolved to the kind of node the object was meant to be (by its key), so the message
 * names the field that is wrong rather than "no option matched".
 */
export function explainSegmentIssue(issues: readonly Issue[], input: unknown, base: PropertyKey[] = []): { path: string; message: string } {
  const issue = issues[0]!;
  const at = [...base, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors) {
    let node: unknown = input;
    for (const k of issue.path) node = (node as Record<PropertyKey, unknown>)?.[k as string];
    if (node === null || typeof node !== "object" || Array.isArray(node))
      return { path: fmt(at), message: "a node must be an object such as {\"and\": [...]}" };
    const i = NODE_KEYS.findIndex((k) => k in node);
    if (i < 0) return { path: fmt(at), message: `unknown node: expected one of ${NODE_KEYS.join(", ")}` };
    const sub = issue.errors[i] ?? [];
    if (sub.length) return explainSegmentIssue(sub, node, at);
  }
  return { path: fmt(at), message: issue.message };
}

const fmt = (path: PropertyKey[]) =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "") || "(root)";
