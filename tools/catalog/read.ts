import { z } from "zod";
import { stmt } from "../../db/sql.ts";
import { TRAITS_SCOPE } from "../../db/schema/index.ts";
import type { Ctx } from "../context.ts";

export const CatalogQuery = z.strictObject({
  event: z.string().min(1).max(200).optional().meta({ description: "Only this event. 仅此事件" }),
  top: z.coerce.number().int().min(1).max(100).default(10).meta({ description: "Top values per property. 高频值个数" }),
});

type PropRow = { scope: string; property: string; type: string; count: number };
type ValueRow = { scope: string; property: string; value: string; count: number };

function describe(props: PropRow[], values: ValueRow[], top: number) {
  const byProp = new Map<string, { name: string; count: number; types: Record<string, number>; topValues: { value: unknown; count: number }[] }>();
  for (const p of props) {
    const key = `${p.scope}\u0000${p.property}`;
    let d = byProp.get(key);
    if (!d) byProp.set(key, (d = { name: p.property, count: 0, types: {}, topValues: [] }));
    d.count += p.count;
    d.types[p.type] = p.count;
  }
  for (const v of values) {
    const d = byProp.get(`${v.scope}\u0000${v.property}`);
    if (d && d.topValues.length < top) d.topValues.push({ value: JSON.parse(v.value), count: v.count });
  }
  const grouped = new Map<string, (typeof byProp extends Map<string, infer D> ? D : never)[]>();
  for (const [key, d] of byProp) {
    const scope = key.split("\u0000")[0]!;
    (grouped.get(scope) ?? grouped.set(scope, []).get(scope)!).push(d);
  }
  for (const list of grouped.values()) list.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return grouped;
}

/** Event names, their properties and trait keys, with counts and most common values. */
export function getCatalog(ctx: Ctx, q: z.infer<typeof CatalogQuery>) {
  const w = ctx.workspaceId;
  const events = stmt(
    ctx.db,
    `SELECT name, count, first_seen_at, last_seen_at FROM catalog_events WHERE workspace_id = @w AND (@e IS NULL OR name = @e)
     ORDER BY count DESC, name`,
  ).all({ w, e: q.event ?? null }) as { name: string; count: number; first_seen_at: number; last_seen_at: number }[];
  const props = stmt(
    ctx.db,
    "SELECT scope, property, type, count FROM catalog_properties WHERE workspace_id = @w AND (@e IS NULL OR scope IN (@e, @t))",
  ).all({ w, e: q.event ?? null, t: TRAITS_SCOPE }) as PropRow[];
  const values = stmt(
    ctx.db,
    `SELECT scope, property, value, count FROM catalog_values WHERE workspace_id = @w AND (@e IS NULL OR scope IN (@e, @t))
     ORDER BY count DESC, value`,
  ).all({ w, e: q.event ?? null, t: TRAITS_SCOPE }) as ValueRow[];
  const grouped = describe(props, values, q.top);
  return {
    events: events.map((e) => ({
      name: e.name,
      count: e.count,
      firstSeenAt: new Date(e.first_seen_at).toISOString(),
      lastSeenAt: new Date(e.last_seen_at).toISOString(),
      properties: grouped.get(e.name) ?? [],
    })),
    traits: (grouped.get(TRAITS_SCOPE) ?? []).map(({ name, count, types, topValues }) => ({ key: name, count, types, topValues })),
  };
}
