import { stmt, type Db } from "../../db/sql.ts";
import { TRAITS_SCOPE } from "../../db/schema/index.ts";

type Traits = Record<string, unknown>;

/** The JSON type name SQLite's json_each would report, so event and trait catalogs agree. */
export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "real";
  if (typeof v === "string") return "text";
  return Array.isArray(v) ? "array" : "object";
}

/** The catalog's value key for a trait value, or undefined when it is not listed (see fromEvents). */
function valueKey(v: unknown): string | undefined {
  if (typeof v === "string") return v.length <= 64 ? JSON.stringify(v) : undefined;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  return undefined;
}

/**
 * Moves the trait catalog from the profiles' traits in `removed` to those in `added`: counts are
 * profiles holding a key (per type) and a value, so they stay exact as traits change.
 */
export function catalogTraitDelta(db: Db, workspaceId: number, removed: Traits[], added: Traits[]) {
  const keys = new Map<string, number>();
  const values = new Map<string, number>();
  const bump = (traits: Traits, by: number) => {
    for (const [k, v] of Object.entries(traits)) {
      const kt = JSON.stringify([k, jsonType(v)]);
      keys.set(kt, (keys.get(kt) ?? 0) + by);
      const vk = valueKey(v);
      if (vk !== undefined) {
        const kv = JSON.stringify([k, vk]);
        values.set(kv, (values.get(kv) ?? 0) + by);
      }
    }
  };
  removed.forEach((t) => bump(t, -1));
  added.forEach((t) => bump(t, 1));
  const upKey = stmt(
    db,
    `INSERT INTO catalog_properties (workspace_id, scope, property, type, count) VALUES (?, '${TRAITS_SCOPE}', ?, ?, ?)
     ON CONFLICT (workspace_id, scope, property, type) DO UPDATE SET count = catalog_properties.count + excluded.count`,
  );
  const upValue = stmt(
    db,
    `INSERT INTO catalog_values (workspace_id, scope, property, value, count) VALUES (?, '${TRAITS_SCOPE}', ?, ?, ?)
     ON CONFLICT (workspace_id, scope, property, value) DO UPDATE SET count = catalog_values.count + excluded.count`,
  );
  let dropped = false;
  for (const [kt, n] of keys) {
    if (n === 0) continue;
    const [k, t] = JSON.parse(kt) as [string, string];
    upKey.run(workspaceId, k, t, n);
    dropped ||= n < 0;
  }
  for (const [kv, n] of values) {
    if (n === 0) continue;
    const [k, v] = JSON.parse(kv) as [string, string];
    upValue.run(workspaceId, k, v, n);
    dropped ||= n < 0;
  }
  if (dropped) {
    stmt(db, `DELETE FROM catalog_properties WHERE workspace_id = ? AND scope = '${TRAITS_SCOPE}' AND count <= 0`).run(workspaceId);
    stmt(db, `DELETE FROM catalog_values WHERE workspace_id = ? AND scope = '${TRAITS_SCOPE}' AND count <= 0`).run(workspaceId);
  }
}
