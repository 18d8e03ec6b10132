// Moderation: take published songs down; import and delete persona cards.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var cell = function (text) { return fw.el("td", { text: text }); };

  var songs = function () {
    fw.api("/v1/songs").then(function (r) {
      $("songs").replaceChildren.apply($("songs"), r.songs.map(function (s) {
        var action = fw.el("td");
        if (s.published) {
          var b = fw.el("button", { type: "button", class: "secondary", text: fw.t("下架：", "Take down: ") + s.title });
          b.addEventListener("click", function () {
            fw.api("/v1/songs/" + s.id + "/unpublish", { method: "POST" }).then(function () { fw.status($("songs-status"), fw.t("已下架：", "Taken down: ") + s.title, "ok"); songs(); }, function (e) { fw.status($("songs-status"), e.message, "err"); });
          });
          action.append(b);
        }
        return fw.el("tr", { "data-song": s.id }, [cell(s.title), cell(s.userId), cell(s.createdAt), cell(s.published ? fw.t("已发布", "published") : fw.t("未发布", "private")), action]);
      }));
      if (!r.songs.length) fw.status($("songs-status"), fw.t("还没有歌曲。", "No songs yet."));
    }, function (e) { fw.status($("songs-status"), e.message, "err"); });
  };

  var personas = function () {
    fw.api("/v1/personas").then(function (r) {
      $("personas").replaceChildren.apply($("personas"), r.personas.map(function (p) {
        var action = fw.el("td");
        if (!p.builtin) {
          var b = fw.el("button", { type: "button", class: "secondary", text: fw.t("删除：", "Delete: ") + p.id });
          b.addEventListener("click", function () {
            fw.api("/v1/personas/" + p.id, { method: "DELETE" }).then(function () { fw.status($("import-status"), fw.t("已删除：", "Deleted: ") + p.id, "ok"); personas(); }, function (e) { fw.status($("import-status"), e.message, "err"); });
          });
          action.append(b);
        }
        return fw.el("tr", {}, [cell(p.model), cell(fw.zh && p.nameZh ? p.nameZh : p.name), cell(p.builtin ? fw.t("内置", "built-in") : fw.t("导入", "imported")), action]);
      }));
    }, function (e) { fw.status($("import-status"), e.message, "err"); });
  };

  fw.ready(function () {
    $("import").addEventListener("submit", function (e) {
      e.preventDefault();
      var file = $("card-file").files[0];
      var id = $("card-id").value.trim();
      var st = $("import-status");
      if (!file) return;
      var png = /\.png$/i.test(file.name) || file.type === "image/png";
      fetch("/v1/personas" + (id ? "?id=" + encodeURIComponent(id) : ""), { method: "POST", headers: { authorization: "Bearer " + fw.key(), "content-type": png ? "image/png" : "application/json" }, body: file })
        .then(function (res) { return res.json().then(function (b) { if (!res.ok) throw new Error(b.error ? b.error.message : res.status); return b; }); })
        .then(function (p) { fw.status(st, fw.t("已导入：", "Imported: ") + (p.model || p.id), "ok"); personas(); }, function (err) { fw.status(st, err.message, "err"); });
    });
    songs();
    personas();
  });
})();
