/**
 * The pages' static files: our own scripts and styles (web/assets/) and the vendored ECharts
 * (from the installed package: nothing is loaded from outside the server). On Node they are read
 * from disk (web/assetsNode.ts); on Workers from the static-assets binding, which
 * scripts/bundle-assets.mjs fills (generated/public/).
 */
export type WebAssets = (file: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/**
 * The content type of a page file, or undefined for a name no page file can have (a 404, never a
 * path into the disk): any `name.js` / `name.css` of web/assets, and the vendored ECharts.
 */
export function webFileType(file: string): string | undefined {
  if (file === "echarts.min.js") return JS;
  const m = /^[a-z0-9][a-z0-9-]{0,60}\.(js|css)$/.exec(file);
  return m ? (m[1] === "js" ? JS : CSS) : undefined;
}
