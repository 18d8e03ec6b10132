// The referral page (my link, its help progress, and helping a friend whose link I opened) and the
// credits page (each feature's allowance, extra credits and next reset).
fw.ready(function () {
  var $ = function (id) { return document.getElementById(id); };
  var me = fw.userId();

  function bar(label, pct) {
    pct = Math.max(0, Math.min(100, Math.round(pct)));
    return fw.el("div", { class: "progress", role: "progressbar", "aria-label": label, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct) }, [fw.el("div", { style: "width:" + pct + "%" })]);
  }

  if ($("ref-link")) {
    var code = new URLSearchParams(location.search).get("code");
    var drawn = function (p) {
      $("ref-link").value = location.origin + "/app/referral?code=" + encodeURIComponent(p.code);
      var h = p.helps, need = p.helpsNeeded.newUser, box = $("ref-progress");
      box.textContent = "";
      box.append(
        fw.el("p", { text: fw.t("已有 " + h.count + " 位好友助力（新朋友 " + h.newUsers + " 位），共得 " + h.creditsEarned + " 次" + fw.feature(p.feature) + "额度" + (h.creditsPending ? "，其中 " + h.creditsPending + " 次冻结中" : ""),
          h.count + " friend(s) helped (" + h.newUsers + " new), earning " + h.creditsEarned + " " + fw.feature(p.feature) + (h.creditsPending ? ", " + h.creditsPending + " still on hold" : "")) }),
        bar(fw.t("助力进度", "Help progress"), need === null ? 0 : need === 0 ? 100 : (100 * h.newUsers) / (h.newUsers + need)),
        fw.el("p", { text: need === 0 ? fw.t("额度够再做一首了！", "You have enough for another one!") : fw.t("再有 " + need + " 位新朋友助力，就能多做一首" + (p.helpsNeeded.existingUser ? "（或 " + p.helpsNeeded.existingUser + " 位老朋友）" : ""),
          need + " more new friend(s) to make one more" + (p.helpsNeeded.existingUser ? " (or " + p.helpsNeeded.existingUser + " existing users)" : "")) }),
        fw.el("p", { class: "muted", text: fw.t("每位新朋友助力得 " + p.rules.creditsPerNewUserHelp + " 次，老朋友 " + p.rules.creditsPerExistingUserHelp + " 次；今天还可获得 " + h.leftToday + " 次助力。",
          "A new user's help earns " + p.rules.creditsPerNewUserHelp + ", an existing user's " + p.rules.creditsPerExistingUserHelp + "; " + h.leftToday + " more helps today.") }),
      );
      fw.status($("ref-status"), "");
    };
    fw.api("/v1/referrals", { body: { userId: me } }).then(function (p) {
      drawn(p);
      if (code && code !== p.code) {
        $("help-box").hidden = false;
        $("help-about").textContent = fw.t("好友邀请你为 TA 助力，帮 TA 多做一首歌。", "A friend asked you to help them make one more song.");
        $("help-button").addEventListener("click", function () {
          fw.api("/v1/referrals/" + encodeURIComponent(code) + "/help", { body: { helperId: me } }).then(function (r) {
            fw.status($("help-status"), fw.t("助力成功，好友获得 " + r.credits + " 次额度", "Thanks! Your friend earned " + r.credits), "ok");
          }, function (e) { fw.status($("help-status"), e.message, "err"); });
        });
      }
    }, function (e) { fw.status($("ref-status"), e.message, "err"); });
  }

  if ($("credits")) {
    fw.api("/v1/billing/users/" + encodeURIComponent(me) + "/balance").then(function (b) {
      fw.status($("plan"), fw.t("当前方案：" + (b.plan === "member" ? "会员" : "免费"), "Plan: " + b.plan), "ok");
      b.features.forEach(function (f) {
        var a = f.allowance, name = fw.feature(f.feature), every = a.every === "daily" ? fw.t("每日", "daily") : fw.t("每月", "monthly");
        var extra = f.credits.reduce(function (s, g) { return s + g.remaining; }, 0);
        $("credits").append(fw.el("section", { class: "card" }, [
          fw.el("h2", { text: name }),
          fw.el("p", { text: fw.t(every + "额度：已用 " + a.used + " / " + a.granted, every + " allowance: " + a.used + " of " + a.granted + " used") }),
          bar(fw.t(name + "额度已用", name + " allowance used"), a.granted ? (100 * a.used) / a.granted : 0),
          fw.el("p", { text: fw.t("可用 " + f.available + (extra ? "（含加速包与助力 " + extra + "）" : ""), f.available + " available" + (extra ? " (" + extra + " from packs and referrals)" : "")) }),
          fw.el("p", { class: "muted", text: fw.t("下次重置：", "Next reset: ") + fw.when(a.nextResetAt) }),
        ]));
      });
      $("credits").append(fw.el("section", { class: "card" }, [
        fw.el("h2", { text: fw.t("额度不够？", "Need more?") }),
        fw.el("p", {}, [fw.el("a", { href: "/app/referral", text: fw.t("邀请好友助力（砍一刀）", "Ask friends to help") })]),
      ]));
    }, function (e) { fw.status($("plan"), e.message, "err"); });
  }
});
