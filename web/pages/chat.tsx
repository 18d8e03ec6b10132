import type { Router } from "../../server/openapi.ts";
import { Layout } from "../layout.tsx";
import { t } from "../i18n.ts";
import { pageContext } from "../register.tsx";

// Only this page lays out chat cards and approval buttons, so its few rules live here rather than
// in the shared stylesheet.
const CSS = `
#log { display: flex; flex-direction: column; gap: .2rem; min-height: 6rem; }
#log .turn { display: flex; flex-direction: column; }
#log .meta { font-size: .85rem; color: var(--muted); margin: 0 0 .3rem; }
#log .card { margin: .4rem 0; overflow-wrap: anywhere; }
#log .card h3 { font-size: 1rem; margin: 0 0 .4rem; }
#log .card .count { font-size: 1.6rem; font-weight: 700; }
#log .tools { font-size: .85rem; color: var(--muted); margin: .2rem 0; }
#log pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid var(--line); padding: .4rem; border-radius: 6px; font-size: .85rem; max-height: 20rem; overflow: auto; }
#log .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
#log .ok { color: var(--ok); } #log .bad { color: var(--err); }
#log .variant { border-top: 1px solid var(--line); padding-top: .4rem; margin-top: .4rem; }
.chat-form .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.chat-form textarea { min-height: 4.5rem; resize: vertical; }
.conv { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.conv > div { flex: 1 1 16rem; }
`;

/** The operator agent's chat: a conversation with tool cards and approvals (web/assets/console-chat.js does the work). */
export function registerChatPage(app: Router) {
  app.get("/chat", (c) => {
    const { lang, path } = pageContext(c);
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "运营助手", en: "Operator agent" }} scripts={["echarts.min.js", "console-chat-cards.js", "console-chat.js"]}>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
        <p>
          {t(lang, {
            zh: "用中文或英文描述你想做的事：圈人群、看数据、写文案、建活动草稿。会改动数据的操作需要你批准后才会执行。",
            en: "Describe what you want in Chinese or English: find an audience, read the data, write copy, draft a campaign. Anything that changes data waits for your approval.",
          })}
        </p>
        <div class="conv">
          <div>
            <label for="conv-pick">{t(lang, { zh: "会话", en: "Conversation" })}</label>
            <select id="conv-pick">
              <option value="">{t(lang, { zh: "新会话", en: "New conversation" })}</option>
            </select>
          </div>
          <button type="button" id="conv-new" class="secondary">
            {t(lang, { zh: "开始新会话", en: "Start a new conversation" })}
          </button>
        </div>
        <h2 id="log-title">{t(lang, { zh: "对话", en: "Conversation" })}</h2>
        <div id="log" role="log" aria-labelledby="log-title" aria-live="polite"></div>
        <form id="chat-form" class="chat-form">
          <label for="chat-input">{t(lang, { zh: "给运营助手的消息", en: "Message to the agent" })}</label>
          <textarea id="chat-input" name="message" rows={3} maxlength={4000} aria-describedby="chat-hint" required></textarea>
          <p id="chat-hint" class="muted">
            {t(lang, { zh: "Enter 发送，Shift+Enter 换行。例如：最近7天播放过摇滚的用户", en: "Enter sends, Shift+Enter adds a line. For example: users who played rock in the last 7 days" })}
          </p>
          <div class="row">
            <button type="submit" id="chat-send">{t(lang, { zh: "发送", en: "Send" })}</button>
            <p id="chat-status" class="status" role="status"></p>
          </div>
        </form>
      </Layout>,
    );
  });
}
