import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import type * as schema from "./schema/index.ts";

/**
 * The one SQL client interface the tools use, with two backends: better-sqlite3 on Node
 * (db/node.ts) and a SQLite Durable Object's storage on Workers (db/durable.ts). Everything here is
 * synchronous, so a check and its change always sit in one atomic unit with no await between.
 *
 * Parameters are positional (`?`, passed as arguments) or named (`@name`, `:name`, `$name`, passed
 * as one object). The Durable Object binds positionally only, so named values are put in position
 * order (found once per statement text). The Durable Object's limits are checked on both runtimes, so a
 * statement that would fail on Cloudflare fails in `npm test` on Node too.
 */
export type Row = Record<string, unknown>;

export interface Statement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface SqlClient {
  readonly runtime: "node" | "durable-object";
  /** A prepared statement, cached by its text. */
  prepare(sql: string): Statement;
  /** One atomic unit: all of `fn`'s writes or none. Nests (as a savepoint). `fn` must not be async. */
  atomic<T>(fn: () => T): T;
}

/** The database handle in every tool context: drizzle's query builder plus the SQL client. */
export type Db = BaseSQLiteDatabase<"sync", unknown, typeof schema> & { sql: SqlClient };

/** Runs `fn` as one atomic unit (DESIGN §2): nothing inside may await. */
export function atomic<T>(db: Db, fn: () => T): T {
  return db.sql.atomic(fn);
}

/** A cached prepared statement. */
export function stmt(db: Db, sql: string): Statement {
  return db.sql.prepare(sql);
}

/** A Durable Object's limits (Cloudflare's documented figures, enforced by local workerd too). */
export const LIMITS = { params: 100, statementBytes: 100_000, valueBytes: 2_000_000 } as const;

/** A value or statement shape that would bind differently on a Durable Object: a bug in the caller. */
export class SqlLimitError extends Error {
  override name = "SqlLimitError";
}

/**
 * A statement over the Durable Object's size limits. Statements grow with the request (segment
 * conditions), so this is the caller's input being too large: a 400, on both runtimes.
 */
const tooLarge = (what: string) =>
  new ApiError(ErrorCode.ValidationFailed, bi("查询过于复杂，请减少条件", `query too large for one SQL statement (${what}); use fewer conditions`), { limit: what });

/**
 * A statement's parameters: a count of `?`, or its named parameters in order of first appearance
 * (`token` as written, `name` the key of the value object).
 */
export type ScannedSql = { positional: number; names: { token: string; name: string }[] };

/**
 * Finds the parameters of a statement outside string literals, quoted identifiers and comments.
 * A Durable Object binds positionally only, and numbers named parameters as SQLite does: each
 * distinct one takes the next position at its first appearance, so its values are passed in that
 * order and a name used three times is one parameter. Mixing both kinds, and numbered `?NNN`, are
 * refused: they bind differently on the two runtimes.
 */
export function scanSql(text: string): ScannedSql {
  if (utf8Length(text) > LIMITS.statementBytes) throw tooLarge(`over ${LIMITS.statementBytes} bytes`);
  let positional = 0;
  const names: ScannedSql["names"] = [];
  const seen = new Set<string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const start = i;
    if (c === "'" || c === '"' || c === "`") {
      i++;
      while (i < n && !(text[i] === c && text[i + 1] !== c)) i += text[i] === c ? 2 : 1;
      i++;
    } else if (c === "[") {
      while (i < n && text[i] !== "]") i++;
      i++;
    } else if (c === "-" && text[i + 1] === "-") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "?") {
      if (/[0-9]/.test(text[i + 1] ?? "")) throw new SqlLimitError("numbered parameters (?NNN) are not supported; use ? or @name");
      positional++;
      i++;
    } else if ((c === "@" || c === ":" || c === "$") && /[A-Za-z_]/.test(text[i + 1] ?? "") && !/[A-Za-z0-9_$:]/.test(text[i - 1] ?? "")) {
      // A parameter starts a token: `a$b` is one identifier (SQLite lets `$` into names), `::` a cast.
      i++;
      while (i < n && /[A-Za-z0-9_$]/.test(text[i]!)) i++;
      const token = text.slice(start, i);
      if (!seen.has(token)) seen.add(token), names.push({ token, name: token.slice(1) });
    } else {
      i++;
    }
  }
  if (positional && names.length) throw new SqlLimitError("a statement uses either ? or named parameters, not both");
  const count = positional + names.length;
  if (count > LIMITS.params) throw tooLarge(`${count} bound parameters; the limit is ${LIMITS.params}`);
  return { positional, names };
}

function utf8Length(s: string): number {
  // Most statements are ASCII and short; only measure exactly when it could matter.
  return s.length * 3 <= LIMITS.statementBytes ? s.length : new TextEncoder().encode(s).length;
}

/** Whether a string can be bound as one value (UTF-8 bytes within the limit); exact only when it could matter. */
export const fitsBoundValue = (s: string) => s.length * 3 <= LIMITS.valueBytes || new TextEncoder().encode(s).length <= LIMITS.valueBytes;

/** One bound value, as both runtimes take it; anything that would bind differently is refused. */
export function checkValue(v: unknown): unknown {
  switch (typeof v) {
    case "number":
      return v;
    case "string":
      if (!fitsBoundValue(v)) throw new SqlLimitError(`a bound string is over ${LIMITS.valueBytes} bytes`);
      return v;
    case "boolean":
      throw new SqlLimitError("booleans are not bound (a Durable Object binds them as the text 'true'): pass 1 or 0");
    case "bigint":
      throw new SqlLimitError("bigints are not bound (a Durable Object refuses them): pass a number or a string");
    case "undefined":
      throw new SqlLimitError("undefined is not bound: pass null");
    default:
      if (v === null) return v;
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
        if (v.byteLength > LIMITS.valueBytes) throw new SqlLimitError(`a bound blob is over ${LIMITS.valueBytes} bytes`);
        return v;
      }
      throw new SqlLimitError(`cannot bind ${Object.prototype.toString.call(v)} (a Durable Object binds it as text): serialise it first`);
  }
}

/** The values for one call, in position order: positional arguments, or one object for named ones. */
export function bindValues(scanned: ScannedSql, params: unknown[]): unknown[] {
  if (scanned.names.length) {
    const obj = params[0];
    if (params.length !== 1 || typeof obj !== "object" || obj === null || Array.isArray(obj) || obj instanceof Uint8Array)
      throw new SqlLimitError("named parameters are passed as one object");
    const o = obj as Record<string, unknown>;
    return scanned.names.map(({ name }) => {
      if (!(name in o)) throw new SqlLimitError(`missing named parameter '${name}'`);
      return checkValue(o[name]);
    });
  }
  if (params.length !== scanned.positional) throw new SqlLimitError(`statement takes ${scanned.positional} parameters, got ${params.length}`);
  return params.map(checkValue);
}

/** A small LRU of prepared statements by text; dynamic SQL (segment filters) must not grow it forever. */
export class StatementCache<T> {
  private readonly map = new Map<string, T>();
  constructor(private readonly max = 500) {}
  get(sql: string, make: () => T): T {
    const hit = this.map.get(sql);
    if (hit !== undefined) {
      this.map.delete(sql);
      this.map.set(sql, hit);
      return hit;
    }
    const made = make();
    this.map.set(sql, made);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return made;
  }
}

/**
 * The body of an atomic unit, as both backends run it. An async function is refused before it
 * runs: its writes after the first await would escape the transaction. A function that returns a
 * promise anyway is refused when it does, inside the unit, so its synchronous part rolls back.
 */
export function syncUnit<T>(fn: () => T): () => T {
  if (fn.constructor?.name === "AsyncFunction") throw new SqlLimitError("atomic units must be synchronous: an async function escapes the transaction");
  return () => {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === "function")
      throw new SqlLimitError("atomic units must be synchronous: a returned promise escapes the transaction");
    return result;
  };
}
