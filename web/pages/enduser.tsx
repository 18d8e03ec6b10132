import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../../server/env.ts";
import type { Router } from "../../server/openapi.ts";
import { Layout } from "../layout.tsx";
import { t, type Bi, type Lang } from "../i18n.ts";
import { pageContext } from "../register.tsx";

/**
 * The end-user app at /app: make a song and play it with its lyrics in time, my songs, persona chat
 * with its memory, taste matches with icebreakers, the referral link and the balance. Each is a shell the visitor's end-user token
 * fills in the browser (web/assets/app-*.js over enduser.js's helpers).
 */

const MOODS: [string, Bi][] = [
  ["happy", { zh: "快乐", en: "Happy" }],
  ["sad", { zh: "伤感", en: "Sad" }],
  ["calm", { zh: "平静", en: "Calm" }],
  ["energetic", { zh: "热血", en: "Energetic" }],
  ["romantic", { zh: "浪漫", en: "Romantic" }],
  ["nostalgic", { zh: "怀旧", en: "Nostalgic" }],
];
const STYLES: [string, Bi][] = [
  ["pop", { zh: "流行", en: "Pop" }],
  ["rock", { zh: "摇滚", en: "Rock" }],
  ["folk", { zh: "民谣", en: "Folk" }],
  ["ballad", { zh: "抒情", en: "Ballad" }],
  ["electronic", { zh: "电子", en: "Electronic" }],
  ["lofi", { zh: "Lo-fi", en: "Lo-fi" }],
];
const DURATIONS = [10, 30, 60, 120, 180];

// Only what app.css has no class for: the player's cover, the lyrics' words, the chat log and memory rows.
const CSS = `
.player { display: grid; grid-template-columns: minmax(0, 220px) minmax(0, 1fr); gap: 1rem; align-items: start; }
.player img { width: 100%; height: auto; border-radius: 10px; border: 1px solid var(--line); }
.player audio { width: 100%; }
.lyrics p { margin: .2rem 0; font-size: 1.1rem; overflow-wrap: anywhere; }
.lyrics .word { border-radius: 3px; transition: background .1s; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.row > * { flex: 1 1 9rem; min-width: 0; }
.check { display: flex; gap: .5rem; align-items: center; font-weight: 600; margin: .8rem 0 .2rem; }
.check input { width: auto; }
.log { display: flex; flex-direction: column; max-height: 60vh; overflow-y: auto; border: 1px solid var(--line); border-radius: 10px; padding: .5rem; min-height: 8rem; }
.bubble .meta { display: block; font-size: .8rem; color: var(--muted); margin-top: .2rem; }
.bubble .safety { display: block; font-size: .85rem; color: var(--err); margin-top: .2rem; }
.memory li { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin: .4rem 0; }
.memory li input { flex: 1 1 12rem; min-width: 0; } .memory li button { margin-top: 0; }
.memory { list-style: none; padding: 0; }
.songs { list-style: none; padding: 0; } .songs li { margin: .5rem 0; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.paywall ul { padding-left: 1.2rem; }
@media (max-width: 600px) { .player { grid-template-columns: minmax(0, 1fr); } .player img { max-width: 220px; } }
`;

function Page(props: { c: Context<AppEnv>; title: Bi; scripts?: string[]; children?: Child }) {
  const { lang, path } = pageContext(props.c);
  return props.c.html(
    <Layout lang={lang} side="app" path={path} title={props.title} scripts={["enduser.js", ...(props.scripts ?? [])]}>
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
      {props.children}
    </Layout>,
  );
}

const options = (lang: Lang, list: [string, Bi][]) => list.map(([v, label]) => <option value={v}>{t(lang, label)}</option>);

export function registerAppPages(app: Router) {
  app.get("/app", (c) => {
    const { lang } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return Page({
      c,
      title: { zh: "创作歌曲", en: "Make a song" },
      scripts: ["app-song.js"],
      children: (
        <>
          <form id="song-form" class="card">
            <label for="song-prompt">{l("歌曲描述", "What is the song about?")}</label>
            <textarea id="song-prompt" name="prompt" rows={2} maxlength={500} placeholder={l("例如：夏天的晚风和老朋友", "e.g. summer evenings with old friends")}></textarea>
            <div class="row">
              <div>
                <label for="song-theme">{l("主题", "Theme")}</label>
                <input id="song-theme" name="theme" maxlength={40} placeholder={l("夏天", "summer")} />
              </div>
              <div>
                <label for="song-mood">{l("情绪", "Mood")}</label>
                <select id="song-mood" name="mood">{options(lang, MOODS)}</select>
              </div>
              <div>
                <label for="song-style">{l("风格", "Style")}</label>
                <select id="song-style" name="style">{options(lang, STYLES)}</select>
              </div>
              <div>
                <label for="song-language">{l("演唱语言", "Language")}</label>
                <select id="song-language" name="language">
                  <option value="zh" selected={lang === "zh"}>中文</option>
                  <option value="en" selected={lang === "en"}>English</option>
                </select>
              </div>
              <div>
                <label for="song-duration">{l("时长", "Length")}</label>
                <select id="song-duration" name="durationSec">
                  {DURATIONS.map((s) => (
                    <option value={String(s)} selected={s === 30}>{l(`${s} 秒`, `${s} s`)}</option>
                  ))}
                </select>
              </div>
            </div>
            <label class="check">
              <input type="checkbox" id="song-instrumental" name="instrumental" />
              {l("纯音乐（无人声）", "Instrumental (no vocals)")}
            </label>
            <button type="submit" id="song-submit">{l("生成歌曲", "Make the song")}</button>
          </form>
          <div id="song-progress" hidden>
            <div class="progress" role="progressbar" aria-label={l("生成进度", "Progress")} aria-valuemin={0} aria-valuemax={100} aria-valuenow={0}>
              <div style="width: 0%"></div>
            </div>
          </div>
          <p id="song-status" class="status" role="status" aria-live="polite"></p>
          <section id="paywall" class="card paywall" hidden aria-labelledby="paywall-title">
            <h2 id="paywall-title">{l("额度已用完", "Out of credits")}</h2>
            <p id="paywall-message" data-message=""></p>
            <ul id="paywall-options" data-options=""></ul>
          </section>
          <section id="player" hidden aria-labelledby="song-title">
            <h2 id="song-title"></h2>
            <p id="song-meta" class="muted"></p>
            <div class="player">
              <img id="cover" alt="" width={220} height={220} />
              <div>
                <audio id="audio" controls preload="auto" aria-label={l("歌曲音频", "Song audio")}></audio>
                <div id="lyrics" class="lyrics" aria-label={l("歌词", "Lyrics")} role="region"></div>
                <button type="button" id="cert-button" class="secondary">{l("原创认证", "Certify originality")}</button>
                <p id="cert-status" class="status" role="status" aria-live="polite"></p>
                <p class="muted">{l("AI 生成内容", "AI-generated content")}</p>
              </div>
            </div>
          </section>
        </>
      ),
    });
  });

  app.get("/app/songs", (c) =>
    Page({
      c,
      title: { zh: "我的歌曲", en: "My songs" },
      scripts: ["app-songs.js"],
      children: (
        <>
          <p id="songs-status" class="status" role="status" aria-live="polite"></p>
          <ul id="songs" class="songs"></ul>
        </>
      ),
    }),
  );

  app.get("/app/chat", (c) => {
    const { lang } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return Page({
      c,
      title: { zh: "陪伴聊天", en: "Chat" },
      scripts: ["app-chat.js"],
      children: (
        <div class="grid">
          <section aria-labelledby="chat-title">
            <h2 id="chat-title" class="muted" style="margin-top:0">{l("与角色聊天", "Talk with a persona")}</h2>
            <label for="persona">{l("选择角色", "Persona")}</label>
            <select id="persona"></select>
            <p id="persona-about" class="muted"></p>
            <div id="log" class="log" role="log" aria-live="polite" aria-label={l("聊天记录", "Messages")} tabindex={0}></div>
            <form id="chat-form">
              <label for="chat-message">{l("消息", "Message")}</label>
              <textarea id="chat-message" name="message" rows={2} maxlength={4000} required></textarea>
              <button type="submit" id="chat-send">{l("发送", "Send")}</button>
            </form>
            <p id="chat-status" class="status" role="status" aria-live="polite"></p>
          </section>
          <section class="card" aria-labelledby="memory-title">
            <h2 id="memory-title">{l("TA 记得的事", "What the persona remembers")}</h2>
            <p class="muted">{l("你可以修改或删除这些记忆；下一次回复就会用上。", "Edit or delete these facts; the next reply reads them.")}</p>
            <ul id="memory" class="memory"></ul>
            <form id="memory-form">
              <label for="memory-new">{l("添加一条记忆", "Pin a new fact")}</label>
              <input id="memory-new" name="text" maxlength={400} required />
              <button type="submit" class="secondary">{l("添加", "Add")}</button>
            </form>
            <p id="memory-status" class="status" role="status" aria-live="polite"></p>
          </section>
        </div>
      ),
    });
  });

  app.get("/app/referral", (c) => {
    const { lang } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return Page({
      c,
      title: { zh: "砍一刀：邀请好友助力", en: "Referral: ask friends to help" },
      scripts: ["app-account.js"],
      children: (
        <>
          <section id="help-box" class="card" hidden aria-labelledby="help-title">
            <h2 id="help-title">{l("为好友助力", "Help a friend")}</h2>
            <p id="help-about"></p>
            <button type="button" id="help-button">{l("助力一下", "Help")}</button>
            <p id="help-status" class="status" role="status" aria-live="polite"></p>
          </section>
          <section class="card" aria-labelledby="link-title">
            <h2 id="link-title">{l("我的助力链接", "My referral link")}</h2>
            <label for="ref-link">{l("分享这个链接给好友", "Share this link with friends")}</label>
            <input id="ref-link" readonly />
            <div id="ref-progress"></div>
            <p id="ref-status" class="status" role="status" aria-live="polite"></p>
          </section>
        </>
      ),
    });
  });

  app.get("/app/credits", (c) =>
    Page({
      c,
      title: { zh: "额度与加速包", en: "Credits" },
      scripts: ["app-account.js"],
      children: (
        <>
          <p id="plan" class="status" role="status" aria-live="polite"></p>
          <div id="credits" class="grid"></div>
        </>
      ),
    }),
  );

  app.get("/app/friends", (c) => {
    const { lang } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return Page({
      c,
      title: { zh: "找同好", en: "Icebreakers" },
      scripts: ["app-friends.js"],
      children: (
        <>
          <p>{l("听歌口味和你相近的人，以及一句开场白。", "People whose taste in music is close to yours, and a line to start with.")}</p>
          <label for="tone">{l("开场白的语气（角色）", "Tone of the opening lines (persona)")}</label>
          <select id="tone">
            <option value="">{l("默认", "Default")}</option>
          </select>
          <p id="friends-status" class="status" role="status" aria-live="polite"></p>
          <div id="matches" class="grid"></div>
        </>
      ),
    });
  });
}
