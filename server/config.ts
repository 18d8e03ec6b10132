import { z } from "zod";

/** The one env object; every entry has a safe local default. The CLI reads the same one. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_PATH: z.string().default("data/flywheel.db"),
  /** Generated files (songs); default: a `files` folder beside the database. */
  FILES_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  FLYWHEEL_DEMO: z.enum(["on", "off"]).default("on"),
  FLYWHEEL_DEMO_USERS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  FLYWHEEL_DEMO_WORKSPACE: z.string().default("demo"),
  LLM_BASE_URL: z.string().url().optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().optional(),
  SIGNING_KEY: z.string().optional(),
  /** Development pages (/dev/test-payment, which signs test payment events): turn off in production. */
  FLYWHEEL_DEV_PAGES: z.enum(["on", "off"]).default("on"),
  /** Enables POST /admin/workspaces (create a workspace and its first key over HTTP). */
  ADMIN_TOKEN: z.string().min(16).optional(),
});
export type Config = z.infer<typeof Config>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Config.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`配置错误 / invalid configuration: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}
