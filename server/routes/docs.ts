import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import type { Router } from "../openapi.ts";

/** Swagger UI's files, served from the installed package: these machines have no CDN. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};
/** Reads one of Swagger UI's files: from the installed package on Node, from static assets on Workers. */
export type DocsAssets = (file: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

const PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Flywheel API 文档 / API docs</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png"><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger", deepLinking: true, persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout" });</script>
</body></html>`;

export function registerDocs(app: Router, assets?: DocsAssets) {
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Flywheel API",
      version: "0.1.0",
      description:
        "智能用户运营平台：事件采集、用户画像、分群与 AIGC。 / AI user operations: event ingest, profiles, segments and AIGC. Errors always come as `{error:{code,message,requestId,details?}}`.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "basicAuth", { type: "http", scheme: "basic" });
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    const body = type && assets ? await assets(file) : undefined;
    if (!type || !body) throw new ApiError(ErrorCode.NotFound, bi("文件不存在", "no such asset"));
    return c.body(new Uint8Array(body), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
}
