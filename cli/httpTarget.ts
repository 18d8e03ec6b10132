import { bi } from "../lib/errors.ts";
import { MAX_BODY_BYTES, type IngestResult } from "../tools/events/schema.ts";

/** A request the server refused (4xx) or that kept failing; the message is zh-CN, then English. */
export class HttpTargetError extends Error {}

export type HttpTargetOptions = {
  url: string;
  key: string;
  /** Retries after a 429, a 5xx or a network error (default 5). */
  retries?: number;
  /** First backoff for 5xx and network errors, doubled each retry (default 500 ms, at most 10 s). */
  backoffMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
};

type Reply = { status: number; body: any };

const HINTS: Record<number, [string, string]> = {
  401: ["请检查 --key 或环境变量 FLYWHEEL_KEY", "check --key or the FLYWHEEL_KEY environment variable"],
  403: ["该密钥需要 ingest 权限", "the key needs the ingest scope"],
  404: ["请检查 --url 是否指向 Flywheel 服务", "check that --url points at a Flywheel server"],
};

/** Seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const isIngestResult = (d: any): d is IngestResult =>
  d && typeof d.accepted === "number" && typeof d.duplicates === "number" && typeof d.rejected === "number" && Array.isArray(d.errors);

/**
 * A running Flywheel server as the target of a bulk load: POSTs batches with the key, retries a
 * 429 after its Retry-After and a 5xx or network error with backoff (event ids make a resent batch
 * harmless: what was stored comes back as duplicates), and counts what the server stored.
 */
export function httpTarget(opts: HttpTargetOptions) {
  const base = opts.url.replace(/\/+$/, "");
  const retries = opts.retries ?? 5;
  const backoff = opts.backoffMs ?? 500;
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const totals = { accepted: 0, duplicates: 0, rejected: 0, requests: 0, retries: 0 };

  async function request(method: string, path: string, body?: string, contentType = "application/json"): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const wait = (ms: number) => (totals.retries++, sleep(ms));
      const delay = Math.min(10_000, backoff * 2 ** attempt);
      let res: Response;
      try {
        totals.requests++;
        res = await doFetch(base + path, {
          method,
          headers: { authorization: `Bearer ${opts.key}`, ...(body === undefined ? {} : { "content-type": contentType }) },
          ...(body === undefined ? {} : { body }),
        });
      } catch (err) {
        if (attempt < retries) {
          await wait(delay);
          continue;
        }
        const why = (err as Error)?.cause ?? err;
        throw new HttpTargetError(bi(`无法连接 ${base}（已重试 ${retries} 次）`, `cannot reach ${base} after ${retries} retries: ${String((why as Error)?.message ?? why)}`));
      }
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        await res.body?.cancel();
        await wait(res.status === 429 ? (retryAfterMs(res.headers.get("retry-after")) ?? delay) : delay);
        continue;
      }
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed };
    }
  }

  function refused(method: string, path: string, r: Reply): HttpTargetError {
    const e = r.body?.error;
    const [zh, en] = HINTS[r.status] ?? ["", ""];
    const code = e?.code ? ` ${e.code}` : "";
    const server = typeof e?.message === "string" ? e.message : String(r.body).slice(0, 200);
    return new HttpTargetError(
      `${bi(`服务器拒绝了请求 ${method} ${path}：HTTP ${r.status}${code}。${zh}`, `the server refused ${method} ${path}: HTTP ${r.status}${code}. ${en}`.trimEnd())}\n` +
        `  服务器 / server: ${server}`,
    );
  }

  /** POSTs one batch of events (split in halves while over the body limit) and adds up the result. */
  async function events(batch: readonly unknown[]): Promise<IngestResult> {
    const body = JSON.stringify({ events: batch });
    if (Buffer.byteLength(body) > MAX_BODY_BYTES && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      const [a, b] = [await events(batch.slice(0, half)), await events(batch.slice(half))];
      return { accepted: a.accepted + b.accepted, duplicates: a.duplicates + b.duplicates, rejected: a.rejected + b.rejected, errors: [...a.errors, ...b.errors.map((e) => ({ ...e, index: e.index + half }))] };
    }
    const r = await request("POST", "/v1/events", body);
    // 400 with the counts in `details` is "every event in the batch was rejected": a result, not a failure.
    const result = r.status === 200 && isIngestResult(r.body) ? r.body : r.status === 400 && isIngestResult(r.body?.error?.details) ? r.body.error.details : undefined;
    if (!result) throw refused("POST", "/v1/events", r);
    totals.accepted += result.accepted;
    totals.duplicates += result.duplicates;
    totals.rejected += result.rejected;
    return result;
  }

  /** Identify, many users a request: NDJSON of identify bodies to /v1/users/import. */
  async function identify(users: readonly { userId: string; traits?: Record<string, unknown> }[]) {
    if (!users.length) return { rows: 0, created: 0, updated: 0, rejected: 0 };
    const r = await request("POST", "/v1/users/import", users.map((u) => JSON.stringify(u)).join("\n"), "application/x-ndjson");
    if (r.status !== 200) throw refused("POST", "/v1/users/import", r);
    return r.body as { rows: number; created: number; updated: number; rejected: number };
  }

  /** The workspace's timezone (needs admin); a key without admin gets the default, with a note. */
  async function timezone(warn: (s: string) => void): Promise<string> {
    const r = await request("GET", "/v1/workspace");
    if (r.status === 200 && typeof r.body?.timezone === "string") return r.body.timezone;
    if (r.status !== 403) throw refused("GET", "/v1/workspace", r);
    warn(bi("密钥没有 admin 权限，无法读取工作区时区，按 Asia/Shanghai 计算", "the key lacks admin, so the workspace timezone is unknown; assuming Asia/Shanghai"));
    return "Asia/Shanghai";
  }

  return { events, identify, timezone, totals };
}

export type HttpTarget = ReturnType<typeof httpTarget>;
