// The operator agent's chat: messages go to POST /v1/agent/chat and are read back as server-sent
// events (tokens, tool calls, results, an approval, then the whole result); every tool call the
// agent made is listed and its result drawn as a card; a paused side-effect waits for Approve /
// Edit / Reject (POST /v1/agent/approvals/{id}), and the run's continuation is shown after it.
fw.ready(function () {
  var T = fw.t;
  var el = fw.el;
  var log = document.getElementById("log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var send = document.getElementById("chat-send");
  var status = document.getElementById("chat-status");
  var pick = document.getElementById("conv-pick");
  var conversationId = "";
  var busy = false;
  var uid = 0;
  var nextId = function (p) { return p + "-" + ++uid; };

  var C = window.chatCards;
  var json = C.json, details = C.details, pre = C.pre, card = C.card;
  var modelText = function (m) { return m ? T("模型：", "Model: ") + [m.provider, m.name].filter(Boolean).join(" · ") : ""; };

  /** POSTs and reads the answer as SSE when the server streams it (a 4xx is a JSON envelope either way). */
  function run(path, body, on) {
    return fetch(path, { method: "POST", headers: { authorization: "Bearer " + fw.key(), "content-type": "application/json", accept: "text/event-stream" }, body: JSON.stringify(body) }).then(function (res) {
      var type = res.headers.get("content-type") || "";
      if (!res.ok || type.indexOf("text/event-stream") < 0 || !res.body) {
        return res.text().then(function (text) {
          var b; try { b = JSON.parse(text); } catch (e) { b = text; }
          if (!res.ok) { var err = new Error((b && b.error && b.error.message) || String(res.status)); err.status = res.status; throw err; }
          return b;
        });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buf = "";
      var result = null;
      var handle = function (block) {
        var event = "message", data = [];
        block.split(/\r?\n/).forEach(function (l) {
          if (l.indexOf("event:") === 0) event = l.slice(6).trim();
          else if (l.indexOf("data:") === 0) data.push(l.slice(5).replace(/^ /, ""));
        });
        if (!data.length) return;
        var payload = JSON.parse(data.join("\n"));
        if (event === "done") result = payload;
        else if (on[event]) on[event](payload);
      };
      var pump = function () {
        return reader.read().then(function (r) {
          if (r.value) buf += decoder.decode(r.value, { stream: true });
          var parts = buf.split(/\r?\n\r?\n/);
          buf = parts.pop();
          parts.forEach(function (p) { if (p.trim()) handle(p); });
          if (!r.done) return pump();
          if (buf.trim()) handle(buf);
          if (!result) throw new Error(T("连接中断，回答不完整", "the connection ended before the answer was complete"));
          return result;
        });
      };
      return pump();
    });
  }

  function userBubble(text) {
    log.append(el("div", { class: "turn" }, [el("div", { class: "bubble user", text: text })]));
  }

  /** An agent turn: its bubble fills as tokens arrive, its tool list as calls start and finish. */
  function agentTurn() {
    var bubble = el("div", { class: "bubble assistant", text: "…" });
    var meta = el("p", { class: "meta" });
    var tools = el("ul", { class: "tools", "aria-label": T("工具调用", "Tool calls") });
    var cards = el("div", { class: "cards" });
    var node = el("div", { class: "turn" }, [bubble, meta, tools, cards]);
    log.append(node);
    var streamed = "";
    var items = {};
    var toolItem = function (id, name, state) {
      var li = items[id] || (items[id] = el("li"));
      li.textContent = T("工具 ", "Tool ") + name + " · " + state;
      if (!li.parentNode) tools.append(li);
    };
    return {
      node: node,
      on: {
        token: function (e) { streamed += e.text; bubble.textContent = streamed; },
        tool_call: function (e) { toolItem(e.id, e.name, T("运行中", "running")); },
        tool_result: function (e) { toolItem(e.id, e.name, stateText(e.status)); },
      },
      finish: function (r, model) {
        bubble.textContent = r.reply || T("（没有文字回答）", "(no text answer)");
        meta.textContent = modelText(model || r.model);
        tools.textContent = "";
        (r.toolCalls || []).forEach(function (c) { tools.append(toolCallItem(c)); });
        if (!tools.children.length) tools.remove();
        (r.cards || []).forEach(function (c) { cards.append(card(c)); });
        if (r.pendingApproval) cards.append(approvalCard(r.pendingApproval));
      },
      fail: function (msg) { bubble.textContent = msg; bubble.classList.add("bad"); },
    };
  }

  function stateText(s) {
    return { ok: T("完成", "done"), success: T("完成", "done"), error: T("出错", "failed"), pending: T("等待审批", "waiting for approval"), rejected: T("已拒绝", "rejected") }[s] || s;
  }

  /** Each tool call: its name, state, and (folded) the input it got and what it returned. */
  function toolCallItem(c) {
    var body = el("div", {}, [el("p", { text: T("输入", "Input") }), pre(c.input), c.output != null ? el("p", { text: T("结果", "Result") }) : null, c.output != null ? pre(c.output) : null]);
    return el("li", {}, [details(T("工具 ", "Tool ") + c.name + " · " + stateText(c.status), body)]);
  }


  var DONE = { approved: ["已批准并执行", "Approved and run"], edited: ["已按修改后的输入执行", "Run with the edited input"], rejected: ["已拒绝，未执行", "Rejected, not run"] };

  /** A paused side-effect: Approve, Edit (the input as JSON) or Reject (with an optional reason). */
  function approvalCard(a) {
    var id = nextId("apr");
    var n = el("div", { class: "card approval-card", role: "group", "aria-labelledby": id + "-t" }, [
      el("h3", { id: id + "-t", text: T("等待审批：", "Needs approval: ") + a.tool }),
      a.description ? el("p", { text: a.description }) : null,
      el("p", { text: T("将要执行的输入：", "The input it will run with:") }),
      pre(a.input),
    ]);
    var note = el("p", { class: "status", role: "status" });
    if (a.status && a.status !== "pending") { fw.status(note, T(DONE[a.status][0], DONE[a.status][1]), a.status === "rejected" ? "" : "ok"); n.append(note); return n; }
    var edit = el("div", { hidden: "" }, [el("label", { for: id + "-edit", text: T("修改输入（JSON）", "Edit the input (JSON)") }), el("textarea", { id: id + "-edit", rows: "8", spellcheck: "false" })]);
    edit.querySelector("textarea").value = json(a.input);
    var reason = el("div", { hidden: "" }, [el("label", { for: id + "-why", text: T("拒绝理由（可选）", "Why (optional)") }), el("input", { id: id + "-why", type: "text", maxlength: "2000" })]);
    var approve = el("button", { type: "button", text: T("批准", "Approve") });
    var editBtn = el("button", { type: "button", class: "secondary", "aria-expanded": "false", text: T("修改", "Edit") });
    var reject = el("button", { type: "button", class: "secondary", "aria-expanded": "false", text: T("拒绝", "Reject") });
    var actions = el("div", { class: "actions" }, [approve, editBtn, reject]);
    n.append(edit, reason, actions, note);
    var editing = false, rejecting = false;
    editBtn.addEventListener("click", function () {
      if (!editing) { editing = true; edit.hidden = false; editBtn.textContent = T("按修改执行", "Run edited"); editBtn.setAttribute("aria-expanded", "true"); edit.querySelector("textarea").focus(); return; }
      var v;
      try { v = JSON.parse(edit.querySelector("textarea").value); } catch (e) { return fw.status(note, T("不是有效的 JSON：", "Not valid JSON: ") + e.message, "err"); }
      if (!v || typeof v !== "object" || Array.isArray(v)) return fw.status(note, T("输入必须是 JSON 对象", "The input must be a JSON object"), "err");
      decide({ decision: "edit", input: v });
    });
    reject.addEventListener("click", function () {
      if (!rejecting) { rejecting = true; reason.hidden = false; reject.textContent = T("确认拒绝", "Confirm reject"); reject.setAttribute("aria-expanded", "true"); reason.querySelector("input").focus(); return; }
      var why = reason.querySelector("input").value.trim();
      decide(why ? { decision: "reject", message: why } : { decision: "reject" });
    });
    approve.addEventListener("click", function () { decide({ decision: "approve" }); });

    function decide(body) {
      if (busy) return;
      setBusy(true);
      [approve, editBtn, reject].forEach(function (b) { b.disabled = true; });
      fw.status(note, T("处理中…", "Working…"));
      var turn = agentTurn();
      run("/v1/agent/approvals/" + encodeURIComponent(a.id), body, turn.on).then(function (r) {
        var status = body.decision === "approve" ? "approved" : body.decision === "edit" ? "edited" : "rejected";
        var call = (r.toolCalls || []).filter(function (c) { return c.name === a.tool; }).pop();
        var outcome = T(DONE[status][0], DONE[status][1]) + (call && body.decision !== "reject" ? T("，结果：", "; result: ") + stateText(call.status) : "") + (body.message ? T("（理由：", " (why: ") + body.message + T("）", ")") : "");
        fw.status(note, outcome, call && call.status === "error" ? "err" : "ok");
        note.classList.add("outcome");
        actions.remove(); edit.hidden = true; reason.hidden = true;
        turn.finish(r);
        setBusy(false);
      }, function (e) {
        turn.node.remove();
        fw.status(note, e.message, "err");
        // A 409 means someone else decided it: the buttons would only fail again.
        if (e.status !== 409) [approve, editBtn, reject].forEach(function (b) { b.disabled = false; });
        setBusy(false);
      });
    }
    return n;
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    if (on) fw.status(status, T("运营助手正在处理…", "The agent is working…"));
    else if (status.textContent === T("运营助手正在处理…", "The agent is working…")) fw.status(status, "");
  }

  function submit() {
    var text = input.value.trim();
    if (!text || busy) return;
    setBusy(true);
    userBubble(text);
    input.value = "";
    var turn = agentTurn();
    run("/v1/agent/chat", conversationId ? { conversationId: conversationId, message: text } : { message: text }, turn.on).then(function (r) {
      var fresh = !conversationId;
      conversationId = r.conversationId;
      turn.finish(r);
      setBusy(false);
      if (fresh) listConversations(r.conversationId);
    }, function (e) {
      turn.fail(e.message);
      setBusy(false);
      fw.status(status, e.message, "err");
    });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition is neither.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
  });

  function listConversations(selected) {
    return fw.api("/v1/agent/conversations").then(function (r) {
      while (pick.options.length > 1) pick.remove(1);
      (r.conversations || []).forEach(function (c) {
        var o = el("option", { value: c.id, text: (c.title || c.id) + " · " + new Date(c.updatedAt).toLocaleString(fw.zh ? "zh-CN" : "en") });
        pick.append(o);
      });
      pick.value = selected || "";
    }, function (e) { fw.status(status, e.message, "err"); });
  }

  /** A stored conversation, replayed: its messages, cards and any approval still pending. */
  function openConversation(id) {
    log.textContent = "";
    conversationId = id;
    if (!id) return input.focus();
    fw.api("/v1/agent/conversations/" + encodeURIComponent(id)).then(function (c) {
      var pending = (c.approvals || []).filter(function (a) { return a.status === "pending"; });
      (c.messages || []).forEach(function (m) {
        if (m.role === "operator") return userBubble(m.content);
        var turn = agentTurn();
        turn.finish({ reply: m.content, toolCalls: m.toolCalls, cards: m.cards }, c.model);
      });
      var last = log.lastElementChild && log.lastElementChild.querySelector(".cards");
      pending.forEach(function (a) { (last || log).append(approvalCard(a)); });
    }, function (e) { fw.status(status, e.message, "err"); });
  }

  pick.addEventListener("change", function () { openConversation(pick.value); });
  document.getElementById("conv-new").addEventListener("click", function () { pick.value = ""; openConversation(""); });
  listConversations("");
  input.focus();
});
