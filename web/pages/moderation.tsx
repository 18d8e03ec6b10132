import type { Router } from "../../server/openapi.ts";
import { t } from "../i18n.ts";
import { Layout } from "../layout.tsx";
import { pageContext } from "../register.tsx";

/**
 * GET /moderation: the workspace's newest songs (take a published one down) and its personas
 * (import a Character Card as PNG or JSON, delete an imported one). web/assets/moderation.js.
 */
export function registerModerationPage(app: Router) {
  app.get("/moderation", (c) => {
    const { lang, path } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "内容审核", en: "Moderation" }} scripts={["moderation.js"]}>
        <section aria-labelledby="songs-title">
          <h2 id="songs-title">{l("最新歌曲", "Newest songs")}</h2>
          <p id="songs-status" class="status" role="status" aria-live="polite"></p>
          <table>
            <thead>
              <tr>
                <th scope="col">{l("标题", "Title")}</th>
                <th scope="col">{l("用户", "User")}</th>
                <th scope="col">{l("创建时间", "Created")}</th>
                <th scope="col">{l("状态", "State")}</th>
                <th scope="col">{l("操作", "Action")}</th>
              </tr>
            </thead>
            <tbody id="songs"></tbody>
          </table>
        </section>
        <section aria-labelledby="personas-title">
          <h2 id="personas-title">{l("角色卡", "Persona cards")}</h2>
          <form id="import" class="card">
            <label for="card-file">{l("导入角色卡（PNG 或 JSON，兼容 SillyTavern）", "Import a character card (PNG or JSON, SillyTavern-compatible)")}</label>
            <input id="card-file" type="file" accept="image/png,application/json,.json,.png" required />
            <label for="card-id">{l("角色 ID（小写字母、数字、连字符；可留空）", "Persona id (lower-case letters, digits, hyphens; optional)")}</label>
            <input id="card-id" pattern={"[a-z0-9][a-z0-9\\-]{0,47}"} />
            <button type="submit">{l("导入", "Import")}</button>
            <p id="import-status" class="status" role="status" aria-live="polite"></p>
          </form>
          <table>
            <thead>
              <tr>
                <th scope="col">{l("模型名", "Model")}</th>
                <th scope="col">{l("名称", "Name")}</th>
                <th scope="col">{l("来源", "Source")}</th>
                <th scope="col">{l("操作", "Action")}</th>
              </tr>
            </thead>
            <tbody id="personas"></tbody>
          </table>
        </section>
      </Layout>,
    );
  });
}
