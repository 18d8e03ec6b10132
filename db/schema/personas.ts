import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Companion personas (DESIGN §7). The built-in cards are files in prompts/personas/; a workspace's
 * imported cards (Character Card V2/V3, from JSON or a PNG's chara/ccv3 chunk) live here, stored
 * in the V3 form with every unknown extension kept.
 */
export const personas = sqliteTable(
  "personas",
  {
    workspaceId: integer("workspace_id").notNull(),
    id: text("id").notNull(),
    card: text("card", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The imported PNG's image, when the card came as one: exported again with the card in it. */
    imageKey: text("image_key"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/**
 * One end user's conversation with one persona. Older turns fold into `summary` (through message
 * `summarizedThrough`); `sessionStartedAt` is when the current stretch of continuous chat began,
 * for the two-hour reminder (`remindedAt` is when it was last given).
 */
export const personaChats = sqliteTable(
  "persona_chats",
  {
    workspaceId: integer("workspace_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    personaId: text("persona_id").notNull(),
    summary: text("summary").notNull().default(""),
    summarizedThrough: integer("summarized_through").notNull().default(0),
    sessionStartedAt: integer("session_started_at").notNull(),
    remindedAt: integer("reminded_at"),
    lastMessageAt: integer("last_message_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("persona_chats_user").on(t.workspaceId, t.userId, t.personaId)],
);

export const PERSONA_ROLES = ["user", "assistant"] as const;

export const personaMessages = sqliteTable(
  "persona_messages",
  {
    seq: integer("seq").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    chatId: text("chat_id").notNull(),
    role: text("role", { enum: PERSONA_ROLES }).notNull(),
    content: text("content").notNull(),
    /** Which model answered (offline engine or the configured LLM), the safety verdict, a song made. */
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("persona_messages_chat").on(t.workspaceId, t.chatId, t.seq)],
);

export const MEMORY_SOURCES = ["user", "auto"] as const;

/**
 * Pinned facts of one user with one persona ("my name is 小林", "likes 民谣"), which the user sees,
 * edits and deletes. `slot` names a fact the engine keeps one of (name); free facts have none.
 */
export const personaMemories = sqliteTable(
  "persona_memories",
  {
    workspaceId: integer("workspace_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    personaId: text("persona_id").notNull(),
    slot: text("slot"),
    text: text("text").notNull(),
    source: text("source", { enum: MEMORY_SOURCES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("persona_memories_user").on(t.workspaceId, t.userId, t.personaId)],
);

export const TASTE_KINDS = ["genre", "artist"] as const;

/**
 * Per-user play counts by genre and by artist: the taste vectors icebreakers compare. Folded in
 * from the events past `taste_state.through_seq` when matches are asked for; a merge moves them.
 */
export const userTastes = sqliteTable(
  "user_tastes",
  {
    workspaceId: integer("workspace_id").notNull(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: TASTE_KINDS }).notNull(),
    value: text("value").notNull(),
    plays: integer("plays").notNull(),
  },
  // By value: the users who share one of the asking user's genres or artists, without reading everyone's tastes.
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId, t.kind, t.value] }), index("user_tastes_value").on(t.workspaceId, t.kind, t.value)],
);

export const tasteState = sqliteTable("taste_state", {
  workspaceId: integer("workspace_id").primaryKey(),
  throughSeq: integer("through_seq").notNull(),
});
