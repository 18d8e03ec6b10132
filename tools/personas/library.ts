import { stmt } from "../../db/sql.ts";
import { notFound } from "../../lib/errors.ts";
import { promptJson, type Prompts } from "../../lib/prompts.ts";
import type { Ctx } from "../context.ts";
import { CardV3, flywheelOf, type FlywheelExtension, type PersonaCard } from "./card.ts";

/** A persona as the engine and the routes use it: its card, our settings, where it came from. */
export type Persona = { id: string; card: PersonaCard; flywheel: FlywheelExtension; builtin: boolean; imageKey?: string };

/** prompts/personas/index.json lists the built-in cards' files (a prompt bundle cannot be listed). */
const builtinCache = new WeakMap<Prompts, Map<string, Persona>>();

/** The built-in personas, parsed once per prompt source: a bad card file fails loudly at first use. */
export function builtinPersonas(prompts: Prompts): Map<string, Persona> {
  let map = builtinCache.get(prompts);
  if (map) return map;
  map = new Map();
  for (const file of promptJson<{ cards: string[] }>(prompts, "personas/index.json").cards) {
    const card = CardV3.parse(promptJson(prompts, `personas/${file}`));
    const flywheel = flywheelOf(card);
    map.set(flywheel.id, { id: flywheel.id, card, flywheel, builtin: true });
  }
  builtinCache.set(prompts, map);
  return map;
}

type Row = { id: string; card: string; image_key: string | null };
const asPersona = (r: Row): Persona => {
  const card = CardV3.parse(JSON.parse(r.card));
  return { id: r.id, card, flywheel: { ...flywheelOf(card), id: r.id }, builtin: false, ...(r.image_key ? { imageKey: r.image_key } : {}) };
};

/** The persona with this id (built-in first, then the workspace's imported cards), or undefined. */
export function findPersona(ctx: Ctx, id: string): Persona | undefined {
  const builtin = builtinPersonas(ctx.prompts).get(id);
  if (builtin) return builtin;
  const row = stmt(ctx.db, "SELECT id, card, image_key FROM personas WHERE workspace_id = ? AND id = ?").get(ctx.workspaceId, id) as Row | undefined;
  return row && asPersona(row);
}

export function getPersona(ctx: Ctx, id: string): Persona {
  const p = findPersona(ctx, id);
  if (!p) throw notFound(`persona ${id}`, "角色不存在");
  return p;
}

/** Every persona this workspace can chat with: the built-in ones, then its imported cards by id. */
export function listPersonas(ctx: Ctx): Persona[] {
  const rows = stmt(ctx.db, "SELECT id, card, image_key FROM personas WHERE workspace_id = ? ORDER BY id").all(ctx.workspaceId) as Row[];
  return [...builtinPersonas(ctx.prompts).values(), ...rows.map(asPersona)];
}

/** How the OpenAI-compatible API names a persona: `persona:<id>`. */
export const PERSONA_MODEL_PREFIX = "persona:";
export const personaModel = (id: string) => `${PERSONA_MODEL_PREFIX}${id}`;

/** The name to show in a language: the Chinese name for zh when the card has one. */
export const displayName = (p: Persona, lang: "zh" | "en") => (lang === "zh" && p.flywheel.name_zh) || p.card.data.name;
