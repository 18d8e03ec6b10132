import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import * as schema from "./schema/index.ts";
import { StatementCache, syncUnit, bindValues, scanSql, type Db, type SqlClient, type Statement } from "./sql.ts";

/** What this module needs of a Durable Object's storage (`ctx.storage`). */
export type DurableStorage = {
  sql: { exec(query: string, ...bindings: unknown[]): DurableCursor };
  transactionSync<T>(fn: () => T): T;
};
type DurableCursor = Iterable<Record<string, unknown>> & { toArray(): Record<string, unknown>[]; next(): { done?: boolean; value?: Record<string, unknown> } };

/** Migrations bundled for the Worker (generated/migrations.ts): the journal and each file's SQL. */
export type MigrationBundle = { journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] }; migrations: Record<string, string> };

/** Blobs come back from a Durable Object as ArrayBuffer; better-sqlite3 gives Buffer. Make them alike. */
function row(r: Record<string, unknown> | undefined) {
  if (!r) return r;
  for (const k in r) if (r[k] instanceof ArrayBuffer) r[k] = new Uint8Array(r[k] as ArrayBuffer);
  return r;
}

/**
 * The SQL client over a SQLite Durable Object: named values are passed in SQLite's position order
 * (found once per statement text), values are checked as on Node, and `changes` is read from SQLite's
 * total_changes() because the storage API does not report it.
 */
export function durableSqlClient(storage: DurableStorage): SqlClient {
  const cache = new StatementCache<Statement>();
  const exec = (text: string, values: unknown[]) => storage.sql.exec(text, ...values);
  const totalChanges = () => Number(storage.sql.exec("SELECT total_changes() AS n").toArray()[0]!.n);
  return {
    runtime: "durable-object",
    prepare(text) {
      return cache.get(text, () => {
        const scanned = scanSql(text);
        return {
          get: (...p) => row(exec(text, bindValues(scanned, p)).next().value),
          all: (...p) => exec(text, bindValues(scanned, p)).toArray().map(row),
          run: (...p) => {
            // total_changes() moves only with this statement's writes (the schema has no triggers, whose
            // rows it would also count); changes() would still report the last INSERT/UPDATE/DELETE
            // after a statement that writes no rows (DDL, SELECT).
            const before = totalChanges();
            exec(text, bindValues(scanned, p)).toArray();
            return { changes: totalChanges() - before };
          },
          iterate: (...p) => {
            // Bound (and checked) at the call, as on Node; rows come as they are read.
            const cursor = exec(text, bindValues(scanned, p));
            return (function* () {
              for (const r of cursor) yield row(r);
            })();
          },
        };
      });
    },
    atomic: (fn) => storage.transactionSync(syncUnit(fn)),
  };
}

/** The workspace database inside a Durable Object, migrated. Call it in `blockConcurrencyWhile`. */
export async function openDurableDb(storage: DurableStorage, migrations: MigrationBundle): Promise<Db> {
  const db = drizzle(storage as never, { schema });
  await migrate(db, migrations);
  return Object.assign(db as unknown as Db, { sql: durableSqlClient(storage) });
}
