import type { Db } from "../../db/sql.ts";
import { stmt } from "../../db/sql.ts";

/**
 * One of the deployment's own secrets (the end-user token key, the certificate signing key), made
 * on first use and kept in this database. The first writer wins, so two processes starting
 * together end up with the same secret.
 */
export function platformSecret(db: Db, name: string, make: () => string, now = Date.now()): string {
  stmt(db, "INSERT INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING").run(name, make(), now);
  return (stmt(db, "SELECT value FROM platform_secrets WHERE name = ?").get(name) as { value: string }).value;
}
