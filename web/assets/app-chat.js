// Persona chat: pick a persona, its history, send messages (which model answered, any safety
// note), and the pinned facts it keeps about me, which I can rewrite, delete or add to.
fw.ready(function () {
  var $ = function (id) { return document.getElementById(id); };
  var select = $("persona"), log = $("log"), status = $("chat-status"), memStatus = $("memory-status");
  var personas = {};
  var pid = function () { return encodeURIComponent(select.value); };
  var SAFETY = { self_harm: ["已提供心理援助信息", "crisis support information was given"], ai_question: ["角色说明了自己是 AI", "the persona said it is an AI"] };

  function modelName(m) {
    if (!m) return "";
    var who = m.provider === "offline" ? fw.t("离线模型", "offline model") : m.provider === "safety" ? fw.t("安全层", "safety layer") : fw.t("大模型", "LLM");
    return fw.t("回答：", "Answered by ") + who + " · " + m.name + (m.fallback ? fw.t("（备用：", " (fallback: ") + m.fallback + fw.t("）", ")") : "");
  }

  function bubble(role, text, meta) {
    var who = role === "user" ? fw.t("我：", "Me: ") : ((personas[select.value] || {}).name || "") + fw.t("：", ": ");
    var b = fw.el("div", { class: "bubble " + role }, [fw.el("span", { class: "visually-hidden", text: who }), text]);
    if (meta && meta.model) b.append(fw.el("span", { class: "meta", text: modelName(meta.model) }));
    if (meta && meta.safety) {
      var s = SAFETY[meta.safety];
      b.append(fw.el("span", { class: "safety", text: fw.t("安全提示：", "Safety note: ") + (s ? fw.t(s[0], s[1]) : meta.safety) }));
    }
    if (meta && meta.reminder) b.append(fw.el("span", { class: "safety", text: typeof meta.reminder === "string" ? meta.reminder : fw.t("已提醒休息", "break reminder") }));
    log.append(b);
    log.scrollTop = log.scrollHeight;
  }

  function memories(list) {
    var ul = $("memory");
    ul.textContent = "";
    if (!list.length) ul.append(fw.el("li", { class: "muted", text: fw.t("还没有记忆。", "Nothing pinned yet.") }));
    list.forEach(function (m, i) {
      var id = "mem-" + i;
      var input = fw.el("input", { id: id, value: m.text, maxlength: "400" });
      var save = fw.el("button", { type: "button", class: "secondary", text: fw.t("保存", "Save") });
      var del = fw.el("button", { type: "button", class: "secondary", text: fw.t("删除", "Delete") });
      save.setAttribute("aria-label", fw.t("保存记忆 ", "Save fact ") + (i + 1));
      del.setAttribute("aria-label", fw.t("删除记忆 ", "Delete fact ") + (i + 1));
      var path = "/v1/personas/" + pid() + "/memories/" + encodeURIComponent(m.id);
      save.addEventListener("click", function () {
        fw.api(path, { method: "PATCH", body: { text: input.value } }).then(function () { fw.status(memStatus, fw.t("已保存", "Saved"), "ok"); return loadMemory(); }, function (e) { fw.status(memStatus, e.message, "err"); });
      });
      del.addEventListener("click", function () {
        fw.api(path, { method: "DELETE" }).then(function () { fw.status(memStatus, fw.t("已删除", "Deleted"), "ok"); return loadMemory(); }, function (e) { fw.status(memStatus, e.message, "err"); });
      });
      ul.append(fw.el("li", {}, [fw.el("label", { for: id, class: "visually-hidden", text: fw.t("记忆 ", "Fact ") + (i + 1) + (m.source === "auto" ? fw.t("（自动记住）", " (remembered)") : "") }), input, save, del]));
    });
  }
  function loadMemory() { return fw.api("/v1/personas/" + pid() + "/memories").then(function (r) { memories(r.memories); }); }

  function open() {
    log.textContent = "";
    fw.status(status, fw.t("加载聊天记录……", "Loading the chat…"));
    var p = personas[select.value];
    $("persona-about").textContent = p ? p.about : "";
    localStorage.setItem("flywheel.persona", select.value);
    return fw.api("/v1/personas/" + pid() + "/chat").then(function (h) {
      h.messages.forEach(function (m) { bubble(m.role, m.content, m.meta); });
      memories(h.memory);
      fw.status(status, h.messages.length ? "" : fw.t("打个招呼吧", "Say hello"));
    }, function (e) { fw.status(status, e.message, "err"); });
  }

  $("chat-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var box = $("chat-message"), text = box.value.trim(), send = $("chat-send");
    if (!text) return;
    bubble("user", text);
    box.value = "";
    send.disabled = true;
    fw.status(status, fw.t("对方正在输入……", "Typing…"));
    fw.api("/v1/personas/" + pid() + "/chat", { body: { message: text } }).then(function (r) {
      r.replies.slice(0, 1).forEach(function (rep) { bubble("assistant", rep.content, { model: r.model, safety: r.safety, reminder: r.reminder }); });
      if (r.song && r.song.id) log.append(fw.el("p", {}, [fw.el("a", { href: "/app?song=" + encodeURIComponent(r.song.id), text: fw.t("听这首歌：", "Listen: ") + (r.song.title || r.song.id) })]));
      memories(r.memory);
      fw.status(status, "");
    }, function (e) {
      fw.status(status, e.message, "err");
    }).then(function () { send.disabled = false; box.focus(); });
  });

  $("memory-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("memory-new");
    fw.api("/v1/personas/" + pid() + "/memories", { body: { text: input.value } }).then(function () { input.value = ""; fw.status(memStatus, fw.t("已添加", "Added"), "ok"); return loadMemory(); }, function (e) { fw.status(memStatus, e.message, "err"); });
  });

  select.addEventListener("change", open);
  fw.api("/v1/personas").then(function (r) {
    r.personas.forEach(function (p) {
      var name = fw.zh && p.nameZh ? p.nameZh + "（" + p.name + "）" : p.name;
      personas[p.id] = { name: name, about: p.description };
      select.append(fw.el("option", { value: p.id, text: name }));
    });
    var last = localStorage.getItem("flywheel.persona");
    if (last && personas[last]) select.value = last;
    return open();
  }, function (e) { fw.status(status, e.message, "err"); });
});
