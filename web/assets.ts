/**
 * The pages' static files: our own scripts and styles (web/assets/) and the vendored ECharts
 * (from the installed package: nothing is loaded from outside the server). On Node they are read
 * from disk (web/assetsNode.ts); on Workers from the static-assets binding, which
 * scripts/bundle-assets.mjs fills (generated/public/).
 */
export type WebAssets = (file: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** Every file the pages may ask for, with its type: anything else is a 404. */
export const WEB_FILES: Record<string, string> = {
  "echarts.min.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "common.js": "text/javascript; charset=utf-8",
  "overview.js": "text/javascript; charset=utf-8",
  "dashboards.js": "text/javascript; charset=utf-8",
  "enduser.js": "text/javascript; charset=utf-8",
  "console-chat.js": "text/javascript; charset=utf-8",
};
