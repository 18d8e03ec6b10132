import { atomic, fitsBoundValue, stmt } from "../../db/sql.ts";
import type { BlobStore } from "../../lib/blobs.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import type { Ctx } from "../context.ts";
import { avatarPng, TONE_COLORS } from "./avatar.ts";
import { nestsDeeperThan } from "../events/schema.ts";
import { PERSONA_ID, flywheelOf, parseCard, slugOf, toV2, type PersonaCard } from "./card.ts";
import { builtinPersonas, findPersona, getPersona, type Persona } from "./library.ts";
import { crc32, readCardPng, stripCardChunks, writeCardPng } from "./png.ts";

/** Importing and exporting persona cards: JSON (V1/V2/V3 in, V2/V3 out) and PNG with the card embedded. */

export type PersonaDeps = { blobs: BlobStore };
export type CardFile = { bytes: Uint8Array; contentType: string; filename: string };
export type ImportInput = { card?: unknown; png?: Uint8Array };
export type ImportOptions = { id?: string; replace?: boolean };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const conflict = (id: string, reason: "builtin" | "exists") =>
  reason === "builtin"
    ? new ApiError(ErrorCode.Conflict, bi(`“${id}”是内置角色，请用 id 参数另取一个名字`, `${id} is a built-in persona: import under another id (?id=…)`), { reason, id })
    : new ApiError(ErrorCode.Conflict, bi(`角色“${id}”已存在；用 replace=true 覆盖`, `persona ${id} already exists: pass replace=true to overwrite it`), { reason, id });

/** The stored id of an import: the caller's, else the card's own flywheel id, else a slug of its name. */
function importId(card: PersonaCard, wanted: string | undefined): string {
  const own = card.data.extensions["flywheel"];
  const id = wanted ?? (isRecord(own) && typeof own["id"] === "string" ? own["id"] : slugOf(card.data.name));
  if (!PERSONA_ID.test(id))
    throw new ApiError(ErrorCode.ValidationFailed, bi("角色 id 只能用小写字母、数字和连字符（最多 48 个）", `persona id ${JSON.stringify(id)} must match ${PERSONA_ID.source}: pass ?id=…`), [
      { path: "id", message: `must match ${PERSONA_ID.source}` },
    ]);
  return id;
}

/**
 * Imports a card (JSON of any version, or a PNG holding one) into this workspace as `id`. The card
 * is kept whole in its V3 form (unknown fields and extensions included); only
 * `extensions.flywheel.id` is set, to the stored id. A PNG's picture is kept for export.
 */
export async function importCard(ctx: Ctx, deps: PersonaDeps, input: ImportInput, opts: ImportOptions = {}): Promise<Persona> {
  if ((input.card === undefined) === (input.png === undefined)) throw new Error("importCard takes a card or a png, not both or neither");
  const raw = input.png ? readCardPng(input.png) : input.card;
  // A card nested thousands deep would overflow the stack when it is written back out.
  if (nestsDeeperThan(raw, 64)) throw new ApiError(ErrorCode.ValidationFailed, bi("角色卡嵌套过深（最多 64 层）", "the card nests more than 64 levels deep"));
  const parsed = parseCard(raw);
  const id = importId(parsed, opts.id);
  const own = parsed.data.extensions["flywheel"];
  // A flywheel block that is not an object stays as it is, so flywheelOf names it in the 400.
  const card: PersonaCard = { ...parsed, data: { ...parsed.data, extensions: { ...parsed.data.extensions, flywheel: own === undefined ? { id } : isRecord(own) ? { ...own, id } : own } } };
  const flywheel = flywheelOf(card);
  const json = JSON.stringify(card);
  if (!fitsBoundValue(json)) throw new ApiError(ErrorCode.PayloadTooLarge, bi("角色卡过大（上限约 2 MB）", "the card is too large to store: at most about 2 MB of JSON"));
  if (builtinPersonas(ctx.prompts).has(id)) throw conflict(id, "builtin");
  const exists = () => stmt(ctx.db, "SELECT 1 FROM personas WHERE workspace_id = ? AND id = ?").get(ctx.workspaceId, id) !== undefined;
  // Checked before the upload too, so a refused import writes nothing.
  if (!opts.replace && exists()) throw conflict(id, "exists");

  let imageKey: string | null = null;
  if (input.png) {
    const image = stripCardChunks(input.png);
    // Named by content: an import refused after its upload (a race on the id) cannot overwrite the picture of the card that won.
    imageKey = `ws/${ctx.workspaceId}/personas/${id}-${crc32(image).toString(16).padStart(8, "0")}.png`;
    await deps.blobs.put(imageKey, image, "image/png");
  }
  const now = ctx.now().getTime();
  const write = opts.replace
    ? "INSERT INTO personas (workspace_id, id, card, image_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, id) DO UPDATE SET card = excluded.card, image_key = excluded.image_key, updated_at = excluded.updated_at"
    : "INSERT INTO personas (workspace_id, id, card, image_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, id) DO NOTHING";
  if (stmt(ctx.db, write).run(ctx.workspaceId, id, json, imageKey, now, now).changes === 0) throw conflict(id, "exists");
  return { id, card, flywheel: { ...flywheel, id }, builtin: false, ...(imageKey ? { imageKey } : {}) };
}

export async function exportCard(ctx: Ctx, deps: PersonaDeps, id: string, format: "png"): Promise<CardFile>;
export async function exportCard(ctx: Ctx, deps: PersonaDeps, id: string, format: "v3" | "v2"): Promise<Record<string, unknown>>;
export async function exportCard(ctx: Ctx, deps: PersonaDeps, id: string, format: "v3" | "v2" | "png"): Promise<CardFile | Record<string, unknown>>;
/**
 * A persona's card as V3 or V2 JSON, or as a PNG: the picture it was imported with, or a generated
 * avatar for the built-ins and JSON imports.
 */
export async function exportCard(ctx: Ctx, deps: PersonaDeps, id: string, format: "v3" | "v2" | "png"): Promise<CardFile | Record<string, unknown>> {
  const p = getPersona(ctx, id);
  if (format === "v3") return p.card;
  if (format === "v2") return toV2(p.card);
  let image = p.imageKey ? (await deps.blobs.get(p.imageKey))?.bytes : undefined;
  if (p.imageKey && !image) ctx.log.warn("persona image missing from the blob store; exporting a generated avatar", { persona: id, key: p.imageKey });
  image ??= avatarPng(p.id, TONE_COLORS[p.flywheel.tone]);
  return { bytes: writeCardPng(image, p.card), contentType: "image/png", filename: `${p.id}.png` };
}

/**
 * Removes an imported card (the built-ins are files: a 409) with every chat, message and pinned fact
 * kept with it, so a card imported later under the same id starts with no memory of anyone. Its
 * picture stays in the blob store, which has no delete.
 */
export function deletePersona(ctx: Ctx, id: string): { id: string; deleted: true } {
  const p = findPersona(ctx, id);
  if (!p) throw notFound(`persona ${id}`, "角色不存在");
  if (p.builtin) throw new ApiError(ErrorCode.Conflict, bi("内置角色不能删除", `${id} is a built-in persona and cannot be deleted`), { reason: "builtin", id });
  const ws = ctx.workspaceId;
  return atomic(ctx.db, () => {
    if (stmt(ctx.db, "DELETE FROM personas WHERE workspace_id = ? AND id = ?").run(ws, id).changes === 0) throw notFound(`persona ${id}`, "角色不存在");
    stmt(ctx.db, "DELETE FROM persona_messages WHERE workspace_id = ? AND chat_id IN (SELECT id FROM persona_chats WHERE workspace_id = ? AND persona_id = ?)").run(ws, ws, id);
    stmt(ctx.db, "DELETE FROM persona_chats WHERE workspace_id = ? AND persona_id = ?").run(ws, id);
    stmt(ctx.db, "DELETE FROM persona_memories WHERE workspace_id = ? AND persona_id = ?").run(ws, id);
    return { id, deleted: true as const };
  });
}
