import { z } from "zod";

export const MAX_EVENTS_PER_REQUEST = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_ID_LENGTH = 256;

export const MAX_JSON_DEPTH = 32;

export const Id = z.string().min(1).max(MAX_ID_LENGTH);

/** `anon:<id>` names anonymous profiles; a client's user id may not look like one. */
export const UserId = Id.refine((s) => !s.startsWith("anon:"), "user ids may not start with 'anon:' (reserved for anonymous profiles)");

/** Whether a JSON value nests deeper than `limit` (SQLite's JSON functions refuse very deep values). */
export function nestsDeeperThan(v: unknown, limit: number): boolean {
  if (v === null || typeof v !== "object") return false;
  if (limit <= 0) return true;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (nestsDeeperThan(x, limit - 1)) return true;
  return false;
}

/** A JSON object of properties or traits, nested at most MAX_JSON_DEPTH levels. */
export const JsonObject = z
  .record(z.string().min(1).max(200), z.unknown())
  .refine((o) => !nestsDeeperThan(o, MAX_JSON_DEPTH), `nested deeper than ${MAX_JSON_DEPTH} levels`);

export const EventInput = z
  .strictObject({
    id: Id.meta({ description: "Your event id; a resent id is a duplicate (first write wins). 事件ID，用于幂等" }),
    userId: UserId.optional().meta({ description: "Your user id. 用户ID" }),
    anonymousId: Id.optional().meta({ description: "A device or visitor id; sent with userId it links the two. 匿名ID" }),
    name: z.string().min(1).max(200).meta({ description: "Event name, e.g. play_song. 事件名" }),
    timestamp: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "ISO 8601 with offset, 1970 to one day ahead; default: time received. 发生时间" }),
    properties: JsonObject.optional()
      .meta({ description: "Event properties; `amount` (a number) is the money amount. 事件属性" }),
  })
  .meta({ id: "EventInput" });
export type EventInput = z.infer<typeof EventInput>;

export const IngestBody = z
  .strictObject({ events: z.array(EventInput).min(1).max(MAX_EVENTS_PER_REQUEST) })
  .meta({ id: "IngestBody" });

export const IngestError = z.object({ index: z.number().int(), code: z.string(), message: z.string() });
export const IngestResult = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    errors: z.array(IngestError),
  })
  .meta({ id: "IngestResult" });
export type IngestResult = z.infer<typeof IngestResult>;
