import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One operator conversation with the agent; its id is also the LangGraph thread id. */
export const agentConversations = sqliteTable(
  "agent_conversations",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    title: text("title").notNull(),
    model: text("model", { mode: "json" }).$type<{ provider: string; name: string }>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("agent_conversations_workspace").on(t.workspaceId, t.updatedAt)],
);

/** The audit trail of a conversation: every operator message and every agent turn with its tool calls. */
export const agentMessages = sqliteTable(
  "agent_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: text("conversation_id").notNull(),
    workspaceId: integer("workspace_id").notNull(),
    role: text("role", { enum: ["operator", "agent"] }).notNull(),
    content: text("content").notNull(),
    toolCalls: text("tool_calls", { mode: "json" }).$type<unknown[]>().notNull().default([]),
    cards: text("cards", { mode: "json" }).$type<unknown[]>().notNull().default([]),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("agent_messages_conversation").on(t.conversationId, t.id)],
);

/** Side-effecting tool calls waiting for (or decided by) the operator. */
export const agentApprovals = sqliteTable(
  "agent_approvals",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    toolName: text("tool_name").notNull(),
    args: text("args", { mode: "json" }).$type<unknown>().notNull(),
    status: text("status", { enum: ["pending", "approved", "edited", "rejected"] }).notNull(),
    decidedArgs: text("decided_args", { mode: "json" }).$type<unknown>(),
    message: text("message"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("agent_approvals_conversation").on(t.conversationId, t.createdAt)],
);

/** LangGraph checkpoints, kept in the product's own database so a paused agent survives a restart. */
export const agentCheckpoints = sqliteTable(
  "agent_checkpoints",
  {
    threadId: text("thread_id").notNull(),
    ns: text("ns").notNull(),
    id: text("id").notNull(),
    parentId: text("parent_id"),
    type: text("type"),
    checkpoint: blob("checkpoint", { mode: "buffer" }).notNull(),
    metadata: blob("metadata", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.ns, t.id] })],
);

export const agentWrites = sqliteTable(
  "agent_writes",
  {
    threadId: text("thread_id").notNull(),
    ns: text("ns").notNull(),
    checkpointId: text("checkpoint_id").notNull(),
    taskId: text("task_id").notNull(),
    idx: integer("idx").notNull(),
    taskPath: text("task_path").notNull().default(""),
    channel: text("channel").notNull(),
    type: text("type"),
    value: blob("value", { mode: "buffer" }),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.ns, t.checkpointId, t.taskId, t.idx] })],
);

export type ConversationRow = typeof agentConversations.$inferSelect;
export type ApprovalRow = typeof agentApprovals.$inferSelect;
