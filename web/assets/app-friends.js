// 找同好: opted-in users with a similar taste in music (what we share, and why), and three opening
// lines for one of them in the chosen persona's tone.
fw.ready(function () {
  var $ = function (id) { return document.getElementById(id); };
  var me = fw.userId(), status = $("friends-status"), box = $("matches");

  fw.api("/v1/personas").then(function (r) {
    r.personas.forEach(function (p) { $("tone").append(fw.el("option", { value: p.id, text: fw.zh && p.nameZh ? p.nameZh : p.name })); });
  }, function () { /* the default tone still works */ });

  function shared(m) {
    var parts = m.sharedArtists.map(function (a) { return a.artist; }).concat(m.sharedGenres.map(function (g) { return fw.word(g.genre); }));
    return parts.length ? fw.t("共同喜欢：", "Both like: ") + parts.join(fw.t("、", ", ")) : "";
  }

  function card(m, i) {
    var out = fw.el("div", { "aria-live": "polite" });
    var button = fw.el("button", { type: "button", text: fw.t("生成开场白", "Opening lines") });
    button.setAttribute("aria-label", fw.t("生成开场白：" + m.userId, "Opening lines: " + m.userId));
    button.addEventListener("click", function () {
      button.disabled = true;
      var body = { userId: me, matchId: m.userId, language: fw.lang };
      if ($("tone").value) body.personaId = $("tone").value;
      fw.api("/v1/icebreakers", { body: body }).then(function (r) {
        out.textContent = "";
        out.append(fw.el("ol", {}, r.lines.map(function (line) { return fw.el("li", { text: line }); })));
      }, function (e) { out.textContent = ""; out.append(fw.el("p", { class: "status err", text: e.message })); }).then(function () { button.disabled = false; });
    });
    return fw.el("section", { class: "card", "aria-labelledby": "match-" + i }, [
      fw.el("h2", { id: "match-" + i, text: m.userId }),
      fw.el("p", { text: fw.t("口味相似度 ", "Taste match ") + Math.round(m.score * 100) + "%" }),
      fw.el("p", { text: fw.t(m.reason.zh, m.reason.en) }),
      fw.el("p", { class: "muted", text: shared(m) }),
      button,
      out,
    ]);
  }

  fw.status(status, fw.t("正在寻找同好……", "Looking for matches…"));
  fw.api("/v1/users/" + encodeURIComponent(me) + "/matches").then(function (r) {
    if (!r.matches.length) return fw.status(status, fw.t("还没有找到口味相近的人：多听几首歌再来看看。", "No matches yet: listen to a few more songs and look again."));
    fw.status(status, fw.t("找到 " + r.matches.length + " 位同好", r.matches.length + " match(es)"), "ok");
    r.matches.forEach(function (m, i) { box.append(card(m, i)); });
  }, function (e) {
    var why = e.status === 403 ? fw.t("你还没有开启「找同好」：在 App 设置里打开后再来。", "Icebreakers are off for you: turn them on in the app's settings.")
      : e.status === 404 ? fw.t("还没有你的听歌记录。", "We have no listening history for you yet.") : "";
    fw.status(status, why ? why + " (" + e.message + ")" : e.message, "err");
  });
});
