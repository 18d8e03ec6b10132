import { eq, inArray } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../db/node.ts";
import { events } from "../db/schema/index.ts";
import { LIMITS, SqlLimitError, atomic, scanSql, stmt } from "../db/sql.ts";
import { ApiError } from "../lib/errors.ts";
import { insertRows } from "../tools/events/ingest.ts";
import { normalizeEvent, type EventRow } from "../tools/events/normalize.ts";
import { getWorkspace } from "../tools/workspaces/index.ts";
import { expectRollupsMatchEvents, NOW, setup } from "./helpers.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** Modules a Worker cannot load (or that would mean a file system or a native binary there). */
const NODE_ONLY = /^(better-sqlite3|@hono\/node-server|@duckdb\/|node:(fs|path|url|os|child_process|module|net|http|https|worker_threads|timers\/promises)$|fs$|path$)/;

/** Every module reachable from `entry` through relative imports, with the bare specifiers each imports. */
function importGraph(entry: string) {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const src = readFileSync(file, "utf8");
    const bare: string[] = [];
    seen.set(file, bare);
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith(".")) visit(join(dirname(file), spec));
      else bare.push(spec);
    }
  };
  visit(join(ROOT, entry));
  return seen;
}

function nodeOnlyImports(entry: string) {
  return [...importGraph(entry)].flatMap(([file, specs]) => specs.filter((s) => NODE_ONLY.test(s)).map((s) => `${file.slice(ROOT.length + 1)} → ${s}`));
}

describe("portable code: what the Worker bundles imports nothing Node-only", () => {
  it("the Worker entry's whole import graph (tools, agent, server, db) is free of Node-only modules", () => {
    const graph = importGraph("server/worker.ts");
    // The graph really reaches the tools and the agent, so the check below covers them.
    const files = [...graph.keys()].map((f) => f.slice(ROOT.length + 1));
    expect(files).toEqual(expect.arrayContaining(["tools/registry.ts", "tools/events/ingest.ts", "agent/agent.ts", "db/durable.ts", "server/app.ts"]));
    expect(nodeOnlyImports("server/worker.ts")).toEqual([]);
  });

  it("the check sees a Node-only import when there is one", () => {
    expect(nodeOnlyImports("db/node.ts")).toEqual(expect.arrayContaining(["db/node.ts → better-sqlite3", "db/node.ts → node:fs"]));
    expect(nodeOnlyImports("server/node.ts").length).toBeGreaterThan(0);
  });
});

describe("the Durable Object's SQL rules hold on Node too", () => {
  it("a statement binding more than 100 parameters fails, through stmt() and through drizzle, as a 400 validation error", () => {
    const db = openDb();
    const params = Array.from({ length: LIMITS.params + 1 }, (_, i) => i);
    const sql = `SELECT 1 WHERE 1 IN (${params.map(() => "?").join(",")})`;
    expect(() => stmt(db, sql).get(...params)).toThrow(ApiError);
    expect(() => stmt(db, sql).get(...params)).toThrow(/101 bound parameters/);
    expect(() => db.select().from(events).where(inArray(events.messageId, params.map(String))).all()).toThrow(/101 bound parameters/);
    // At the limit it runs.
    expect(stmt(db, `SELECT ${params.slice(1).map(() => "?").join(" + ")} AS n`).get(...params.slice(1))).toEqual({ n: 5050 });
    expect(() => stmt(db, `SELECT '${"x".repeat(LIMITS.statementBytes)}'`)).toThrow(/bytes/);
    db.$client.close();
  });

  it("values that a Durable Object would bind differently are refused: booleans, bigints, objects, undefined", () => {
    const db = openDb();
    const q = stmt(db, "SELECT ? AS v");
    expect(q.get(1)).toEqual({ v: 1 });
    expect(() => q.get(true)).toThrow(SqlLimitError);
    expect(() => q.get(10n)).toThrow(/bigint/);
    expect(() => q.get({ a: 1 })).toThrow(/serialise/);
    expect(() => q.get(undefined)).toThrow(/null/);
    expect(() => q.get(1, 2)).toThrow(/takes 1/);
    // The same rules for statements drizzle prepares, including after raw().
    expect(() => db.select().from(events).where(eq(events.name, true as never)).all()).toThrow(/booleans/);
    expect(() => db.select().from(events).where(eq(events.name, "x".repeat(LIMITS.valueBytes + 1))).all()).toThrow(/over 2000000 bytes/);
    expect(db.select({ n: events.seq }).from(events).where(eq(events.name, "play_song")).all()).toEqual([]);
    db.$client.close();
  });

  it("named parameters bind by name, one position per distinct name in order of first appearance (SQLite's numbering), and agree with better-sqlite3", () => {
    const db = openDb();
    const s = scanSql("SELECT @a + @b + @a + :a AS n, ':not' AS t, \"@x\" AS q -- @c\n/* :d */");
    expect(s.names).toEqual([{ token: "@a", name: "a" }, { token: "@b", name: "b" }, { token: ":a", name: "a" }]);
    // A name used many times is one parameter, as on a Durable Object: 150 uses stay under the limit of 100.
    const many = `SELECT ${Array.from({ length: 150 }, () => "@v").join(" + ")} AS n`;
    expect(scanSql(many).names).toHaveLength(1);
    expect(stmt(db, many).get({ v: 1 })).toEqual({ n: 150 });
    expect(stmt(db, "SELECT @a + @b + @a AS n").get({ a: 1, b: 10 })).toEqual({ n: 12 });
    expect(() => stmt(db, "SELECT @a + @b AS n").get({ a: 1 })).toThrow(/missing named parameter 'b'/);
    expect(() => scanSql("SELECT ? + @a")).toThrow(/not both/);
    expect(() => scanSql("SELECT ?1")).toThrow(/numbered/);
    // JSON operators and casts are not parameters.
    expect(scanSql("SELECT x ->> '$.a', y::text FROM t WHERE z = ?").positional).toBe(1);
    // `$` inside an identifier is part of it, not a parameter.
    expect(scanSql("SELECT a$b FROM t WHERE c = @c").names).toEqual([{ token: "@c", name: "c" }]);
    db.$client.close();
  });

  it("atomic units roll back on a throw, nest as savepoints and refuse async functions", async () => {
    const db = openDb();
    stmt(db, "CREATE TABLE t (x INTEGER)").run();
    expect(() => atomic(db, () => (stmt(db, "INSERT INTO t VALUES (1)").run(), atomic(db, () => stmt(db, "INSERT INTO t VALUES (2)").run()), (() => { throw new Error("boom"); })()))).toThrow("boom");
    atomic(db, () => {
      stmt(db, "INSERT INTO t VALUES (3)").run();
      try {
        atomic(db, () => {
          stmt(db, "INSERT INTO t VALUES (4)").run();
          throw new Error("inner");
        });
      } catch {
        /* the inner unit alone is undone */
      }
    });
    expect(stmt(db, "SELECT x FROM t ORDER BY x").all()).toEqual([{ x: 3 }]);
    expect(() => atomic(db, (async () => stmt(db, "INSERT INTO t VALUES (5)").run()) as never)).toThrow(/synchronous|promise/i);
    // Refused before it runs: a write after an await would otherwise land outside any transaction.
    expect(() => atomic(db, (async () => { await null; stmt(db, "INSERT INTO t VALUES (6)").run(); }) as never)).toThrow(/synchronous/);
    // A plain function that returns a promise: its synchronous write rolls back.
    expect(() => atomic(db, (() => (stmt(db, "INSERT INTO t VALUES (7)").run(), Promise.resolve())) as never)).toThrow(/synchronous/);
    await new Promise((r) => setTimeout(r, 0));
    expect(stmt(db, "SELECT count(*) AS n FROM t").get()).toEqual({ n: 1 });
    expect(stmt(db, "DELETE FROM t").run().changes).toBe(1);
    db.$client.close();
  });

  it("a segment too large for one statement is a 400 in the one envelope, not a 500", async () => {
    const t = setup();
    const key = t.key("acme");
    const conditions = Array.from({ length: 60 }, (_, i) => ({ performed: `e${i}`, within: { days: i + 1 } }));
    const r = await t.call("POST", "/v1/segments/preview", { key, body: { definition: { or: conditions } } });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error.code).toBe("validation_failed");
    expect(r.body.error.message).toMatch(/查询过于复杂.*too large/);
  });

  it("a bulk insert whose rows are over one bound value's 2 MB goes in as several statements, every row once", () => {
    const t = setup();
    const ctx = t.ctx("acme");
    const ws = getWorkspace(t.db, ctx.workspaceId);
    const note = "x".repeat(200);
    const rows = Array.from({ length: 12_000 }, (_, i) =>
      normalizeEvent({ id: `big-${i}`, userId: `u${i % 300}`, name: "play_song", timestamp: "2026-11-20T10:00:00Z", properties: { note } }, NOW.getTime(), ws.timezone) as EventRow,
    );
    expect(JSON.stringify(rows).length).toBeGreaterThan(LIMITS.valueBytes);
    expect(insertRows(t.db, ws, rows, NOW.getTime())).toBe(12_000);
    expect(insertRows(t.db, ws, rows, NOW.getTime())).toBe(0);
    expect(stmt(t.db, "SELECT count(*) AS n FROM events").get()).toEqual({ n: 12_000 });
    expectRollupsMatchEvents(t.db);
  });
});
