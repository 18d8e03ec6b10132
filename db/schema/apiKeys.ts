import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { workspaces } from "./workspaces.ts";

export const SCOPES = ["ingest", "operator", "generate", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    /** The first characters of the key, shown in listings so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** sha256 of the whole key, hex; the key itself is shown once and never stored. */
    hash: text("hash").notNull().unique(),
    scopes: text("scopes", { mode: "json" }).$type<Scope[]>().notNull(),
    /** Sustained requests per second, and the bucket size for bursts. */
    rateLimit: integer("rate_limit").notNull().default(1000),
    burst: integer("burst").notNull().default(2000),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("api_keys_workspace").on(t.workspaceId)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
