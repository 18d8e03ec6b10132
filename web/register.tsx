import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import type { AppEnv } from "../server/env.ts";
import type { Router } from "../server/openapi.ts";
import { webFileType, type WebAssets } from "./assets.ts";
import { langOf, type Lang } from "./i18n.ts";
import { registerConsolePages } from "./pages/console.tsx";
import { registerAppPages } from "./pages/enduser.tsx";

export type PageContext = { lang: Lang; path: string };
export const pageContext = (c: Context<AppEnv>): PageContext => ({ lang: langOf(getCookie(c, "lang")), path: c.req.path });

/** The operator console (`/`), the end-user app (`/app`), their files (`/assets/…`) and the language switch. */
export function registerWeb(app: Router, assets?: WebAssets) {
  app.get("/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = webFileType(file);
    const body = type && assets ? await assets(file) : undefined;
    if (!type || !body) throw new ApiError(ErrorCode.NotFound, bi("文件不存在", "no such asset"));
    return c.body(new Uint8Array(body), 200, { "content-type": type, "cache-control": "public, max-age=300" });
  });
  app.get("/lang/:lang", (c) => {
    const lang: Lang = c.req.param("lang") === "en" ? "en" : "zh";
    setCookie(c, "lang", lang, { path: "/", maxAge: 365 * 86_400, sameSite: "Lax" });
    const back = c.req.header("referer");
    let to = "/";
    try {
      const u = back ? new URL(back) : undefined;
      if (u && u.host === new URL(c.req.url).host) to = u.pathname + u.search;
    } catch {
      /* a bad referer: home */
    }
    return c.redirect(to, 303);
  });
  registerConsolePages(app);
  registerAppPages(app);
}
