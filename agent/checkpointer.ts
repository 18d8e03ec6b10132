import {
  BaseCheckpointSaver,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  writesSortKey,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
} from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { and, desc, eq, lt } from "drizzle-orm";
import { atomic, type Db } from "../db/sql.ts";
import { agentCheckpoints, agentWrites } from "../db/schema/index.ts";

type Row = typeof agentCheckpoints.$inferSelect;

/**
 * LangGraph checkpoints in the product's own database (agent_checkpoints, agent_writes), so a
 * conversation paused for approval survives a restart. The storage calls are synchronous drizzle
 * statements (the same on better-sqlite3 and a Durable Object); only (de)serialisation is async.
 */
export class DbCheckpointer extends BaseCheckpointSaver {
  constructor(private readonly db: Db) {
    super();
  }

  private async tuple(row: Row): Promise<CheckpointTuple> {
    const writes = this.db
      .select()
      .from(agentWrites)
      .where(and(eq(agentWrites.threadId, row.threadId), eq(agentWrites.ns, row.ns), eq(agentWrites.checkpointId, row.id)))
      .all()
      .sort((a, b) => compareWritesSortKeys(writesSortKey(a.taskPath, a.taskId, a.idx), writesSortKey(b.taskPath, b.taskId, b.idx)));
    const pendingWrites: CheckpointPendingWrite[] = await Promise.all(
      writes.map(async (w) => [w.taskId, w.channel, await this.serde.loadsTyped(w.type ?? "json", w.value ?? new Uint8Array())] as CheckpointPendingWrite),
    );
    const configurable = { thread_id: row.threadId, checkpoint_ns: row.ns, checkpoint_id: row.id };
    return {
      config: { configurable },
      checkpoint: (await this.serde.loadsTyped(row.type ?? "json", row.checkpoint)) as Checkpoint,
      metadata: (await this.serde.loadsTyped("json", row.metadata)) as CheckpointMetadata,
      pendingWrites,
      ...(row.parentId ? { parentConfig: { configurable: { ...configurable, checkpoint_id: row.parentId } } } : {}),
    };
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (!threadId) return undefined;
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const id = getCheckpointId(config);
    const where = [eq(agentCheckpoints.threadId, threadId), eq(agentCheckpoints.ns, ns), ...(id ? [eq(agentCheckpoints.id, id)] : [])];
    // Checkpoint ids are time-ordered (uuid6), so the newest sorts last.
    const row = this.db.select().from(agentCheckpoints).where(and(...where)).orderBy(desc(agentCheckpoints.id)).limit(1).get();
    return row ? this.tuple(row) : undefined;
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const ns = config.configurable?.checkpoint_ns as string | undefined;
    const before = options?.before?.configurable?.checkpoint_id as string | undefined;
    const where = [
      ...(threadId ? [eq(agentCheckpoints.threadId, threadId)] : []),
      ...(ns !== undefined ? [eq(agentCheckpoints.ns, ns)] : []),
      ...(before ? [lt(agentCheckpoints.id, before)] : []),
    ];
    const rows = this.db.select().from(agentCheckpoints).where(and(...where)).orderBy(desc(agentCheckpoints.id)).all();
    let left = options?.limit ?? Infinity;
    for (const row of rows) {
      if (left <= 0) break;
      const t = await this.tuple(row);
      const filter = options?.filter;
      if (filter && !Object.entries(filter).every(([k, v]) => (t.metadata as Record<string, unknown> | undefined)?.[k] === v)) continue;
      left--;
      yield t;
    }
  }

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (!threadId) throw new Error("checkpointer: configurable.thread_id is required");
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const [[type, data], [, meta]] = await Promise.all([this.serde.dumpsTyped(copyCheckpoint(checkpoint)), this.serde.dumpsTyped(metadata)]);
    this.db
      .insert(agentCheckpoints)
      .values({ threadId, ns, id: checkpoint.id, parentId: (config.configurable?.checkpoint_id as string | undefined) ?? null, type, checkpoint: Buffer.from(data), metadata: Buffer.from(meta) })
      .onConflictDoUpdate({ target: [agentCheckpoints.threadId, agentCheckpoints.ns, agentCheckpoints.id], set: { type, checkpoint: Buffer.from(data), metadata: Buffer.from(meta) } })
      .run();
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const threadId = config.configurable?.thread_id as string;
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const checkpointId = config.configurable?.checkpoint_id as string;
    if (!threadId || !checkpointId) throw new Error("checkpointer: thread_id and checkpoint_id are required to store writes");
    const rows = await Promise.all(
      writes.map(async ([channel, value], i) => {
        const [type, data] = await this.serde.dumpsTyped(value);
        return { threadId, ns, checkpointId, taskId, idx: WRITES_IDX_MAP[channel] ?? i, taskPath: taskPath ?? "", channel, type, value: Buffer.from(data) };
      }),
    );
    atomic(this.db, () => {
      for (const r of rows) {
        // Special writes (errors, interrupts: negative idx) replace; regular ones are written once.
        const q = this.db.insert(agentWrites).values(r);
        if (r.idx < 0) q.onConflictDoUpdate({ target: [agentWrites.threadId, agentWrites.ns, agentWrites.checkpointId, agentWrites.taskId, agentWrites.idx], set: { channel: r.channel, type: r.type, value: r.value } }).run();
        else q.onConflictDoNothing().run();
      }
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    atomic(this.db, () => {
      this.db.delete(agentCheckpoints).where(eq(agentCheckpoints.threadId, threadId)).run();
      this.db.delete(agentWrites).where(eq(agentWrites.threadId, threadId)).run();
    });
  }
}
