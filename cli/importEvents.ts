import { createReadStream, readFileSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { csvRecords, csvValue } from "../lib/csv.ts";
import { dayStartMs } from "../lib/time.ts";
import type { Ctx } from "../tools/context.ts";
import { ingestEvents } from "../tools/events/ingest.ts";
import { MAX_EVENTS_PER_REQUEST, type IngestResult } from "../tools/events/schema.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";

export const EVENT_IMPORT_FORMATS = ["ndjson", "csv", "cdnow"] as const;
export type EventImportFormat = (typeof EVENT_IMPORT_FORMATS)[number];

export type ImportSummary = {
  rowsRead: number;
  stored: number;
  duplicates: number;
  rejected: number;
  reasons: Record<string, { count: number; examples: { line: number; message: string }[] }>;
};

type Item = { line: number; event?: unknown; error?: { code: string; message: string } };

const EVENT_COLUMNS = new Set(["id", "userId", "anonymousId", "name", "timestamp"]);

async function* lines(path: string): AsyncGenerator<{ line: number; text: string }> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
    line++;
    if (text.trim()) yield { line, text };
  }
}

async function* ndjsonItems(path: string): AsyncGenerator<Item> {
  for await (const { line, text } of lines(path)) {
    try {
      yield { line, event: JSON.parse(text) };
    } catch {
      yield { line, error: { code: "malformed_json", message: "not valid JSON" } };
    }
  }
}

/** CSV events: columns id, userId, anonymousId, name, timestamp; a `properties` column of JSON, or any other column a property. */
async function* csvItems(path: string): AsyncGenerator<Item> {
  for (const rec of csvRecords(readFileSync(path, "utf8"))) {
    if ("error" in rec) {
      yield rec;
      continue;
    }
    const event: Record<string, unknown> = {};
    let properties: Record<string, unknown> = {};
    let bad: string | undefined;
    for (const [col, raw] of rec.cells) {
      if (EVENT_COLUMNS.has(col)) raw !== "" && (event[col] = raw);
      else if (col === "properties") {
        try {
          if (raw) properties = { ...properties, ...(JSON.parse(raw) as Record<string, unknown>) };
        } catch {
          bad = "properties: not valid JSON";
        }
      } else {
        const v = csvValue(raw);
        if (v !== undefined) properties[col] = v;
      }
    }
    if (bad) yield { line: rec.line, error: { code: "invalid_properties", message: bad } };
    else yield { line: rec.line, event: { ...event, properties } };
  }
}

/**
 * CDNOW transactions as `purchase` events: the master file's 4 columns (customer, YYYYMMDD, CDs,
 * dollars) or the sample's 5 (master customer, sample customer, date, CDs, dollars). The user is
 * the master customer id; the time is noon of the day in the workspace's zone; the event id is
 * file and line, so importing a file again stores nothing twice.
 */
async function* cdnowItems(path: string, timeZone: string): AsyncGenerator<Item> {
  const file = basename(path);
  for await (const { line, text } of lines(path)) {
    const cols = text.trim().split(/\s+/);
    if (cols.length !== 4 && cols.length !== 5) {
      yield { line, error: { code: "column_count", message: `expected 4 or 5 columns, got ${cols.length}` } };
      continue;
    }
    const [customer, date, cds, dollars] = cols.length === 4 ? cols : [cols[0], cols[2], cols[3], cols[4]];
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date!);
    const items = Number(cds);
    const amount = Number(dollars);
    if (!m) {
      yield { line, error: { code: "invalid_date", message: `date '${date}' is not YYYYMMDD` } };
      continue;
    }
    if (!Number.isInteger(items) || !Number.isFinite(amount) || amount < 0) {
      yield { line, error: { code: "invalid_number", message: `CDs '${cds}' or amount '${dollars}' is not a number` } };
      continue;
    }
    const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
    const ms = dayStartMs(day, timeZone) + 12 * 3_600_000;
    yield {
      line,
      event: { id: `cdnow:${file}:${line}`, userId: String(Number(customer)), name: "purchase", timestamp: new Date(ms).toISOString(), properties: { items, amount } },
    };
  }
}

/** The rows of an event file, parsed: each an event to send or a reason it was rejected. */
export function eventFileItems(path: string, format: EventImportFormat, timeZone: string): AsyncGenerator<Item> {
  return format === "ndjson" ? ndjsonItems(path) : format === "csv" ? csvItems(path) : cdnowItems(path, timeZone);
}

/** Where a batch of events goes: the ingest path in this process, or a server over HTTP. */
export type SendEvents = (events: unknown[]) => IngestResult | Promise<IngestResult>;

/**
 * Imports a file of events in batches through `send` and counts what became of every row.
 * `onProgress` gets the rows read so far after each batch.
 */
export async function importEvents(
  path: string,
  format: EventImportFormat,
  to: { timeZone: string; send: SendEvents; batchSize: number },
  onProgress?: (rowsRead: number, summary: ImportSummary) => void,
): Promise<ImportSummary> {
  const summary: ImportSummary = { rowsRead: 0, stored: 0, duplicates: 0, rejected: 0, reasons: {} };
  const reject = (line: number, code: string, message: string) => {
    summary.rejected++;
    const r = (summary.reasons[code] ??= { count: 0, examples: [] });
    r.count++;
    if (r.examples.length < 5) r.examples.push({ line, message });
  };
  let batch: { line: number; event: unknown }[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const r = await to.send(batch.map((b) => b.event));
    summary.stored += r.accepted;
    summary.duplicates += r.duplicates;
    for (const e of r.errors) reject(batch[e.index]!.line, e.code, e.message);
    batch = [];
    onProgress?.(summary.rowsRead, summary);
  };
  for await (const item of eventFileItems(path, format, to.timeZone)) {
    summary.rowsRead++;
    if (item.error) reject(item.line, item.error.code, item.error.message);
    else batch.push({ line: item.line, event: item.event });
    if (batch.length >= to.batchSize) await flush();
  }
  await flush();
  return summary;
}

/** Imports a file of events through this process's ingest path, in batches of 1,000. */
export function importEventsFile(
  ctx: Ctx,
  path: string,
  format: EventImportFormat,
  onProgress?: (rowsRead: number, summary: ImportSummary) => void,
): Promise<ImportSummary> {
  const timeZone = getWorkspace(ctx.db, ctx.workspaceId).timezone;
  return importEvents(path, format, { timeZone, send: (events) => ingestEvents(ctx, events), batchSize: MAX_EVENTS_PER_REQUEST }, onProgress);
}
