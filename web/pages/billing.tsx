import type { Router } from "../../server/openapi.ts";
import { t } from "../i18n.ts";
import { Layout } from "../layout.tsx";
import { pageContext } from "../register.tsx";

/**
 * GET /billing: the billing overview for a window of days — credits granted, spent, refunded
 * (released), voided and expired by grant kind and feature; revenue by pack or plan; the referral
 * help (砍一刀) funnel. From GET /v1/billing/overview; the behaviour is web/assets/billing.js.
 */
export function registerBillingPage(app: Router) {
  app.get("/billing", (c) => {
    const { lang, path } = pageContext(c);
    const l = (zh: string, en: string) => t(lang, { zh, en });
    return c.html(
      <Layout lang={lang} side="console" path={path} title={{ zh: "计费概览", en: "Billing overview" }} scripts={["echarts.min.js", "billing.js"]}>
        <form id="range" class="card">
          <label for="days">{l("最近天数", "Last days")}</label>
          <select id="days">
            <option value="7">7</option>
            <option value="30" selected>30</option>
            <option value="90">90</option>
            <option value="366">366</option>
          </select>
          <p id="status" class="status" role="status" aria-live="polite"></p>
        </form>
        <section aria-labelledby="credits-title">
          <h2 id="credits-title">{l("额度", "Credits")}</h2>
          <div class="grid" id="totals"></div>
          <table>
            <caption class="muted">{l("按额度类型与功能", "By grant kind and feature")}</caption>
            <thead>
              <tr>
                <th scope="col">{l("类型", "Kind")}</th>
                <th scope="col">{l("功能", "Feature")}</th>
                <th scope="col">{l("发放", "Granted")}</th>
                <th scope="col">{l("消耗", "Spent")}</th>
                <th scope="col">{l("退回", "Refunded")}</th>
                <th scope="col">{l("作废", "Voided")}</th>
                <th scope="col">{l("过期", "Expired")}</th>
              </tr>
            </thead>
            <tbody id="credit-rows"></tbody>
          </table>
        </section>
        <section aria-labelledby="revenue-title">
          <h2 id="revenue-title">{l("收入（按商品）", "Revenue by product")}</h2>
          <p id="revenue-summary"></p>
          <div id="revenue-chart" class="chart" role="img" aria-labelledby="revenue-summary"></div>
        </section>
        <section aria-labelledby="referral-title">
          <h2 id="referral-title">{l("助力（砍一刀）", "Referral help")}</h2>
          <div class="grid" id="referrals"></div>
        </section>
      </Layout>,
    );
  });
}
