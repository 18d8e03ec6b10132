// The overview: which workspace the key opens, and that it works.
fw.ready(function () {
  var node = document.getElementById("ws");
  fw.api("/v1/workspace").then(function (w) {
    fw.status(node, (w.name || w.workspace && w.workspace.name || "") + " · " + (w.timezone || w.workspace && w.workspace.timezone || ""), "ok");
  }, function (e) { fw.status(node, e.message, "err"); });
});
