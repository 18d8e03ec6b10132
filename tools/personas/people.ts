import { stmt, type Db } from "../../db/sql.ts";

/**
 * A user's persona data (chats, their messages, pinned memories) follows the user: moved when two
 * profiles merge, deleted with the user's personal data. Both run inside the caller's transaction.
 */

/** `from`'s chats and memories become `into`'s; a persona both talked to keeps one chat, with both histories. */
export function movePersonaData(db: Db, ws: number, from: string, into: string) {
  if (from === into) return;
  const chats = stmt(db, "SELECT id, persona_id FROM persona_chats WHERE workspace_id = ? AND user_id = ?").all(ws, from) as { id: string; persona_id: string }[];
  for (const c of chats) {
    const kept = stmt(db, "SELECT id FROM persona_chats WHERE workspace_id = ? AND user_id = ? AND persona_id = ?").get(ws, into, c.persona_id) as { id: string } | undefined;
    if (!kept) {
      stmt(db, "UPDATE persona_chats SET user_id = ? WHERE workspace_id = ? AND id = ?").run(into, ws, c.id);
      continue;
    }
    // Messages keep their seq, so the merged history reads in the order it was said.
    stmt(db, "UPDATE persona_messages SET chat_id = ? WHERE workspace_id = ? AND chat_id = ?").run(kept.id, ws, c.id);
    stmt(db, "DELETE FROM persona_chats WHERE workspace_id = ? AND id = ?").run(ws, c.id);
  }
  stmt(db, "UPDATE persona_memories SET user_id = ? WHERE workspace_id = ? AND user_id = ?").run(into, ws, from);
}

export function deletePersonaData(db: Db, ws: number, userId: string) {
  const personaMessages = stmt(db, "DELETE FROM persona_messages WHERE workspace_id = ? AND chat_id IN (SELECT id FROM persona_chats WHERE workspace_id = ? AND user_id = ?)").run(ws, ws, userId).changes;
  const personaChats = stmt(db, "DELETE FROM persona_chats WHERE workspace_id = ? AND user_id = ?").run(ws, userId).changes;
  const personaMemories = stmt(db, "DELETE FROM persona_memories WHERE workspace_id = ? AND user_id = ?").run(ws, userId).changes;
  return { personaChats, personaMessages, personaMemories };
}
