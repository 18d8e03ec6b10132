// My songs: newest first, each linking to its player.
fw.ready(function () {
  var list = document.getElementById("songs"), status = document.getElementById("songs-status");
  fw.status(status, fw.t("加载中……", "Loading…"));
  fw.api("/v1/songs").then(function (r) {
    if (!r.songs.length) {
      fw.status(status, "");
      list.append(fw.el("li", {}, [fw.t("还没有歌曲。", "No songs yet. "), fw.el("a", { href: "/app", text: fw.t("去创作第一首", "Make your first one") })]));
      return;
    }
    fw.status(status, fw.t("共 " + r.songs.length + " 首", r.songs.length + " song(s)"), "ok");
    r.songs.forEach(function (s) {
      var about = [fw.word(s.mood), fw.word(s.style), s.durationSec + fw.t(" 秒", " s"), s.published ? fw.t("已发布", "published") : fw.t("草稿", "draft"), fw.when(s.createdAt)].join(" · ");
      list.append(fw.el("li", { class: "card" }, [
        fw.el("a", { href: "/app?song=" + encodeURIComponent(s.id), text: s.title }),
        fw.el("div", { class: "muted", text: about }),
      ]));
    });
  }, function (e) { fw.status(status, e.message, "err"); });
});
