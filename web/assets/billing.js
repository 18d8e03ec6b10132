// The billing overview: totals, credits by kind and feature, revenue by SKU (chart + summary), the referral funnel.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var chart;
  var today;
  var num = function (n) { return Number(n).toLocaleString(undefined, { maximumFractionDigits: 3 }); };
  var yuan = function (fen) { return "¥" + (fen / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }); };
  var tile = function (label, value, id) { return fw.el("div", { class: "card" }, [fw.el("div", { class: "muted", text: label }), fw.el("div", { class: "big", id: id, text: value })]); };

  var show = function (o) {
    var t = o.creditTotals;
    $("totals").replaceChildren(
      tile(fw.t("发放", "Granted"), num(t.granted), "total-granted"),
      tile(fw.t("消耗", "Spent"), num(t.spent), "total-spent"),
      tile(fw.t("退回", "Refunded"), num(t.released), "total-released"),
      tile(fw.t("作废", "Voided"), num(t.voided), "total-voided"),
      tile(fw.t("过期未用", "Expired unused"), num(t.expired), "total-expired"),
    );
    $("credit-rows").replaceChildren.apply($("credit-rows"), o.credits.map(function (r) {
      return fw.el("tr", {}, [r.kind, r.feature, num(r.granted), num(r.spent), num(r.released), num(r.voided), num(r.expired)].map(function (x) { return fw.el("td", { text: String(x) }); }));
    }));
    var skus = o.revenue.bySku;
    $("revenue-summary").textContent = skus.length
      ? fw.t("净收入 ", "Net revenue ") + yuan(o.revenue.net) + "：" + skus.map(function (s) { return s.sku + " " + yuan(s.net) + fw.t("（" + s.payments + " 笔）", " (" + s.payments + " payments)"); }).join("；")
      : fw.t("这段时间还没有收入。", "No revenue in this window yet.");
    chart = chart || echarts.init($("revenue-chart"));
    chart.setOption({
      animation: false,
      tooltip: {},
      xAxis: { type: "category", data: skus.map(function (s) { return s.sku; }) },
      yAxis: { type: "value", name: fw.t("元", "CNY") },
      series: [
        { type: "bar", name: fw.t("收入", "Gross"), data: skus.map(function (s) { return s.gross / 100; }) },
        { type: "bar", name: fw.t("退款", "Refunded"), data: skus.map(function (s) { return s.refunded / 100; }) },
      ],
    }, true);
    var r = o.referrals;
    $("referrals").replaceChildren(
      tile(fw.t("生成链接", "Links made"), num(r.linksMade), "ref-links"),
      tile(fw.t("助力次数（新用户 / 老用户）", "Helps (new / existing users)"), num(r.helps) + " (" + num(r.newUserHelps) + " / " + num(r.existingUserHelps) + ")", "ref-helps"),
      tile(fw.t("被助力的人", "Inviters helped"), num(r.invitersHelped), "ref-inviters"),
      tile(fw.t("助力发放额度 / 已消耗", "Credits granted / spent"), num(r.creditsGranted) + " / " + num(r.creditsSpent), "ref-credits"),
    );
  };

  var load = function () {
    var st = $("status");
    var days = Number($("days").value);
    fw.status(st, fw.t("加载中…", "Loading…"));
    // The API counts local days in the workspace's timezone: the first answer (its default window)
    // says which day is today there, and other windows end on it.
    var q = "";
    if (today) {
      var from = new Date(Date.parse(today + "T00:00:00Z") - (days - 1) * 86400000).toISOString().slice(0, 10);
      q = "?from=" + from + "&to=" + today;
    }
    fw.api("/v1/billing/overview" + q).then(function (o) {
      today = o.to;
      show(o);
      fw.status(st, o.from + " — " + o.to + " (" + o.timezone + ")", "ok");
    }, function (e) { fw.status(st, e.message, "err"); });
  };

  fw.ready(function () {
    $("days").addEventListener("change", load);
    $("range").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    load();
  });
})();
