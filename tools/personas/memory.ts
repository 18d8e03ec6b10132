import { z } from "zod";
import { stmt, type Db } from "../../db/sql.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import { fill, type Prompts } from "../../lib/prompts.ts";
import type { Ctx } from "../context.ts";
import { UserId } from "../events/schema.ts";
import type { PersonaLanguage } from "./card.ts";
import { lexicons, nameIn, type Analysis } from "./understand.ts";

/**
 * Pinned memory: facts about one user kept by one persona, which the user sees, rewrites and
 * deletes (Character.AI's pinned memories). The engine pins a name and tastes it hears on its own;
 * both the engine and the LLM prompt read the facts back as written, so an edit changes the next reply.
 */

/**
 * Character.AI keeps 15 pins per chat: the engine keeps as many facts of its own (dropping its
 * oldest), and a user may pin their own until the list holds 30.
 */
export const MAX_AUTO_FACTS = 15;
export const MAX_FACTS = 30;

export const MemoryInput = z
  .strictObject({
    text: z.string().trim().min(1).max(400).meta({ description: "The fact, as the persona should remember it (e.g. 我叫小林 / I work night shifts). 记忆内容" }),
    userId: UserId.optional().meta({ description: "The end user (required with an API key). 用户ID" }),
  })
  .meta({ id: "PersonaMemoryInput" });

export type Memory = { id: string; text: string; slot: string | null; source: "user" | "auto"; createdAt: string; updatedAt: string };
type Row = { id: string; text: string; slot: string | null; source: "user" | "auto"; created_at: number; updated_at: number };
const view = (r: Row): Memory => ({ id: r.id, text: r.text, slot: r.slot, source: r.source, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString() });

const rowsOf = (db: Db, ws: number, userId: string, personaId: string) =>
  stmt(db, "SELECT id, text, slot, source, created_at, updated_at FROM persona_memories WHERE workspace_id = ? AND user_id = ? AND persona_id = ? ORDER BY created_at, rowid").all(ws, userId, personaId) as Row[];

export const listMemories = (ctx: Ctx, userId: string, personaId: string): Memory[] => rowsOf(ctx.db, ctx.workspaceId, userId, personaId).map(view);

/**
 * The user's name as the memory says it now: the name fact (read back through the same patterns,
 * or taken whole when the user rewrote it to just the name), else any fact that states one.
 */
export function nameFromMemory(prompts: Prompts, facts: { text: string; slot: string | null }[]): string | undefined {
  const slot = facts.find((f) => f.slot === "name");
  if (slot) return nameIn(prompts, slot.text) ?? (slot.text.length <= 20 ? slot.text.trim() : undefined);
  for (const f of [...facts].reverse()) {
    const n = nameIn(prompts, f.text);
    if (n) return n;
  }
  return undefined;
}

export function addMemory(ctx: Ctx, userId: string, personaId: string, text: string): Memory {
  const count = (stmt(ctx.db, "SELECT count(*) AS n FROM persona_memories WHERE workspace_id = ? AND user_id = ? AND persona_id = ?").get(ctx.workspaceId, userId, personaId) as { n: number }).n;
  if (count >= MAX_FACTS) throw new ApiError(ErrorCode.Conflict, bi(`最多 ${MAX_FACTS} 条记忆，请先删除一些`, `at most ${MAX_FACTS} pinned facts: delete some first`));
  const now = ctx.now().getTime();
  const id = newId("mem");
  stmt(ctx.db, "INSERT INTO persona_memories (workspace_id, id, user_id, persona_id, slot, text, source, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, 'user', ?, ?)").run(ctx.workspaceId, id, userId, personaId, text, now, now);
  return view({ id, text, slot: null, source: "user", created_at: now, updated_at: now });
}

function own(ctx: Ctx, userId: string, personaId: string, id: string): Row {
  const row = stmt(ctx.db, "SELECT id, text, slot, source, created_at, updated_at FROM persona_memories WHERE workspace_id = ? AND id = ? AND user_id = ? AND persona_id = ?").get(ctx.workspaceId, id, userId, personaId) as Row | undefined;
  if (!row) throw notFound(`memory ${id}`, "记忆不存在");
  return row;
}

/** The user's rewrite: it is theirs from now on (source user), and keeps its slot, so a rewritten name is still the name. */
export function editMemory(ctx: Ctx, userId: string, personaId: string, id: string, text: string): Memory {
  const row = own(ctx, userId, personaId, id);
  const now = ctx.now().getTime();
  stmt(ctx.db, "UPDATE persona_memories SET text = ?, source = 'user', updated_at = ? WHERE workspace_id = ? AND id = ?").run(text, now, ctx.workspaceId, id);
  return view({ ...row, text, source: "user", updated_at: now });
}

export function deleteMemory(ctx: Ctx, userId: string, personaId: string, id: string) {
  own(ctx, userId, personaId, id);
  stmt(ctx.db, "DELETE FROM persona_memories WHERE workspace_id = ? AND id = ?").run(ctx.workspaceId, id);
  return { deleted: id };
}

/**
 * Pins what the message told the persona (inside the turn's atomic unit): a name replaces the name
 * fact; a taste is added once. Auto facts beyond MAX_AUTO_FACTS drop oldest first; the user's own never.
 * False when the message told it nothing to pin.
 */
export function rememberFromMessage(db: Db, prompts: Prompts, k: { ws: number; userId: string; personaId: string; now: number }, a: Analysis, lang: PersonaLanguage): boolean {
  if (!a.name && !a.taste) return false;
  const tpl = lexicons(prompts)[lang].lex.memory;
  const existing = rowsOf(db, k.ws, k.userId, k.personaId);
  const insert = (slot: string | null, text: string) =>
    stmt(db, "INSERT INTO persona_memories (workspace_id, id, user_id, persona_id, slot, text, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'auto', ?, ?)").run(k.ws, newId("mem"), k.userId, k.personaId, slot, text, k.now, k.now);
  if (a.name) {
    const text = fill(tpl.name, { name: a.name });
    const slot = existing.find((r) => r.slot === "name");
    if (!slot) insert("name", text);
    else if (nameIn(prompts, slot.text) !== a.name) stmt(db, "UPDATE persona_memories SET text = ?, source = 'auto', updated_at = ? WHERE workspace_id = ? AND id = ?").run(text, k.now, k.ws, slot.id);
  }
  if (a.taste) {
    const text = fill(tpl.taste, { taste: a.taste.text });
    const norm = (s: string) => s.toLowerCase().replace(/\s+/g, "");
    if (!existing.some((r) => norm(r.text) === norm(text))) {
      insert(null, text);
      const autos = existing.filter((r) => r.source === "auto" && r.slot === null);
      for (const old of autos.slice(0, Math.max(0, autos.length + 1 - MAX_AUTO_FACTS))) stmt(db, "DELETE FROM persona_memories WHERE workspace_id = ? AND id = ?").run(k.ws, old.id);
    }
  }
  return true;
}
