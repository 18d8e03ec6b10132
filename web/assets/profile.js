// A user's profile: ids, the four tag layers (basic, behaviour, result, predictive) and the
// latest events, from GET /v1/users/{id}.
fw.ready(function () {
  var T = fw.t;
  var $ = function (id) { return document.getElementById(id); };
  var id = $("profile-id").dataset.user;
  var locale = fw.zh ? "zh-CN" : "en";
  var NOTHING = "—";
  var when = function (iso) { return iso ? new Date(iso).toLocaleString(locale) : NOTHING; };
  var words = function (s) { return s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, " "); };
  var value = function (v) { return v == null ? NOTHING : typeof v === "string" ? v : typeof v === "number" ? String(Math.round(v * 1000) / 1000) : JSON.stringify(v); };

  /** A two-column table of [label, value] rows, scrolling sideways rather than widening the page. */
  function table(rows, caption) {
    return fw.el("div", { style: "overflow-x:auto" }, [
      fw.el("table", {}, [
        caption ? fw.el("caption", { class: "muted", style: "text-align:left", text: caption }) : null,
        fw.el("tbody", {}, rows.map(function (r) { return fw.el("tr", {}, [fw.el("th", { scope: "row", text: r[0] }), fw.el("td", { style: "overflow-wrap:anywhere", text: value(r[1]) })]); })),
      ]),
    ]);
  }
  function fill(layer, nodes) { var n = $("layer-" + layer); n.replaceChildren.apply(n, nodes.filter(Boolean)); }
  var note = function (text) { return fw.el("p", { class: "muted", text: text }); };

  fw.api("/v1/users/" + encodeURIComponent(id) + "?events=50").then(function (p) {
    fw.status($("profile-status"), T("已加载 ", "Loaded ") + p.userId, "ok");
    var ids = [[T("用户 ID", "User id"), p.userId], [T("匿名访客", "Anonymous"), p.anonymous ? T("是", "yes") : T("否", "no")], [T("创建时间", "Created"), when(p.createdAt)], [T("更新时间", "Updated"), when(p.updatedAt)]];
    p.identities.forEach(function (i) { ids.push([i.kind, i.value]); });
    fill("ids", [table(ids), p.conflicts.length ? note(T("标识冲突 ", "Id conflicts: ") + p.conflicts.map(function (c) { return c.kind + "=" + c.value + " (" + c.role + ")"; }).join("，")) : null]);

    var traits = Object.keys(p.tags.basic);
    fill("basic", traits.length ? [table(traits.map(function (k) { return [k, p.tags.basic[k]]; }))] : [note(T("暂无属性", "No traits yet"))]);

    var b = p.tags.behaviour;
    var counts = Object.keys(b.eventCounts || {});
    fill("behaviour", [
      table([
        [T("首次出现", "First seen"), when(b.firstSeenAt)],
        [T("最近出现", "Last seen"), when(b.lastSeenAt)],
        [T("距上次活跃（天）", "Days since last active"), b.daysSinceLastActive],
        [T("近 7 / 30 / 90 天活跃天数", "Active days in 7 / 30 / 90"), b.activeDays7 + " / " + b.activeDays30 + " / " + b.activeDays90],
        [T("事件总数", "Events"), b.eventCount],
        [T("累计金额", "Total amount"), b.totalAmount],
      ]),
      counts.length ? table(counts.map(function (k) { return [k, b.eventCounts[k]]; }), T("各事件次数", "Events by name")) : null,
    ]);

    var r = p.tags.result;
    if (!r) fill("result", [note(T("尚未计算：画像重算（每日或 POST /v1/profiles/recompute）后出现", "Not computed yet: it appears after a profile recompute (daily, or POST /v1/profiles/recompute)"))]);
    else
      fill("result", [table([
        [T("RFM 分层", "RFM class"), r.rfm ? (fw.zh ? r.rfm.label : words(r.rfm.class)) : T("无购买", "no purchases")],
        [T("R / F / M 分", "R / F / M scores"), r.rfm ? r.rfm.rScore + " / " + r.rfm.fScore + " / " + r.rfm.mScore : null],
        [T("最近购买（天前）", "Last purchase (days ago)"), r.rfm ? r.rfm.recencyDays : null],
        [T("购买次数", "Purchases"), r.rfm ? r.rfm.frequency : null],
        [T("购买金额", "Spend"), r.rfm ? r.rfm.monetary : null],
        [T("生命周期", "Lifecycle stage"), r.lifecycle ? (fw.zh ? r.lifecycle.label : words(r.lifecycle.stage)) : null],
        [T("计算日期", "As of"), r.asOf],
      ])]);

    var q = p.tags.predictive;
    var keys = q ? Object.keys(q) : [];
    var names = { p_alive: T("仍活跃概率", "P(alive)"), expected_purchases_30d: T("30 天预期购买", "Expected purchases, 30 days"), expected_purchases_90d: T("90 天预期购买", "Expected purchases, 90 days"), clv: "CLV" };
    fill("predictive", keys.length
      ? [table(keys.map(function (k) { return [names[k] || k, q[k]]; })), note(T("计算于 ", "Computed ") + when(p.tags.predictiveComputedAt))]
      : [note(T("暂无预测：购买用户太少或尚未重算", "No predictions yet: too few buyers, or not recomputed yet"))]);

    var tl = $("timeline");
    tl.replaceChildren.apply(tl, p.latestEvents.length ? p.latestEvents.map(function (e) {
      var props = Object.keys(e.properties).map(function (k) { return k + "=" + value(e.properties[k]); }).join(", ");
      return fw.el("li", {}, [fw.el("time", { datetime: e.timestamp, text: when(e.timestamp) }), " · ", fw.el("strong", { text: e.name }), props ? " · " + props : ""]);
    }) : [fw.el("li", { text: T("暂无事件", "No events yet") })]);
  }, function (e) {
    fw.status($("profile-status"), e.status === 404 ? T("没有这个用户：", "No such user: ") + id : T("加载失败：", "Could not load: ") + e.message, "err");
  });
});
