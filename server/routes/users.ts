import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { deleteUser } from "../../tools/profiles/delete.ts";
import { getProfile } from "../../tools/profiles/get.ts";
import { UserImportResult, importUsers, type UserImportFormat } from "../../tools/users/import.ts";
import { errorResponses } from "../errors.ts";
import { requireScope } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { bearerSecurity, ok, routesFor, type Router } from "../openapi.ts";

const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
const UserParams = z.object({ id: z.string().min(1).max(256) });
const ProfileQuery = z.strictObject({ events: z.coerce.number().int().min(0).max(200).default(20) });
const Profile = z
  .object({
    userId: z.string(),
    anonymous: z.boolean(),
    traits: z.record(z.string(), z.unknown()),
    tags: z.object({
      basic: z.record(z.string(), z.unknown()),
      behaviour: z.record(z.string(), z.unknown()),
      result: z.unknown().nullable(),
      resultComputedAt: z.string().nullable(),
      predictive: z.unknown().nullable(),
      predictiveComputedAt: z.string().nullable(),
    }),
    identities: z.array(z.object({ kind: z.string(), value: z.string(), linkedAt: z.string().nullable() })),
    conflicts: z.array(z.record(z.string(), z.unknown())),
    latestEvents: z.array(z.record(z.string(), z.unknown())),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: "Profile" });

const FORMAT_BY_TYPE: Record<string, UserImportFormat> = {
  "text/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

export function registerUsers(app: Router) {
  const adminRoute = routesFor("users", "admin");
  const operatorRoute = routesFor("users", "operator");
  app.openapi(
    createRoute({
      ...operatorRoute("get", "/v1/users/{id}", "A user's profile / 用户画像", { description: "Traits, the four tag layers (basic, behaviour, result, predictive), identities, conflicts, latest events. Scope: operator." }),
      request: { params: UserParams, query: ProfileQuery },
      responses: { ...ok(Profile, "The profile / 画像"), ...errorResponses },
    }),
    (c) => c.json(getProfile(c.get("ctx"), c.req.valid("param").id, { events: c.req.valid("query").events }), 200),
  );
  app.openapi(
    createRoute({
      ...adminRoute("delete", "/v1/users/{id}", "Delete a user's personal data / 删除用户数据", { description: "Removes the user's events, rollups, identities and profile. Scope: admin." }),
      request: { params: UserParams },
      responses: {
        ...ok(z.object({ userId: z.string(), deleted: z.object({ events: z.number(), identities: z.number(), profile: z.number(), tastes: z.number(), personaChats: z.number(), personaMessages: z.number(), personaMemories: z.number() }) }), "Deleted / 已删除"),
        ...errorResponses,
      },
    }),
    (c) => c.json(deleteUser(c.get("ctx"), c.req.valid("param").id), 200),
  );

  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/users/import",
    tags: ["users"],
    summary: "Import users with traits / 导入用户",
    description:
      "CSV (a userId column; anonymousId and channel columns device_id, miniprogram_openid, wechat_openid, phone_hash; every other column a trait, numbers and true/false typed) or NDJSON (one identify body per line). Up to 20 MB. Scope: ingest.",
    security: bearerSecurity,
    request: {
      body: {
        required: true,
        content: { "text/csv": { schema: z.string() }, "application/x-ndjson": { schema: z.string() } },
      },
    },
    responses: { ...ok(UserImportResult, "Imported / 已导入"), ...errorResponses },
  });
  app.post("/v1/users/import", requireScope("ingest"), limitBody(IMPORT_MAX_BYTES), async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const format = FORMAT_BY_TYPE[type];
    if (!format)
      throw new ApiError(ErrorCode.UnsupportedMediaType, bi("需要 text/csv 或 application/x-ndjson", "send Content-Type text/csv or application/x-ndjson"));
    const result = importUsers(c.get("ctx"), await c.req.text(), format);
    if (result.rows > 0 && result.created + result.updated === 0)
      throw new ApiError(ErrorCode.ValidationFailed, bi("所有行均被拒绝", "every row was rejected"), result);
    return c.json(result, 200);
  });
}
