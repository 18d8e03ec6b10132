import type { Router } from "../../server/openapi.ts";
import { Layout } from "../layout.tsx";
import { t } from "../i18n.ts";
import { pageContext } from "../register.tsx";
import { registerChatPage } from "./chat.tsx";
import { registerDashboards } from "./dashboards.tsx";
import { registerSegmentsPage } from "./segments.tsx";
import { registerBillingPage } from "./billing.tsx";
import { registerModerationPage } from "./moderation.tsx";

/** The operator console: the overview at `/`, and each area's page (its own file). */
export function registerConsolePages(app: Router) {
  app.get("/", (c) => {
    const { lang, path } = pageContext(c);
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "运营控制台", en: "Operator console" }} scripts={["overview.js"]}>
        <p>{t(lang, { zh: "在这里与运营助手对话、查看看板、管理分群与计费。终端用户页面在 /app。", en: "Talk to the operator agent, read the dashboards, manage segments and billing. The end-user pages are at /app." })}</p>
        <div class="grid">
          <div class="card">
            <h2>{t(lang, { zh: "工作区", en: "Workspace" })}</h2>
            <p id="ws" class="status" role="status"></p>
          </div>
          <div class="card">
            <h2>{t(lang, { zh: "快速入口", en: "Go to" })}</h2>
            <ul>
              <li><a href="/chat">{t(lang, { zh: "运营助手（中文或英文提问）", en: "Agent (ask in Chinese or English)" })}</a></li>
              <li><a href="/dashboards">{t(lang, { zh: "数据看板", en: "Dashboards" })}</a></li>
              <li><a href="/docs">{t(lang, { zh: "API 文档", en: "API docs" })}</a></li>
            </ul>
          </div>
        </div>
      </Layout>,
    );
  });
  registerDashboards(app);
  registerChatPage(app);
  registerSegmentsPage(app);
  registerBillingPage(app);
  registerModerationPage(app);
}
