import { and, asc, desc, eq } from "drizzle-orm";
import { agentApprovals, agentConversations, agentMessages, type ApprovalRow } from "../db/schema/index.ts";
import { ApiError, ErrorCode, bi, notFound } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Ctx } from "../tools/context.ts";
import type { ModelInfo } from "./model.ts";

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

/** The conversation, checked to belong to the caller's workspace (another's is a 404). */
export function ownConversation(ctx: Ctx, id: string) {
  const row = ctx.db.select().from(agentConversations).where(and(eq(agentConversations.id, id), eq(agentConversations.workspaceId, ctx.workspaceId))).get();
  if (!row) throw notFound("conversation", "会话不存在");
  return row;
}

export function startConversation(ctx: Ctx, firstMessage: string, model: ModelInfo) {
  const now = ctx.now().getTime();
  const id = newId("conv");
  ctx.db.insert(agentConversations).values({ id, workspaceId: ctx.workspaceId, title: firstMessage.slice(0, 80), model, createdAt: now, updatedAt: now }).run();
  return id;
}

export function appendMessage(ctx: Ctx, conversationId: string, m: { role: "operator" | "agent"; content: string; toolCalls?: unknown[]; cards?: unknown[] }) {
  const now = ctx.now().getTime();
  ctx.db.insert(agentMessages).values({ conversationId, workspaceId: ctx.workspaceId, role: m.role, content: m.content, toolCalls: m.toolCalls ?? [], cards: m.cards ?? [], createdAt: now }).run();
  ctx.db.update(agentConversations).set({ updatedAt: now }).where(eq(agentConversations.id, conversationId)).run();
}

/** An approval as the API shows it. */
export const approvalOf = (a: ApprovalRow) => ({
  id: a.id,
  tool: a.toolName,
  input: a.args,
  status: a.status,
  decidedInput: a.decidedArgs ?? undefined,
  message: a.message ?? undefined,
  createdAt: iso(a.createdAt),
  decidedAt: iso(a.decidedAt),
});

/** Every message and tool call of a conversation, oldest first: the audit trail. */
export function getConversation(ctx: Ctx, id: string) {
  const c = ownConversation(ctx, id);
  const messages = ctx.db.select().from(agentMessages).where(eq(agentMessages.conversationId, id)).orderBy(asc(agentMessages.id)).all();
  const approvals = ctx.db.select().from(agentApprovals).where(eq(agentApprovals.conversationId, id)).orderBy(asc(agentApprovals.createdAt)).all();
  return {
    id: c.id,
    title: c.title,
    model: c.model,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    messages: messages.map((m) => ({ role: m.role, content: m.content, toolCalls: m.toolCalls, cards: m.cards, createdAt: iso(m.createdAt) })),
    approvals: approvals.map(approvalOf),
  };
}

export function listConversations(ctx: Ctx, limit = 50) {
  return ctx.db
    .select()
    .from(agentConversations)
    .where(eq(agentConversations.workspaceId, ctx.workspaceId))
    .orderBy(desc(agentConversations.updatedAt))
    .limit(limit)
    .all()
    .map((c) => ({ id: c.id, title: c.title, model: c.model, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) }));
}

export function recordApproval(ctx: Ctx, conversationId: string, toolName: string, args: unknown) {
  const id = newId("apr");
  ctx.db.insert(agentApprovals).values({ id, workspaceId: ctx.workspaceId, conversationId, toolName, args, status: "pending", createdAt: ctx.now().getTime() }).run();
  return approvalOf(ctx.db.select().from(agentApprovals).where(eq(agentApprovals.id, id)).get()!);
}

/** The pending approval, claimed for a decision in one statement, so two decisions never both apply. */
export function claimApproval(
  ctx: Ctx,
  id: string,
  decision: { status: "approved" | "edited" | "rejected"; args?: unknown; message?: string },
  /** Whether the approver's key may run this tool itself: approving is running it. Anyone may reject. */
  mayRun: (toolName: string) => boolean = () => true,
) {
  const row = ctx.db.select().from(agentApprovals).where(and(eq(agentApprovals.id, id), eq(agentApprovals.workspaceId, ctx.workspaceId))).get();
  if (!row) throw notFound("approval", "审批不存在");
  if (decision.status !== "rejected" && !mayRun(row.toolName))
    throw new ApiError(ErrorCode.Forbidden, bi(`批准 ${row.toolName} 需要更高权限的密钥`, `approving ${row.toolName} needs a key that may run it (its scope)`));
  const claimed = ctx.db
    .update(agentApprovals)
    .set({ status: decision.status, decidedArgs: decision.args ?? null, message: decision.message ?? null, decidedAt: ctx.now().getTime() })
    .where(and(eq(agentApprovals.id, id), eq(agentApprovals.status, "pending")))
    .returning()
    .get();
  if (!claimed) throw new ApiError(ErrorCode.Conflict, bi(`该审批已处理（${row.status}）`, `this approval was already decided (${row.status})`));
  return claimed;
}

