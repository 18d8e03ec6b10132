import type { Router } from "../../server/openapi.ts";
import { Layout } from "../layout.tsx";
import { t, type Bi, type Lang } from "../i18n.ts";
import { pageContext } from "../register.tsx";

/**
 * The dashboards (`/dashboards`) and a user's profile (`/users/:id`). The server renders the cards'
 * headings and empty slots; dashboards.js and profile.js fill them from the analytics and profile
 * APIs with the visitor's key. A canvas says nothing to a screen reader, so every chart is hidden
 * from assistive technology and its card carries a text summary with the same numbers.
 */

const CHARTS: [id: string, title: Bi][] = [
  ["trend", { zh: "活跃用户（DAU / WAU / MAU，近 30 天）", en: "Active users (DAU / WAU / MAU, last 30 days)" }],
  ["retention", { zh: "留存（按首次活跃周分组）", en: "Retention (cohorts by first active week)" }],
  ["funnel", { zh: "转化漏斗（近 30 天，7 天转化窗口）", en: "Funnel (last 30 days, 7-day window)" }],
  ["rfm", { zh: "RFM 分层", en: "RFM classes" }],
  ["lifecycle", { zh: "生命周期阶段", en: "Lifecycle stages" }],
  ["transitions", { zh: "生命周期流转（一周前 → 今天）", en: "Lifecycle moves (a week ago → today)" }],
  ["live", { zh: "每分钟事件数（实时，近 30 分钟）", en: "Events per minute (live, last 30 minutes)" }],
];

function UserSearch(props: { lang: Lang; id: string; style?: string }) {
  const { lang } = props;
  return (
    <form class="card" style={props.style} action="/users" method="get" role="search" aria-label={t(lang, { zh: "查找用户", en: "Find a user" })}>
      <label for={props.id}>{t(lang, { zh: "用户 ID", en: "User id" })}</label>
      <input id={props.id} name="id" required autocomplete="off" />
      <button type="submit">{t(lang, { zh: "查看用户画像", en: "Open the profile" })}</button>
    </form>
  );
}

function FunnelSteps(props: { lang: Lang }) {
  const { lang } = props;
  const labels: Bi[] = [
    { zh: "第 1 步", en: "Step 1" },
    { zh: "第 2 步", en: "Step 2" },
    { zh: "第 3 步（可选）", en: "Step 3 (optional)" },
  ];
  return (
    <fieldset id="funnel-steps" style="border:0;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:0 .6rem" disabled>
      <legend class="muted">{t(lang, { zh: "从数据字典选择事件", en: "Pick events from the catalog" })}</legend>
      {labels.map((label, i) => (
        <div>
          <label for={`funnel-step-${i}`}>{t(lang, label)}</label>
          <select id={`funnel-step-${i}`}></select>
        </div>
      ))}
    </fieldset>
  );
}

function ChartCard(props: { lang: Lang; id: string; title: Bi }) {
  const { lang, id } = props;
  return (
    <section class="card" id={`card-${id}`} aria-labelledby={`h-${id}`} data-state="loading">
      <h2 id={`h-${id}`}>{t(lang, props.title)}</h2>
      {id === "funnel" ? <FunnelSteps lang={lang} /> : null}
      <div class="chart" id={`chart-${id}`} aria-hidden="true" hidden></div>
      <p class="summary" id={`sum-${id}`}></p>
      {id === "live" ? <ul id="live-latest" aria-label={t(lang, { zh: "最新事件", en: "Newest events" })}></ul> : null}
      <p class="status" id={`st-${id}`} role="status">
        {t(lang, { zh: "加载中…", en: "Loading…" })}
      </p>
    </section>
  );
}

const LAYERS: [id: string, title: Bi][] = [
  ["ids", { zh: "标识", en: "Ids" }],
  ["basic", { zh: "基础标签（用户属性）", en: "Basic tags (traits)" }],
  ["behaviour", { zh: "行为标签", en: "Behaviour tags" }],
  ["result", { zh: "结果标签（RFM、生命周期）", en: "Result tags (RFM, lifecycle)" }],
  ["predictive", { zh: "预测标签（CLV）", en: "Predictive tags (CLV)" }],
];

export function registerDashboards(app: Router) {
  app.get("/dashboards", (c) => {
    const { lang, path } = pageContext(c);
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "数据看板", en: "Dashboards" }} scripts={["echarts.min.js", "dashboards.js"]}>
        <p>
          {t(lang, {
            zh: "图表数据来自分析接口，按工作区时区计算；每张图下方有文字摘要。每分钟事件数每 5 秒刷新。",
            en: "Charts come from the analytics API, in the workspace's time zone; each has a text summary below it. Events per minute refresh every 5 seconds.",
          })}
        </p>
        <UserSearch lang={lang} id="user-search" />
        <div class="grid" style="margin-top:1rem">
          {CHARTS.map(([id, title]) => (
            <ChartCard lang={lang} id={id} title={title} />
          ))}
        </div>
      </Layout>,
    );
  });

  // The search form works without script: /users?id=… goes to the profile.
  app.get("/users", (c) => {
    const id = (c.req.query("id") ?? "").trim();
    return c.redirect(id ? `/users/${encodeURIComponent(id)}` : "/dashboards", 303);
  });

  app.get("/users/:id", (c) => {
    const { lang, path } = pageContext(c);
    const id = c.req.param("id");
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "用户画像", en: "User profile" }} scripts={["profile.js"]}>
        <p>
          {t(lang, { zh: "用户：", en: "User: " })}
          <strong id="profile-id" data-user={id}>{id}</strong>
          {" · "}
          <a href="/dashboards">{t(lang, { zh: "返回数据看板", en: "Back to the dashboards" })}</a>
        </p>
        <p class="status" id="profile-status" role="status">
          {t(lang, { zh: "加载中…", en: "Loading…" })}
        </p>
        <div class="grid">
          {LAYERS.map(([layer, title]) => (
            <section class="card" aria-labelledby={`h-${layer}`}>
              <h2 id={`h-${layer}`}>{t(lang, title)}</h2>
              <div id={`layer-${layer}`}></div>
            </section>
          ))}
        </div>
        <section class="card" aria-labelledby="h-timeline" style="margin-top:1rem">
          <h2 id="h-timeline">{t(lang, { zh: "事件时间线（最近 50 条）", en: "Event timeline (latest 50)" })}</h2>
          <ol id="timeline" style="padding-left:1.2rem;overflow-wrap:anywhere"></ol>
        </section>
        <UserSearch lang={lang} id="user-search" style="margin-top:1rem" />
      </Layout>,
    );
  });
}
