// The agent chat's cards: each structured tool result (agent/cards.ts) drawn for the operator —
// a segment preview, a saved segment, a chart (ECharts), channel copy with its lengths and checks,
// a campaign draft, a user profile. Shared with console-chat.js as window.chatCards.
(function () {
  var T = fw.t;
  var el = fw.el;
  var bi = function (v) { return v && typeof v === "object" ? (fw.zh ? v.zh : v.en) || v.zh || v.en || "" : v == null ? "" : String(v); };
  var json = function (v) { return JSON.stringify(v, null, 2); };
  var details = function (summary, body) { return el("details", {}, [el("summary", { text: summary }), body]); };
  // Focusable: a long one scrolls, and keyboard users must be able to scroll it.
  var pre = function (v) { return el("pre", { tabindex: "0", text: typeof v === "string" ? v : json(v) }); };
  var line = function (label, value) { return el("p", {}, [el("strong", { text: label }), String(value)]); };

  function card(c) {
    var f = { segment: segmentCard, segment_saved: savedCard, chart: chartCard, copy: copyCard, campaign_draft: draftCard, profile: profileCard }[c.type];
    return f ? f(c) : el("div", { class: "card" }, [el("h3", { text: c.type }), pre(c)]);
  }

  function segmentCard(c) {
    var n = el("div", { class: "card segment-card" }, [el("h3", { text: T("分群预览", "Segment preview") })]);
    if (c.description) n.append(el("p", { class: "seg-desc", text: bi(c.description) }));
    n.append(el("p", {}, [el("span", { class: "count seg-count", text: String(c.count) }), " " + T("位用户符合条件", c.count === 1 ? "user matches" : "users match")]));
    (c.windows || []).forEach(function (w) {
      n.append(line(T("时间窗口：", "Window: "), w.from === w.to ? w.from : w.from + T(" 至 ", " to ") + w.to + (w.period ? " (" + w.period + ")" : "")));
    });
    if (c.sample && c.sample.length) n.append(line(T("样本用户：", "Sample users: "), c.sample.join(", ")));
    if (c.conditions && c.conditions.length) {
      var rows = c.conditions.map(function (k) { return el("tr", {}, [el("td", { text: bi(k.condition) }), el("td", { text: String(k.count_after) }), el("td", { text: String(k.alone) })]); });
      n.append(el("table", {}, [el("caption", { text: T("逐条件人数", "Users per condition") }), el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: T("条件", "Condition") }), el("th", { scope: "col", text: T("累计剩余", "Left after it") }), el("th", { scope: "col", text: T("单独满足", "Alone") })])]), el("tbody", {}, rows)]));
    }
    if (c.asOf) n.append(el("p", { class: "muted", text: T("统计于 ", "As of ") + new Date(c.asOf).toLocaleString(fw.zh ? "zh-CN" : "en") }));
    n.append(details(T("分群定义（JSON）", "Definition (JSON)"), pre(c.definition)));
    return n;
  }

  function savedCard(c) {
    var s = c.segment || {};
    return el("div", { class: "card saved-card" }, [
      el("h3", { text: T("已保存分群", "Segment saved") }),
      line(T("名称：", "Name: "), s.name),
      s.count != null ? line(T("人数：", "Users: "), s.count) : null,
      s.description ? el("p", { text: s.description }) : null,
      el("p", { class: "muted", text: "ID " + s.id }),
    ]);
  }

  var LINES = { trend: 1, retention: 1 };
  function chartCard(c) {
    var title = bi(c.title);
    var box = el("div", { class: "chart", role: "img", "aria-label": title });
    var series = c.series || [];
    var labels = series.length ? series[0].points.map(function (p) { return p[0]; }) : [];
    var n = el("div", { class: "card chart-card" }, [el("h3", { text: title })]);
    if (!labels.length) { n.append(el("p", { class: "muted", text: T("没有可画的数据", "Nothing to draw") })); return n; }
    n.append(box);
    var head = el("tr", {}, [el("th", { scope: "col", text: "" })].concat(series.map(function (s) { return el("th", { scope: "col", text: s.name }); })));
    var body = labels.map(function (l, i) { return el("tr", {}, [el("th", { scope: "row", text: String(l) })].concat(series.map(function (s) { return el("td", { text: String(s.points[i] ? s.points[i][1] : "") }); }))); });
    n.append(details(T("数据表", "Data table"), el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)])));
    // Drawn once the card is in the page: ECharts needs the box's size.
    setTimeout(function () {
      if (!window.echarts) return;
      var chart = echarts.init(box);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: series.length > 1 ? { top: 0 } : undefined,
        grid: { left: 48, right: 16, top: series.length > 1 ? 32 : 16, bottom: 48, containLabel: true },
        xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 6 ? 30 : 0 } },
        yAxis: { type: "value" },
        series: series.map(function (s) { return { name: s.name, type: LINES[c.kind] ? "line" : "bar", data: s.points.map(function (p) { return p[1]; }) }; }),
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }, 0);
    return n;
  }

  var FIELDS = [["title", "标题", "Title"], ["subject", "主题", "Subject"], ["preheader", "预览文字", "Preheader"], ["body", "正文", "Body"]];
  function variantNode(v) {
    var n = el("div", { class: "variant" }, [el("p", {}, [el("strong", { text: T("钩子：", "Hook: ") + v.hook + (v.channel ? " · " + v.channel : "") }), " ", el("span", { class: v.ok === false ? "bad" : "ok", text: v.ok === false ? T("✗ 未通过检查", "✗ fails a check") : v.ok ? T("✓ 通过检查", "✓ passes the checks") : "" })])]);
    FIELDS.forEach(function (f) { if (v[f[0]]) n.append(line(T(f[1] + "：", f[2] + ": "), v[f[0]])); });
    Object.keys(v.fields || {}).forEach(function (k) { n.append(line(k + T("：", ": "), v.fields[k])); });
    var size = T("字数 ", "Length ") + v.chars + (v.parts != null ? T("，短信 ", ", SMS parts ") + v.parts + (v.maxParts ? " / " + v.maxParts : "") : v.maxParts ? T("，最多 ", ", at most ") + v.maxParts + T(" 条", " parts") : "");
    n.append(el("p", { class: "muted", text: size }));
    if (v.checks && v.checks.length) n.append(el("ul", {}, v.checks.map(function (k) { return el("li", { class: k.ok ? "ok" : "bad", text: (k.ok ? "✓ " : "✗ ") + k.rule + (k.part ? " (" + k.part + ")" : "") + T("：", ": ") + k.detail }); })));
    return n;
  }

  function copyCard(c) {
    var n = el("div", { class: "card copy-card" }, [el("h3", { text: T("文案 · 渠道 ", "Copy · channel ") + c.channel })]);
    (c.variants || []).forEach(function (v) { n.append(variantNode(v)); });
    return n;
  }

  function draftCard(c) {
    var d = c.draft || {};
    var a = d.audience || {};
    var n = el("div", { class: "card draft-card" }, [
      el("h3", { text: T("活动草稿：", "Campaign draft: ") + d.name }),
      line(T("状态：", "Status: "), d.status + T("（不会自动发送）", " (nothing is sent)")),
      line(T("受众：", "Audience: "), (a.segmentId ? T("分群 ", "segment ") + a.segmentId : T("内联定义", "inline definition")) + (a.count != null ? T("，当前 ", ", now ") + a.count + T(" 人", " users") : "")),
      line(T("渠道：", "Channels: "), (d.channels || []).join(", ")),
      line(T("发送计划：", "Schedule: "), json(d.schedule)),
    ]);
    if (d.budget) n.append(line(T("预算：", "Budget: "), json(d.budget)));
    if (d.frequencyCap) n.append(line(T("频控：", "Frequency cap: "), T(d.frequencyCap.windowDays + " 天内最多 " + d.frequencyCap.maxMessages + " 条", d.frequencyCap.maxMessages + " messages per " + d.frequencyCap.windowDays + " days")));
    if (d.goal) n.append(line(T("目标：", "Goal: "), T(d.goal.windowDays + " 天内发生 " + d.goal.event, d.goal.event + " within " + d.goal.windowDays + " days")));
    (d.variants || []).forEach(function (v) { n.append(variantNode(v)); });
    if (d.id) n.append(el("p", { class: "muted", text: "ID " + d.id }));
    return n;
  }

  function profileCard(c) {
    var p = c.profile || {};
    return el("div", { class: "card profile-card" }, [el("h3", { text: T("用户画像：", "User profile: ") + (p.userId || p.id || "") }), pre(p)]);
  }

  window.chatCards = { card: card, bi: bi, json: json, details: details, pre: pre, line: line };
})();
