// The dashboards: one ECharts chart per card, each with a text summary of the same numbers (the
// canvas is hidden from screen readers) and a status line. A card with nothing to show says so
// instead of drawing an empty chart. When every card has settled the page records the time since
// navigation start in body[data-rendered] (milliseconds).
fw.ready(function () {
  var T = fw.t;
  var reduce = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var charts = {};
  var settled = {};
  var ALL = ["trend", "retention", "funnel", "rfm", "lifecycle", "transitions", "live"];
  var $ = function (id) { return document.getElementById(id); };
  var num = function (n) { return (n == null ? 0 : n).toLocaleString(fw.zh ? "zh-CN" : "en"); };
  var pct = function (r) { return r == null ? "—" : Math.round(r * 1000) / 10 + "%"; };
  var words = function (id) { return id.charAt(0).toUpperCase() + id.slice(1).replace(/_/g, " "); };
  var NONE = T("暂无数据", "No data yet");

  function settle(id, state) {
    $("card-" + id).dataset.state = state;
    if (settled[id]) return;
    settled[id] = true;
    if (ALL.every(function (k) { return settled[k]; })) document.body.dataset.rendered = String(Math.round(performance.now()));
  }

  /** Shows a chart with `option` and its summary, or (no option) the "no data yet" message. */
  function show(id, option, summary) {
    var box = $("chart-" + id);
    if (!option) {
      if (charts[id]) { charts[id].dispose(); delete charts[id]; }
      box.hidden = true;
      $("sum-" + id).textContent = NONE + (summary ? T("：", ": ") + summary : "");
      fw.status($("st-" + id), "");
      return settle(id, "empty");
    }
    box.hidden = false;
    if (!charts[id]) charts[id] = echarts.init(box, null, { renderer: "canvas" });
    option.animation = !reduce;
    option.animationDuration = 300;
    charts[id].setOption(option, true);
    $("sum-" + id).textContent = summary;
    fw.status($("st-" + id), "");
    settle(id, "ready");
  }

  function failed(id, err) {
    fw.status($("st-" + id), T("加载失败：", "Could not load: ") + err.message, "err");
    $("sum-" + id).textContent = "";
    settle(id, "error");
  }

  var grid = { left: 48, right: 16, top: 36, bottom: 32, containLabel: true };

  function trend() {
    return fw.api("/v1/analytics/trend", { body: { range: { days: 30 } } }).then(function (r) {
      var days = r.days;
      var total = days.reduce(function (s, d) { return s + d.events; }, 0);
      if (!days.length || (!total && days.every(function (d) { return !d.mau; }))) return show("trend");
      var last = days[days.length - 1];
      var peak = days.reduce(function (p, d) { return d.dau > p.dau ? d : p; }, days[0]);
      show("trend", {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "category", data: days.map(function (d) { return d.day.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: ["dau", "wau", "mau"].map(function (k) {
          return { name: k.toUpperCase(), type: "line", showSymbol: false, data: days.map(function (d) { return d[k]; }) };
        }),
      }, T(
        last.day + "：DAU " + last.dau + "，WAU " + last.wau + "，MAU " + last.mau + "；DAU 峰值 " + peak.dau + "（" + peak.day + "）；30 天共 " + num(total) + " 个事件。",
        last.day + ": DAU " + last.dau + ", WAU " + last.wau + ", MAU " + last.mau + "; peak DAU " + peak.dau + " (" + peak.day + "); " + num(total) + " events in 30 days."
      ));
    });
  }

  var RET_DAYS = [1, 7, 14, 30];
  function retention() {
    return fw.api("/v1/analytics/retention", { body: { range: { days: 90 }, granularity: "week", days: RET_DAYS } }).then(function (r) {
      var cohorts = r.cohorts;
      if (!cohorts.length) return show("retention");
      var users = cohorts.reduce(function (s, c) { return s + c.users; }, 0);
      var data = [];
      cohorts.forEach(function (c, y) {
        RET_DAYS.forEach(function (n, x) {
          var cell = c.retention["d" + n];
          if (cell && cell.rate != null) data.push([x, y, Math.round(cell.rate * 1000) / 10]);
        });
      });
      var overall = RET_DAYS.map(function (n) {
        var ret = 0, obs = 0;
        cohorts.forEach(function (c) { var cell = c.retention["d" + n]; ret += cell.retained; obs += cell.observed; });
        return "D" + n + " " + (obs ? ret + "/" + obs + T("（", " (") + pct(ret / obs) + T("）", ")") : T("尚无可观测用户", "none observed yet"));
      });
      show("retention", {
        tooltip: { formatter: function (p) { return cohorts[p.value[1]].cohort + " · D" + RET_DAYS[p.value[0]] + ": " + p.value[2] + "%"; } },
        grid: grid,
        xAxis: { type: "category", data: RET_DAYS.map(function (n) { return "D" + n; }), splitArea: { show: true } },
        yAxis: { type: "category", data: cohorts.map(function (c) { return c.cohort + " (" + c.users + ")"; }), splitArea: { show: true } },
        visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", top: 0, itemHeight: 80, text: ["100%", "0%"] },
        series: [{ type: "heatmap", data: data, label: { show: true, formatter: function (p) { return p.value[2] + "%"; } } }],
      }, T(
        cohorts.length + " 个周同期群，共 " + users + " 位新用户；合计留存：" + overall.join("，") + "。",
        cohorts.length + " weekly cohorts, " + users + " new users; overall: " + overall.join(", ") + "."
      ));
    });
  }

  // Funnel steps come from the catalog: app_open → play_song → purchase when there, else the most frequent events.
  var stepSelects = [0, 1, 2].map(function (i) { return $("funnel-step-" + i); });
  function funnelSetup() {
    return fw.api("/v1/catalog?top=1").then(function (cat) {
      var names = cat.events.map(function (e) { return e.name; });
      if (names.length < 2) return show("funnel", null, T("数据字典里至少需要两种事件", "the catalog needs at least two kinds of event"));
      var preferred = ["app_open", "play_song", "purchase"];
      var picks = preferred.every(function (n) { return names.indexOf(n) >= 0; }) ? preferred : names.slice(0, 3);
      stepSelects.forEach(function (sel, i) {
        if (i === 2) sel.append(fw.el("option", { value: "", text: T("（不选）", "(none)") }));
        names.forEach(function (n) { sel.append(fw.el("option", { value: n, text: n })); });
        sel.value = picks[i] || "";
        sel.addEventListener("change", function () { funnel().catch(function (e) { failed("funnel", e); }); });
      });
      $("funnel-steps").disabled = false;
      return funnel();
    });
  }
  function funnel() {
    var steps = stepSelects.map(function (s) { return s.value; }).filter(Boolean).map(function (e) { return { event: e }; });
    fw.status($("st-funnel"), T("计算中…", "Computing…"));
    return fw.api("/v1/analytics/funnel", { body: { steps: steps, range: { days: 30 }, conversionWindowDays: 7 } }).then(function (r) {
      var s = r.steps;
      if (!s[0].users) return show("funnel", null, T("所选第一步在近 30 天没有用户", "no user did the first step in the last 30 days"));
      var text = s.map(function (x, i) { return x.event + " " + x.users + (i ? T("（", " (") + pct(x.conversionFromPrevious) + T("）", ")") : ""); }).join(" → ");
      show("funnel", {
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", top: 10, bottom: 10, minSize: "10%", gap: 2,
          label: { position: "inside", formatter: "{b}\n{c}", color: "#fff", textBorderColor: "#1d1d1f", textBorderWidth: 2 },
          data: s.map(function (x) { return { name: x.event, value: x.users }; }) }],
      }, text + T("；总转化 ", "; overall ") + pct(s[s.length - 1].conversionFromFirst) + T("。", "."));
    });
  }

  function rfm() {
    return fw.api("/v1/analytics/rfm").then(function (r) {
      if (!r.customers) return show("rfm", null, T("近 " + r.windowDays + " 天还没有购买", "no purchases in the last " + r.windowDays + " days"));
      var name = function (d) { return fw.zh ? d.label : words(d.class); };
      var rows = r.distribution.slice().reverse();
      show("rfm", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: grid,
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(name) },
        series: [{ type: "bar", data: rows.map(function (d) { return d.users; }), label: { show: true, position: "right" } }],
      }, T(r.customers + " 位付费用户（近 " + r.windowDays + " 天）：", r.customers + " paying users (last " + r.windowDays + " days): ") +
        r.distribution.filter(function (d) { return d.users; }).map(function (d) { return name(d) + " " + d.users; }).join(" · ") + T("。", "."));
    });
  }

  var stageName = function (id, label) { return id === "none" ? T("未出现", "Not yet seen") : fw.zh ? label : words(id); };
  function lifecycle() {
    return fw.api("/v1/analytics/lifecycle").then(function (r) {
      var labels = {};
      r.distribution.forEach(function (d) { labels[d.stage] = d.label; });
      var total = r.distribution.reduce(function (s, d) { return s + d.users; }, 0);
      if (!total) show("lifecycle", null, T("还没有活跃过的用户", "no user has been active"));
      else
        show("lifecycle", {
          tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "70%"], bottom: 30, label: { position: "inside", formatter: "{c}", color: "#fff", textBorderColor: "#1d1d1f", textBorderWidth: 2 },
            data: r.distribution.filter(function (d) { return d.users; }).map(function (d) { return { name: stageName(d.stage, d.label), value: d.users }; }) }],
        }, T(total + " 位活跃过的用户（截至 " + r.asOf + "）：", total + " users who have been active (as of " + r.asOf + "): ") +
          r.distribution.map(function (d) { return stageName(d.stage, d.label) + " " + d.users; }).join(" · ") + T("。", "."));
      // Nodes are named per side, so a move back and forth is no cycle for the Sankey.
      var moves = r.transitions;
      if (!moves.length) return show("transitions", null, T("近 7 天没有用户换阶段", "nobody changed stage in the last 7 days"));
      var before = function (s) { return T("一周前·", "Week ago: ") + stageName(s, labels[s]); };
      var now = function (s) { return T("今天·", "Today: ") + stageName(s, labels[s]); };
      var nodes = {};
      moves.forEach(function (m) { nodes[before(m.from)] = 1; nodes[now(m.to)] = 1; });
      var moved = moves.reduce(function (s, m) { return s + m.users; }, 0);
      show("transitions", {
        tooltip: { trigger: "item" },
        series: [{ type: "sankey", left: 8, right: 90, top: 10, bottom: 10, nodeWidth: 14, emphasis: { focus: "adjacency" },
          data: Object.keys(nodes).map(function (n) { return { name: n }; }),
          links: moves.map(function (m) { return { source: before(m.from), target: now(m.to), value: m.users }; }) }],
      }, T("近 7 天 " + moved + " 位用户换了阶段：", moved + " users changed stage in the last 7 days: ") +
        moves.map(function (m) { return stageName(m.from, labels[m.from]) + " → " + stageName(m.to, labels[m.to]) + " " + m.users; }).join(" · ") + T("。", "."));
    });
  }

  // Live: the newest events are polled every 5 s and kept by seq for 30 minutes, counted by the
  // minute they were received; each poll pages back only to the newest event already seen.
  var WINDOW_MIN = 30;
  var seen = new Map();
  var maxSeq = 0;
  function pull() {
    var known = maxSeq;
    var cutoff = Date.now() - WINDOW_MIN * 60000;
    var latest = null;
    function page(before, n) {
      return fw.api("/v1/events?limit=500" + (before ? "&before=" + before : "")).then(function (r) {
        if (!latest) latest = r.events.slice(0, 5);
        var stop = false;
        r.events.forEach(function (e) {
          var at = Date.parse(e.receivedAt);
          if (e.seq <= known || at < cutoff) { stop = true; return; }
          seen.set(e.seq, at);
          if (e.seq > maxSeq) maxSeq = e.seq;
        });
        if (!stop && r.nextBefore && n < 20) return page(r.nextBefore, n + 1);
      });
    }
    return page(0, 0).then(function () {
      seen.forEach(function (at, seq) { if (at < cutoff) seen.delete(seq); });
      drawLive(latest || []);
    });
  }
  function drawLive(latest) {
    var nowMin = Math.floor(Date.now() / 60000);
    var counts = new Array(WINDOW_MIN).fill(0);
    seen.forEach(function (at) { var i = WINDOW_MIN - 1 - (nowMin - Math.floor(at / 60000)); if (i >= 0 && i < WINDOW_MIN) counts[i]++; });
    var total = counts.reduce(function (s, c) { return s + c; }, 0);
    var list = $("live-latest");
    list.replaceChildren.apply(list, latest.map(function (e) {
      return fw.el("li", {}, [new Date(e.receivedAt).toLocaleTimeString(fw.zh ? "zh-CN" : "en"), " · " + e.name + " · ", fw.el("a", { href: "/users/" + encodeURIComponent(e.userId), text: e.userId })]);
    }));
    var stamp = T("更新于 ", "Updated ") + new Date().toLocaleTimeString(fw.zh ? "zh-CN" : "en");
    if (!total) { show("live", null, T("近 30 分钟没有收到事件", "no events received in the last 30 minutes")); fw.status($("st-live"), stamp); return; }
    var labels = counts.map(function (_, i) { var d = new Date((nowMin - (WINDOW_MIN - 1 - i)) * 60000); return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0"); });
    show("live", {
      tooltip: { trigger: "axis" },
      grid: grid,
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: T("事件", "Events"), type: "bar", data: counts }],
    }, T("近 30 分钟共 " + num(total) + " 个事件；本分钟 " + counts[WINDOW_MIN - 1] + " 个。", num(total) + " events in the last 30 minutes; " + counts[WINDOW_MIN - 1] + " this minute."));
    fw.status($("st-live"), stamp);
  }
  function poll() {
    var next = function () { setTimeout(poll, 5000); };
    if (document.hidden) return next();
    pull().then(next, function (e) { fw.status($("st-live"), T("刷新失败：", "Refresh failed: ") + e.message, "err"); settle("live", "error"); next(); });
  }

  [["trend", trend], ["retention", retention], ["funnel", funnelSetup], ["rfm", rfm], ["lifecycle", lifecycle]].forEach(function (p) {
    p[1]().catch(function (e) { failed(p[0], e); if (p[0] === "lifecycle") failed("transitions", e); });
  });
  poll();
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
});
