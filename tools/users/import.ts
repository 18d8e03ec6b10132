import { z } from "zod";
import { atomic, stmt } from "../../db/sql.ts";
import { csvRecords, csvValue } from "../../lib/csv.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import type { Ctx } from "../context.ts";
import { IdentifyInput, identifyIn } from "../identity/identify.ts";
import { resolveUserId } from "../identity/merge.ts";
import { getWorkspace } from "../workspaces/index.ts";

export const USER_IMPORT_FORMATS = ["csv", "ndjson"] as const;
export type UserImportFormat = (typeof USER_IMPORT_FORMATS)[number];

const USER_ID_COLUMNS = ["userId", "user_id", "id"];
const CHANNEL_COLUMNS = ["device_id", "miniprogram_openid", "wechat_openid", "phone_hash"];
const MAX_ERRORS = 100;
const CHUNK = 1000;

export const UserImportResult = z
  .object({
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    rejected: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), code: z.string(), message: z.string() })),
  })
  .meta({ id: "UserImportResult" });

type Row = { line: number; value: unknown } | { line: number; error: { code: string; message: string } };

function* csvRows(text: string): Generator<Row> {
  const needUserId = (header: string[]) => {
    if (!USER_ID_COLUMNS.some((c) => header.includes(c)))
      throw new ApiError(ErrorCode.ValidationFailed, bi("CSV 缺少 userId 列", "CSV header needs a userId column"));
  };
  for (const rec of csvRecords(text, needUserId)) {
    if ("error" in rec) {
      yield rec;
      continue;
    }
    const traits: Record<string, unknown> = {};
    const channels: Record<string, string> = {};
    let userId: string | undefined;
    let anonymousId: string | undefined;
    for (const [col, raw] of rec.cells) {
      if (USER_ID_COLUMNS.includes(col)) userId ||= raw;
      else if (col === "anonymousId") anonymousId = raw || undefined;
      else if (CHANNEL_COLUMNS.includes(col)) raw && (channels[col] = raw);
      else {
        const v = csvValue(raw);
        if (v !== undefined) traits[col] = v;
      }
    }
    yield { line: rec.line, value: { userId, anonymousId, traits, ...(Object.keys(channels).length ? { channels } : {}) } };
  }
}

function* ndjsonRows(text: string): Generator<Row> {
  let line = 0;
  for (const raw of text.split("\n")) {
    line++;
    if (!raw.trim()) continue;
    try {
      yield { line, value: JSON.parse(raw) };
    } catch {
      yield { line, error: { code: "malformed_json", message: "not a JSON object" } };
    }
  }
}

/** Imports users with traits (and ids) from CSV or NDJSON text; each row is identify. */
export function importUsers(ctx: Ctx, text: string, format: UserImportFormat): z.infer<typeof UserImportResult> {
  const now = ctx.now().getTime();
  const ws = getWorkspace(ctx.db, ctx.workspaceId);
  const result = { rows: 0, created: 0, updated: 0, rejected: 0, errors: [] as { line: number; code: string; message: string }[] };
  const reject = (line: number, code: string, message: string) => {
    result.rejected++;
    if (result.errors.length < MAX_ERRORS) result.errors.push({ line, code, message });
  };
  const exists = (u: string) => !!stmt(ctx.db, "SELECT 1 FROM profiles WHERE workspace_id = ? AND user_id = ?").get(ctx.workspaceId, u);
  let chunk: Row[] = [];
  const flush = () => {
    atomic(ctx.db, () => {
      for (const row of chunk) {
        if ("error" in row) {
          reject(row.line, row.error.code, row.error.message);
          continue;
        }
        const parsed = IdentifyInput.safeParse(row.value);
        if (!parsed.success) {
          const i = parsed.error.issues[0]!;
          reject(row.line, "invalid_user", `${i.path.join(".") || "row"}: ${i.message}`);
          continue;
        }
        const existed = exists(resolveUserId(ctx.db, ctx.workspaceId, parsed.data.userId));
        identifyIn(ctx, ws, parsed.data, now);
        if (existed) result.updated++;
        else result.created++;
      }
    });
    chunk = [];
  };
  for (const row of format === "csv" ? csvRows(text) : ndjsonRows(text)) {
    result.rows++;
    chunk.push(row);
    if (chunk.length >= CHUNK) flush();
  }
  flush();
  return result;
}
