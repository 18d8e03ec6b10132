import type { Child } from "hono/jsx";
import { t, type Bi, type Lang } from "./i18n.ts";

/**
 * The frame every page shares: the language switch (a cookie, so it persists), the navigation of
 * its side (operator console or end-user app), a skip link, and the one stylesheet. Pages fetch
 * their data from the API in the browser with the key or end-user token the visitor entered
 * (kept in localStorage by common.js), so the same pages work on Node and on Workers.
 */

export type Side = "console" | "app";

const NAV: Record<Side, [string, Bi][]> = {
  console: [
    ["/", { zh: "概览", en: "Overview" }],
    ["/chat", { zh: "运营助手", en: "Agent" }],
    ["/dashboards", { zh: "数据看板", en: "Dashboards" }],
    ["/segments", { zh: "人群分群", en: "Segments" }],
    ["/billing", { zh: "计费", en: "Billing" }],
    ["/moderation", { zh: "内容审核", en: "Moderation" }],
  ],
  app: [
    ["/app", { zh: "创作歌曲", en: "Make a song" }],
    ["/app/songs", { zh: "我的歌曲", en: "My songs" }],
    ["/app/chat", { zh: "陪伴聊天", en: "Chat" }],
    ["/app/friends", { zh: "找同好", en: "Icebreakers" }],
    ["/app/referral", { zh: "砍一刀", en: "Referral" }],
    ["/app/credits", { zh: "额度与加速包", en: "Credits" }],
  ],
};

export function Layout(props: { lang: Lang; side: Side; path: string; title: Bi; children?: Child; scripts?: string[] }) {
  const { lang, side, path } = props;
  const other: Lang = lang === "zh" ? "en" : "zh";
  return (
    <html lang={lang === "zh" ? "zh-CN" : "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${t(lang, props.title)} · Flywheel`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body data-side={side} data-lang={lang}>
        <a class="skip" href="#main">{t(lang, { zh: "跳到正文", en: "Skip to content" })}</a>
        <header class="top">
          <a class="brand" href={side === "app" ? "/app" : "/"}>
            Flywheel 飞轮
          </a>
          <nav aria-label={t(lang, { zh: "主导航", en: "Main" })}>
            <ul>
              {NAV[side].map(([href, label]) => (
                <li>
                  <a href={href} aria-current={href === path ? "page" : undefined}>
                    {t(lang, label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <a class="lang" href={`/lang/${other}`} hreflang={other === "zh" ? "zh-CN" : "en"} lang={other === "zh" ? "zh-CN" : "en"}>
            {other === "zh" ? "中文" : "English"}
          </a>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{t(lang, props.title)}</h1>
          <section class="login" id="login" hidden aria-labelledby="login-title">
            <h2 id="login-title">{side === "app" ? t(lang, { zh: "登录", en: "Sign in" }) : t(lang, { zh: "输入运营密钥", en: "Enter an operator key" })}</h2>
            <form id="login-form">
              <label for="login-key">{side === "app" ? t(lang, { zh: "终端用户令牌", en: "End-user token" }) : t(lang, { zh: "API 密钥（需 operator 权限）", en: "API key (operator scope)" })}</label>
              <input id="login-key" name="key" type="password" autocomplete="off" required />
              <button type="submit">{t(lang, { zh: "进入", en: "Continue" })}</button>
            </form>
          </section>
          <div id="content">{props.children}</div>
        </main>
        <script src="/assets/common.js"></script>
        {(props.scripts ?? []).map((s) => (
          <script src={`/assets/${s}`}></script>
        ))}
      </body>
    </html>
  );
}
