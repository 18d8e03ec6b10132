import { atomic, stmt } from "../../db/sql.ts";
import type { Ctx } from "../context.ts";
import { chatOf } from "./chat.ts";
import { getPersona } from "./library.ts";
import { listMemories } from "./memory.ts";

type MsgRow = { seq: number; role: "user" | "assistant"; content: string; meta: string; created_at: number };

/** A user's chat with a persona as they see it: the latest messages, the running summary, the pinned facts. */
export function chatHistory(ctx: Ctx, personaId: string, userId: string, limit = 50) {
  const persona = getPersona(ctx, personaId);
  const chat = chatOf(ctx, userId, persona.id);
  const rows = chat
    ? (stmt(ctx.db, "SELECT seq, role, content, meta, created_at FROM persona_messages WHERE workspace_id = ? AND chat_id = ? ORDER BY seq DESC LIMIT ?").all(ctx.workspaceId, chat.id, limit) as MsgRow[]).reverse()
    : [];
  return {
    personaId: persona.id,
    userId,
    chatId: chat?.id ?? null,
    summary: chat?.summary ?? "",
    sessionStartedAt: chat ? new Date(chat.session_started_at).toISOString() : null,
    lastMessageAt: chat ? new Date(chat.last_message_at).toISOString() : null,
    messages: rows.map((r) => ({ seq: r.seq, role: r.role, content: r.content, meta: JSON.parse(r.meta) as Record<string, unknown>, createdAt: new Date(r.created_at).toISOString() })),
    memory: listMemories(ctx, userId, persona.id),
  };
}

/** Starts over: the messages and the summary go; the pinned facts stay (the user deletes those one by one). */
export function resetChat(ctx: Ctx, personaId: string, userId: string) {
  const persona = getPersona(ctx, personaId);
  return atomic(ctx.db, () => {
    const chat = chatOf(ctx, userId, persona.id);
    if (!chat) return { deletedMessages: 0 };
    const n = stmt(ctx.db, "DELETE FROM persona_messages WHERE workspace_id = ? AND chat_id = ?").run(ctx.workspaceId, chat.id).changes;
    stmt(ctx.db, "DELETE FROM persona_chats WHERE workspace_id = ? AND id = ?").run(ctx.workspaceId, chat.id);
    return { deletedMessages: n };
  });
}
