/**
 * The pages' static files: our own scripts and styles (web/assets/) and the vendored ECharts
 * (from the installed package: nothing is loaded from outside the server). On Node they are read
 * from disk (web/assetsNode.ts); on Workers from the static-assets binding, which
 * scripts/bundle-assets.mjs fills (generated/public/).
 */
export type WebAssets = (file: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** Files with a type of their own; any other `name.js` / `name.css` in web/assets is served by its extension. */
export const WEB_FILES: Record<string, string> = {
  "echarts.min.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "common.js": "text/javascript; charset=utf-8",
  "overview.js": "text/javascript; charset=utf-8",
  "dashboards.js": "text/javascript; charset=utf-8",
  "profile.js": "text/javascript; charset=utf-8",
  "enduser.js": "text/javascript; charset=utf-8",
  "app-song.js": "text/javascript; charset=utf-8",
  "app-songs.js": "text/javascript; charset=utf-8",
  "app-chat.js": "text/javascript; charset=utf-8",
  "app-account.js": "text/javascript; charset=utf-8",
  "console-chat.js": "text/javascript; charset=utf-8",
};

/** The content type of a page file, or undefined for a name no page file can have (a 404, never a path into the disk). */
export function webFileType(file: string): string | undefined {
  if (Object.hasOwn(WEB_FILES, file)) return WEB_FILES[file];
  const m = /^[a-z0-9][a-z0-9-]{0,60}\.(js|css)$/.exec(file);
  return m ? (m[1] === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8") : undefined;
}
