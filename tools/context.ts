import type { Db } from "../db/sql.ts";
import type { Logger } from "../lib/log.ts";
import type { Prompts } from "../lib/prompts.ts";

/** What every tool function gets: no globals, so tests inject a database and a clock. */
export interface Ctx {
  db: Db;
  workspaceId: number;
  now: () => Date;
  log: Logger;
  /** prompts/ files: templates, lexicons, persona cards. */
  prompts: Prompts;
}

/** The same context for another workspace. */
export const forWorkspace = (ctx: Omit<Ctx, "workspaceId">, workspaceId: number): Ctx => ({ ...ctx, workspaceId });
