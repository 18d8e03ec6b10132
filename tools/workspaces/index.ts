import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/sql.ts";
import { workspaces, type WorkspaceRow } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { isTimeZone } from "../../lib/time.ts";
import { lifecycleSettings } from "../analytics/lifecycle.ts";

export const WorkspaceName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'");

const Days = z.number().int().min(0).max(3650);
export const ModelSettingsInput = z
  .strictObject({
    rfm: z
      .strictObject({
        method: z.enum(["mean", "median", "business", "pareto", "kmeans"]).optional().meta({ description: "Threshold method (pareto = 80/20). 阈值方法" }),
        windowDays: z.number().int().min(1).max(3650).optional(),
        event: z.string().min(1).max(200).optional().meta({ description: "The purchase event. 购买事件名" }),
        business: z.strictObject({ recencyDays: z.number().min(0), frequency: z.number().min(0), monetary: z.number().min(0) }).optional(),
      })
      .optional(),
    lifecycle: z
      .strictObject({ newDays: Days.optional(), dormantDays: Days.optional(), churnDays: Days.optional(), growingDays: Days.optional() })
      .optional(),
  })
  .refine((s) => s.rfm?.method !== "business" || s.rfm.business !== undefined, "the business method needs rfm.business thresholds");

export const WorkspaceSettings = z.strictObject({
  timezone: z
    .string()
    .refine(isTimeZone, "an IANA time zone such as Asia/Shanghai")
    .optional()
    .meta({ description: "IANA zone; days are computed in it at ingest. 时区" }),
  nonActivityEvents: z
    .array(z.string().min(1).max(200))
    .max(100)
    .optional()
    .meta({ description: "Event-name patterns (`*` wildcard) that are not user activity. 非活跃事件" }),
  settings: ModelSettingsInput.optional().meta({ description: "RFM and lifecycle thresholds; replaces the stored ones. RFM 与生命周期参数" }),
});

export function getWorkspace(db: Db, id: number): WorkspaceRow {
  const row = db.select().from(workspaces).where(eq(workspaces.id, id)).get();
  if (!row) throw notFound("workspace", "工作区不存在");
  return row;
}

export function findWorkspaceByName(db: Db, name: string): WorkspaceRow | undefined {
  return db.select().from(workspaces).where(eq(workspaces.name, name)).get();
}

/** Returns the named workspace, creating it when missing (the CLI's `--workspace NAME`). */
export function ensureWorkspace(db: Db, name: string, now: Date, settings: z.infer<typeof WorkspaceSettings> = {}): WorkspaceRow {
  const parsed = WorkspaceName.safeParse(name);
  if (!parsed.success) throw new ApiError(ErrorCode.ValidationFailed, bi("工作区名称无效", `invalid workspace name: ${parsed.error.issues[0]?.message}`));
  db.insert(workspaces)
    .values({ name, createdAt: now.getTime(), ...settings })
    .onConflictDoNothing()
    .run();
  return findWorkspaceByName(db, name)!;
}

export const CreateWorkspaceInput = z.strictObject({ name: WorkspaceName, timezone: WorkspaceSettings.shape.timezone });

/** A new workspace; an existing name is a 409 (the admin route, where creating twice is a mistake). */
export function createWorkspace(db: Db, input: z.infer<typeof CreateWorkspaceInput>, now: Date): WorkspaceRow {
  if (findWorkspaceByName(db, input.name)) throw new ApiError(ErrorCode.Conflict, bi("工作区已存在", `workspace '${input.name}' exists`));
  return ensureWorkspace(db, input.name, now, input.timezone ? { timezone: input.timezone } : {});
}

/**
 * The workspace's own row in a workspace Durable Object, created on first use from the directory's
 * record (same id, name, zone); settings then live here, where the tools read them.
 */
export function adoptWorkspace(db: Db, ws: { id: number; name: string; timezone: string; createdAt: number }): void {
  db.insert(workspaces).values({ id: ws.id, name: ws.name, timezone: ws.timezone, createdAt: ws.createdAt }).onConflictDoNothing().run();
  // An object that already holds another workspace under this id (a directory rebuilt and its ids
  // handed out again) must not serve the new one its data.
  const held = getWorkspace(db, ws.id);
  if (held.name !== ws.name || held.createdAt !== ws.createdAt)
    throw new Error(`workspace object ${ws.id} holds '${held.name}' (created ${held.createdAt}), not '${ws.name}' (created ${ws.createdAt})`);
}

export function updateWorkspace(db: Db, id: number, settings: z.infer<typeof WorkspaceSettings>): WorkspaceRow {
  getWorkspace(db, id);
  if (settings.settings) {
    const l = lifecycleSettings({ settings: settings.settings });
    if (l.dormantDays > l.churnDays)
      throw new ApiError(ErrorCode.ValidationFailed, bi("休眠天数不能超过流失天数", `lifecycle: dormantDays (${l.dormantDays}) must not exceed churnDays (${l.churnDays}); unset values take the defaults`));
  }
  if (Object.keys(settings).length) db.update(workspaces).set(settings).where(eq(workspaces.id, id)).run();
  return getWorkspace(db, id);
}

export const workspaceView = (w: WorkspaceRow) => ({
  id: w.id,
  name: w.name,
  timezone: w.timezone,
  nonActivityEvents: w.nonActivityEvents,
  settings: w.settings,
  createdAt: new Date(w.createdAt).toISOString(),
});
