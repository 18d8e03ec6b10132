import { openDb } from "../db/node.ts";
import type { Scope } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { createApp } from "../server/app.ts";
import type { Ctx } from "../tools/context.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { nodeDocsAssets } from "../server/docsAssets.ts";
import { nodeWebAssets } from "../web/assetsNode.ts";

export const NOW = new Date("2026-11-24T12:00:00Z"); // 20:00 in Asia/Shanghai

export type Call = { status: number; headers: Headers; body: any };
export type CallOptions = { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> };

/** A JSON API request: the bearer key, a JSON body (or raw text sent as JSON), extra headers. */
export function jsonInit(method: string, opts: CallOptions): RequestInit {
  const headers: Record<string, string> = { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}) };
  if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] = "application/json";
  return { method, headers: { ...headers, ...opts.headers }, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) };
}

/** An answer: status, headers, and the body parsed when it is JSON (else its text). */
export async function callResult(res: Response): Promise<Call> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body };
}

/** A fresh in-memory database, the app over it with a settable clock, and helpers to call it. */
export function setup(start: Date = NOW) {
  const db = openDb();
  let now = start;
  const clock = () => now;
  const app = createApp({ db, now: clock, prompts: repoPrompts, docsAssets: nodeDocsAssets, webAssets: nodeWebAssets });
  const ctx = (workspace: string): Ctx => ({ db, workspaceId: ensureWorkspace(db, workspace, now).id, now: clock, log: silentLogger, prompts: repoPrompts });
  const key = (workspace: string, scopes: Scope[] = ["ingest", "operator", "admin"], extra: { rateLimit?: number; burst?: number } = {}) =>
    createKey(ctx(workspace), { scopes, ...extra }).key;
  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<Call> => callResult(await app.request(path, jsonInit(method, opts)));
  return { db, app, ctx, key, call, setNow: (d: Date) => (now = d) };
}

export const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  userId: "u1",
  name: "play_song",
  timestamp: "2026-11-24T10:00:00Z",
  ...extra,
});

/** Rows of a SQL query, for checking stored state directly. */
export const rows = (db: ReturnType<typeof setup>["db"], sql: string, ...params: unknown[]) =>
  db.$client.prepare(sql).all(...params) as any[];

export function expectEnvelope(r: Call, status: number, code?: string) {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  const e = r.body?.error;
  if (!e || typeof e.message !== "string" || typeof e.requestId !== "string" || !e.requestId)
    throw new Error(`not an error envelope: ${JSON.stringify(r.body)}`);
  if (code && e.code !== code) throw new Error(`expected code ${code}, got ${e.code}`);
}

/** Rollups, profile event counts and the catalog's event counts all equal a recount of the stored events. */
export function expectRollupsMatchEvents(db: ReturnType<typeof setup>["db"]) {
  const same = (stored: string, recount: string) => {
    const a = rows(db, stored);
    const b = rows(db, recount);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${stored}\n  ${JSON.stringify(a)}\n≠ ${recount}\n  ${JSON.stringify(b)}`);
  };
  same(
    "SELECT workspace_id, user_id, day, name, count, amount FROM user_daily ORDER BY 1, 2, 3, 4",
    "SELECT workspace_id, user_id, day, name, count(*) AS count, total(amount) AS amount FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
  );
  same("SELECT workspace_id, user_id, event_count FROM profiles WHERE event_count > 0 ORDER BY 1, 2", "SELECT workspace_id, user_id, count(*) AS event_count FROM events GROUP BY 1, 2 ORDER BY 1, 2");
  same("SELECT workspace_id, name, count FROM catalog_events ORDER BY 1, 2", "SELECT workspace_id, name, count(*) AS count FROM events GROUP BY 1, 2 ORDER BY 1, 2");
}
