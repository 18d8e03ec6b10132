import { dayNumber, DAY_MS, parseIsoDateTime } from "../../lib/time.ts";
import { EventInput } from "./schema.ts";

/** One event as the insert statement reads it: [id, userId, anonymousId, name, properties, amount, ms, day]. */
export type EventRow = [string, string | null, string | null, string, Record<string, unknown>, number | null, number, number];

export type RowError = { code: string; message: string };

/** Validates one event and turns it into a row; an error names what is wrong with it. */
export function normalizeEvent(raw: unknown, now: number, timeZone: string): EventRow | RowError {
  const parsed = EventInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join(".");
    return { code: "invalid_event", message: path ? `${path}: ${issue.message}` : issue.message };
  }
  const e = parsed.data;
  if (e.userId === undefined && e.anonymousId === undefined)
    return { code: "missing_identity", message: "userId or anonymousId is required / 需要 userId 或 anonymousId" };
  let ms = now;
  if (e.timestamp !== undefined) {
    ms = parseIsoDateTime(e.timestamp);
    if (Number.isNaN(ms)) return { code: "invalid_timestamp", message: "timestamp: not an ISO 8601 date-time with offset / 时间格式无效" };
    if (ms < 0 || ms > now + DAY_MS)
      return { code: "timestamp_out_of_range", message: "timestamp: must lie between 1970 and one day ahead / 时间超出范围" };
  }
  const props = e.properties ?? {};
  const amount = props.amount;
  if (amount !== undefined && (typeof amount !== "number" || !Number.isFinite(amount)))
    return { code: "invalid_amount", message: "properties.amount: must be a number / 金额必须是数字" };
  return [e.id, e.userId ?? null, e.anonymousId ?? null, e.name, props, (amount as number | undefined) ?? null, ms, dayNumber(ms, timeZone)];
}

export const isRowError = (r: EventRow | RowError): r is RowError => !Array.isArray(r);
