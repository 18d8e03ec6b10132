import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BlobStore } from "../../lib/blobs.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { CardV3, PERSONA_LANGUAGES, TONES } from "../../tools/personas/card.ts";
import { listPersonas, personaModel, type Persona } from "../../tools/personas/library.ts";
import { PERSONA_ID } from "../../tools/personas/card.ts";
import { deletePersona, exportCard, importCard } from "../../tools/personas/transfer.ts";
import type { AppEnv } from "../env.ts";
import { errorResponses } from "../errors.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { ok, routesFor, type Router } from "../openapi.ts";

/** A PNG card is mostly its picture; 8 MB is a generous portrait plus the largest card we store. */
const MAX_CARD_BODY = 8 * 1024 * 1024;

const IdParams = z.object({ id: z.string().min(1).max(64).meta({ description: "The persona's id, e.g. nuannan. 角色ID" }) });
const GetQuery = z.object({
  spec: z.enum(["v3", "v2"]).default("v3").meta({ description: "v3 (chara_card_v3, default) or v2 (chara_card_v2, for older readers). 角色卡版本" }),
});
const ImportQuery = z.object({
  id: z.string().regex(PERSONA_ID).optional().meta({ description: "Store under this id (default: the card's extensions.flywheel.id, else a slug of its name). 导入后的角色ID" }),
  replace: z.enum(["true", "false"]).default("false").meta({ description: "Overwrite an imported persona with the same id (built-ins are never overwritten). 覆盖同名角色" }),
});

const PersonaSummary = z
  .object({
    id: z.string(),
    model: z.string().meta({ description: "The model name for /v1/chat/completions. 对话模型名" }),
    name: z.string(),
    nameZh: z.string().nullable(),
    description: z.string().meta({ description: "The card's description, first paragraph, at most 200 characters. 简介" }),
    tags: z.array(z.string()),
    languages: z.array(z.enum(PERSONA_LANGUAGES)),
    tone: z.enum(TONES),
    builtin: z.boolean(),
  })
  .meta({ id: "PersonaSummary" });

function shortDescription(p: Persona): string {
  const first = p.card.data.description.split(/\n\s*\n/).find((s) => s.trim()) ?? "";
  const text = first.replace(/\{\{char\}\}/gi, p.card.data.name).replace(/\{\{user\}\}/gi, "you").replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export const personaSummary = (p: Persona): z.infer<typeof PersonaSummary> => ({
  id: p.id,
  model: personaModel(p.id),
  name: p.card.data.name,
  nameZh: p.flywheel.name_zh ?? null,
  description: shortDescription(p),
  tags: p.card.data.tags,
  languages: p.flywheel.languages,
  tone: p.flywheel.tone,
  builtin: p.builtin,
});

/** The import body: JSON text (any card version) or PNG bytes; the tool checks what is inside. */
async function importBody(c: Context<AppEnv>): Promise<{ card: unknown } | { png: Uint8Array }> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "image/png") return { png: new Uint8Array(await c.req.arrayBuffer()) };
  if (/^application\/([a-z.+-]*\+)?json$/.test(type)) {
    try {
      return { card: JSON.parse(await c.req.text()) };
    } catch {
      throw new ApiError(ErrorCode.MalformedJson, bi("JSON 格式错误", "the body is not valid JSON"));
    }
  }
  throw new ApiError(ErrorCode.UnsupportedMediaType, bi("请以 application/json（角色卡 JSON）或 image/png（PNG 角色卡）上传", "send the card as application/json or a PNG card as image/png"));
}

const png = (what: string) => ({ 200: { description: what, content: { "image/png": { schema: z.string().meta({ format: "binary" }) } } } });

/** Persona cards: list, read, import (JSON or PNG) and export (JSON V2/V3 or PNG). */
export function registerPersonas(app: Router, deps: { blobs: BlobStore }) {
  const route = routesFor("personas", "generate", { endUsers: true });
  const operator = routesFor("personas", "operator");
  app.use("/v1/personas", limitBody(MAX_CARD_BODY));

  app.openapi(
    createRoute({
      ...route("get", "/v1/personas", "Personas / 角色列表", {
        description: "The built-in personas, then this workspace's imported cards. Each is a chat model named `persona:<id>`. Scope: generate.",
      }),
      responses: { ...ok(z.object({ personas: z.array(PersonaSummary) }), "Every persona / 全部角色"), ...errorResponses },
    }),
    (c) => c.json({ personas: listPersonas(c.get("ctx")).map(personaSummary) }, 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/personas/{id}", "A persona's card / 角色卡", {
        description: "The whole Character Card, every extension kept: V3 by default, V2 with `spec=v2`. Our settings are in `data.extensions.flywheel`. Scope: generate.",
      }),
      request: { params: IdParams, query: GetQuery },
      responses: { ...ok(CardV3, "The card (chara_card_v3, or chara_card_v2 with spec=v2) / 角色卡 JSON"), ...errorResponses },
    }),
    async (c) => c.json(await exportCard(c.get("ctx"), deps, c.req.valid("param").id, c.req.valid("query").spec), 200) as never,
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/personas/{id}/card.png", "A persona as a PNG card / PNG 角色卡", {
        description:
          "The persona's picture (the one it was imported with, or a generated avatar) with the card embedded as SillyTavern writes it: tEXt `chara` (V2) and `ccv3` (V3). Scope: generate.",
      }),
      request: { params: IdParams },
      responses: { ...png("A PNG character card / PNG 角色卡"), ...errorResponses },
    }),
    async (c) => {
      const f = await exportCard(c.get("ctx"), deps, c.req.valid("param").id, "png");
      return c.body(f.bytes as Uint8Array<ArrayBuffer>, 200, {
        "content-type": f.contentType,
        "content-disposition": `attachment; filename="${f.filename}"`,
        "cache-control": "private, no-cache",
      }) as never;
    },
  );
  app.openapi(
    createRoute({
      ...operator("post", "/v1/personas", "Import a persona card / 导入角色卡", {
        description:
          "A Character Card V1, V2 or V3 as `application/json`, or a PNG card (tEXt `ccv3` or `chara`, as SillyTavern exports) as `image/png`, at most 8 MB. Stored as V3 with every unknown field and extension kept. 409 when the id is a built-in's, or already imported without `replace=true`; 415 for another content type. Scope: operator.",
      }),
      request: {
        query: ImportQuery,
        body: {
          required: true,
          description: "The card / 角色卡",
          content: {
            // Plain schema objects: the card is parsed by the tool (any version, field paths in the 400), not by the route's validator.
            "application/json": { schema: { $ref: "#/components/schemas/CharacterCardV3", description: "A V3 card, or a V2 or V1 (flat) one" } },
            "image/png": { schema: { type: "string", format: "binary" } },
          },
        },
      },
      responses: { ...ok(PersonaSummary, "The imported persona / 已导入的角色"), 415: { description: "Neither JSON nor PNG / 不支持的内容类型", content: errorResponses[400].content }, ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const input = await importBody(c);
      const p = await importCard(c.get("ctx"), deps, input, { ...(q.id ? { id: q.id } : {}), replace: q.replace === "true" });
      return c.json(personaSummary(p), 200);
    },
  );
  app.openapi(
    createRoute({
      ...operator("delete", "/v1/personas/{id}", "Delete an imported persona / 删除角色", {
        description: "Removes an imported card; built-ins are a 409. Scope: operator.",
      }),
      request: { params: IdParams },
      responses: { ...ok(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted / 已删除"), ...errorResponses },
    }),
    (c) => c.json(deletePersona(c.get("ctx"), c.req.valid("param").id), 200),
  );
}
