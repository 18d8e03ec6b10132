// The end-user app's helpers over common.js's fw: who the token names, files fetched with the
// token (an <audio> or <img> cannot send the Authorization header itself), and the 402's ways out.
(function () {
  /** The token is a JWT: its payload's `sub` is the user it acts for (the server checks it; this only reads it). */
  fw.userId = function () {
    try {
      var p = fw.key().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var json = decodeURIComponent(Array.prototype.map.call(atob(p), function (c) { return "%" + ("0" + c.charCodeAt(0).toString(16)).slice(-2); }).join(""));
      return JSON.parse(json).sub || "";
    } catch (e) {
      return "";
    }
  };

  fw.yuan = function (fen) { return "¥" + (fen / 100).toFixed(fen % 100 ? 2 : 0); };

  /** The API gives times in the workspace's own zone (…+08:00): shown as that wall clock, not converted to the device's. */
  fw.when = function (iso) {
    var m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso || "");
    return m ? m[1] + " " + m[2] : iso;
  };

  var WORDS = {
    happy: "快乐", sad: "伤感", calm: "平静", energetic: "热血", romantic: "浪漫", nostalgic: "怀旧",
    pop: "流行", rock: "摇滚", folk: "民谣", ballad: "抒情", electronic: "电子", lofi: "Lo-fi",
  };
  /** A mood or style as the form names it. */
  fw.word = function (w) { return fw.zh && WORDS[w] ? WORDS[w] : w; };

  var FEATURES = { song: ["歌曲", "songs"], chat_message: ["聊天消息", "chat messages"], certificate: ["原创认证", "certificates"], copy: ["文案", "copy"] };
  fw.feature = function (f) { var n = FEATURES[f]; return n ? fw.t(n[0], n[1]) : f; };

  /**
   * A 402 in `box` (a section with #paywall-message and #paywall-options inside): the server's
   * bilingual message, then each way out it lists, with a link where the app has a page for it.
   */
  fw.paywall = function (box, err) {
    var d = (err.body && err.body.error && err.body.error.details) || {};
    box.querySelector("[data-message]").textContent = err.message;
    var list = box.querySelector("[data-options]");
    list.textContent = "";
    (d.options || []).forEach(function (o) {
      var text, href, link;
      if (o.type === "pack") {
        text = fw.t("购买加速包：" + o.credits + " 次" + fw.feature(d.feature) + "，" + fw.yuan(o.price), "Buy a pack: " + o.credits + " " + fw.feature(d.feature) + " for " + fw.yuan(o.price));
        href = "/app/credits"; link = fw.t("查看额度", "See credits");
      } else if (o.type === "subscribe") {
        text = fw.t("开通会员：首月 " + fw.yuan(o.firstMonthPrice) + "，之后每月 " + fw.yuan(o.price), "Become a member: " + fw.yuan(o.firstMonthPrice) + " the first month, then " + fw.yuan(o.price) + " a month");
        href = "/app/credits"; link = fw.t("查看额度", "See credits");
      } else if (o.type === "referral") {
        text = fw.t("邀请好友助力：还需 " + o.helpsNeeded + " 位新朋友助力", "Ask friends to help: " + o.helpsNeeded + " more new friend(s) needed");
        href = "/app/referral"; link = fw.t("去邀请", "Invite friends");
      } else {
        text = o.type;
      }
      list.append(fw.el("li", {}, [text + " ", href ? fw.el("a", { href: href, text: link }) : null]));
    });
    if (d.nextResetAt) list.append(fw.el("li", { text: fw.t("或等待下期额度：" + fw.when(d.nextResetAt), "Or wait for the next allowance: " + fw.when(d.nextResetAt)) }));
    box.hidden = false;
  };
})();
