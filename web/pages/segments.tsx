import type { Router } from "../../server/openapi.ts";
import { t } from "../i18n.ts";
import { Layout } from "../layout.tsx";
import { pageContext } from "../register.tsx";

/**
 * GET /segments: the segment builder. A form of conditions joined by "all of" or "any of" that
 * writes the JSON definition as you edit (and reads one back: the two round-trip), the live count
 * with the definition in words, saving, and the saved segments with their counts and an export.
 * The behaviour is web/assets/segments.js.
 */
export function registerSegmentsPage(app: Router) {
  app.get("/segments", (c) => {
    const { lang, path } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "人群分群", en: "Segments" }} scripts={["segments.js"]}>
        <div class="grid">
          <section class="card" aria-labelledby="builder-title">
            <h2 id="builder-title">{l("条件", "Conditions")}</h2>
            <label for="combine">{l("满足", "Match")}</label>
            <select id="combine">
              <option value="and">{l("全部条件（且）", "all conditions (and)")}</option>
              <option value="or">{l("任一条件（或）", "any condition (or)")}</option>
            </select>
            <ol id="rows" class="rows" aria-live="polite"></ol>
            <label for="add-kind">{l("添加条件", "Add a condition")}</label>
            <select id="add-kind">
              <option value="performed">{l("做过某事件", "did an event")}</option>
              <option value="notPerformed">{l("没做过某事件", "did not do an event")}</option>
              <option value="trait">{l("用户属性", "a trait")}</option>
              <option value="rfm">{l("RFM 分层", "RFM class")}</option>
              <option value="lifecycle">{l("生命周期阶段", "lifecycle stage")}</option>
              <option value="lastActive">{l("最近活跃", "last active")}</option>
            </select>
            <button type="button" id="add">{l("添加", "Add")}</button>
          </section>
          <section class="card" aria-labelledby="count-title">
            <h2 id="count-title">{l("实时人数", "Live count")}</h2>
            <p id="count" class="status" role="status" aria-live="polite"></p>
            <p id="words"></p>
            <ul id="conditions"></ul>
            <label for="seg-name">{l("分群名称", "Segment name")}</label>
            <input id="seg-name" />
            <button type="button" id="save">{l("保存分群", "Save segment")}</button>
            <p id="save-status" class="status" role="status"></p>
          </section>
        </div>
        <section class="card" aria-labelledby="json-title">
          <h2 id="json-title">{l("JSON 定义", "JSON definition")}</h2>
          <label for="json">{l("定义（随表单更新；也可粘贴后载入表单）", "Definition (follows the form; or paste one and load it into the form)")}</label>
          <textarea id="json" rows={8} spellcheck={false}></textarea>
          <button type="button" id="load" class="secondary">{l("载入表单", "Load into the form")}</button>
          <p id="json-status" class="status" role="status"></p>
        </section>
        <section aria-labelledby="saved-title">
          <h2 id="saved-title">{l("已保存的分群", "Saved segments")}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{l("名称", "Name")}</th>
                <th scope="col">{l("人数", "Users")}</th>
                <th scope="col">{l("导出", "Export")}</th>
              </tr>
            </thead>
            <tbody id="saved"></tbody>
          </table>
        </section>
      </Layout>,
    );
  });
}
