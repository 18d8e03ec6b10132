import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema/index.ts";
import { StatementCache, bindValues, checkValue, scanSql, syncUnit, type Db, type SqlClient, type Statement } from "./sql.ts";

/** A database on Node: the connection stays reachable for housekeeping (close, pragmas, backups). */
export type NodeDb = Db & { $client: Database.Database };

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** The SQL client over better-sqlite3, with the Durable Object's binding rules and limits. */
export function nodeSqlClient(sqlite: Database.Database): SqlClient {
  const cache = new StatementCache<Statement>();
  return {
    runtime: "node",
    prepare(text) {
      return cache.get(text, () => {
        const scanned = scanSql(text);
        const s = sqlite.prepare(text);
        // better-sqlite3 takes named values as one object itself; the check runs on the same values.
        const args = (params: unknown[]) => (scanned.names.length ? (bindValues(scanned, params), params) : bindValues(scanned, params));
        return {
          get: (...p) => s.get(...args(p)),
          all: (...p) => s.all(...args(p)),
          run: (...p) => ({ changes: s.run(...args(p)).changes }),
          iterate: (...p) => s.iterate(...args(p)),
        };
      });
    },
    atomic: (fn) => sqlite.transaction(syncUnit(fn)).immediate(),
  };
}

const RUNS = new Set<PropertyKey>(["run", "get", "all", "iterate"]);

/** A statement whose runs check each bound value as a Durable Object would bind it; chained modifiers (raw(), pluck()) keep the check. */
function checkedStatement(stmt: Database.Statement): Database.Statement {
  const view: Database.Statement = new Proxy(stmt, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (RUNS.has(prop)) return (...args: unknown[]) => (args.forEach(checkValue), v.apply(target, args));
      return (...args: unknown[]) => {
        const r = v.apply(target, args);
        return r === target ? view : r;
      };
    },
  });
  return view;
}

/**
 * drizzle prepares its own statements on the connection; this view of it checks each one's text
 * and bound values against the Durable Object's rules, so a query-builder statement binding 101
 * parameters, a boolean or a 3 MB value fails on Node as it would on Cloudflare.
 */
function checkedConnection(sqlite: Database.Database): Database.Database {
  // drizzle prepares every statement on every call; compiling the SQL again was a fifth of a
  // metered request's CPU. A cached statement is handed out in its default mode (drizzle sets
  // raw() itself where it wants it), and one still busy under an open iterator is not shared.
  const cache = new StatementCache<Database.Statement>();
  const prepare = (text: string) => {
    const cached = cache.get(text, () => (scanSql(text), checkedStatement(sqlite.prepare(text))));
    if (cached.busy) return checkedStatement(sqlite.prepare(text));
    if (cached.reader) cached.raw(false).pluck(false).expand(false);
    return cached;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === "prepare") return prepare;
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * Opens (and migrates) a database. `:memory:` gives each test its own database.
 * WAL lets the CLI write while the server reads; busy_timeout lets them take turns writing.
 */
export function openDb(path = ":memory:"): NodeDb {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("temp_store = MEMORY");
  sqlite.pragma("cache_size = -262144"); // 256 MiB of page cache
  sqlite.pragma("mmap_size = 1073741824");
  // Checkpoint every ~40 MB of WAL instead of 4 MB: a page rewritten by many commits is copied back
  // once, and ingest commits stop paying a checkpoint each (measured: 15k → 22k events/s).
  sqlite.pragma("wal_autocheckpoint = 10000");
  migrate(drizzle(sqlite, { schema }), { migrationsFolder: MIGRATIONS });
  const db = drizzle(checkedConnection(sqlite), { schema }) as unknown as NodeDb;
  return Object.assign(db, { sql: nodeSqlClient(sqlite) });
}
