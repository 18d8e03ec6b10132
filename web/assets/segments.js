// The segment builder: rows of conditions <-> the JSON definition (both ways), the live count, save, list, export.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var OPS = ["gte", "gt", "eq", "neq", "lte", "lt"];
  var OP_TEXT = { gte: "≥", gt: ">", eq: "=", neq: "≠", lte: "≤", lt: "<", contains: fw.t("包含", "contains"), exists: fw.t("存在", "exists") };
  var RFM = { important_value: ["重要价值", "important value"], important_develop: ["重要发展", "important develop"], important_retain: ["重要保持", "important retain"], important_win_back: ["重要挽留", "important win back"], general_value: ["一般价值", "general value"], general_develop: ["一般发展", "general develop"], general_retain: ["一般保持", "general retain"], general_win_back: ["一般挽留", "general win back"] };
  var STAGES = { new: ["导入期", "new"], growing: ["成长期", "growing"], mature: ["成熟期", "mature"], dormant: ["休眠期", "dormant"], churned: ["流失期", "churned"] };
  var rows = [];
  // A loaded {"and": [one]} stays wrapped, so a definition read into the form comes back out the same.
  var wrapped = false;
  var events = [];
  var traits = [];
  var seq = 0;

  // A value typed in a box: a number when it was one (or looks like one), true/false for booleans, else text.
  var parseValue = function (text, type) {
    if (type === "boolean" || (!type && (text === "true" || text === "false"))) return text === "true";
    if (type === "number" || (!type && /^-?\d+(\.\d+)?$/.test(text))) return Number(text);
    return text;
  };

  var toNode = function (r) {
    if (r.kind === "performed") {
      var n = { performed: r.event };
      if (r.times !== "") n.times = { op: r.timesOp, value: Number(r.times) };
      if (r.days !== "") n.within = { days: Number(r.days) };
      if (r.prop) n.where = [r.propOp === "exists" ? { property: r.prop, op: "exists" } : { property: r.prop, op: r.propOp, value: parseValue(r.propValue, r.propType) }];
      return n;
    }
    if (r.kind === "notPerformed") return { notPerformed: r.event, within: { days: Number(r.days || 30) } };
    if (r.kind === "trait") return r.op === "exists" ? { trait: r.trait, op: "exists" } : { trait: r.trait, op: r.op, value: parseValue(r.value, r.valueType) };
    if (r.kind === "rfm") return { rfm: r.values.slice() };
    if (r.kind === "lifecycle") return { lifecycle: r.values.slice() };
    if (r.kind === "lastActive") return { lastActive: { op: r.op, days: Number(r.days || 0) } };
  };

  // A node the form can show, as a row; null for anything else (nested and/or, scores …: edit as JSON).
  var fromNode = function (n) {
    var keys = Object.keys(n || {});
    var only = function (allowed) { return keys.every(function (k) { return allowed.indexOf(k) >= 0; }); };
    if ("performed" in n && only(["performed", "times", "within", "where"]) && (!n.within || "days" in n.within) && (!n.where || n.where.length <= 1)) {
      var w = (n.where || [])[0];
      return { kind: "performed", event: n.performed, timesOp: n.times ? n.times.op : "gte", times: n.times ? String(n.times.value) : "", days: n.within ? String(n.within.days) : "", prop: w ? w.property : "", propOp: w ? w.op : "eq", propValue: w && w.value !== undefined ? String(w.value) : "", propType: w && w.value !== undefined ? typeof w.value : undefined };
    }
    if ("notPerformed" in n && only(["notPerformed", "within"])) return { kind: "notPerformed", event: n.notPerformed, days: String(n.within.days) };
    if ("trait" in n && only(["trait", "op", "value"]) && !Array.isArray(n.value) && n.op !== "in") return { kind: "trait", trait: n.trait, op: n.op, value: n.value === undefined ? "" : String(n.value), valueType: n.value === undefined ? undefined : typeof n.value };
    if ("rfm" in n && only(["rfm"])) return { kind: "rfm", values: n.rfm.slice() };
    if ("lifecycle" in n && only(["lifecycle"])) return { kind: "lifecycle", values: n.lifecycle.slice() };
    if ("lastActive" in n && only(["lastActive"])) return { kind: "lastActive", op: n.lastActive.op, days: String(n.lastActive.days) };
    return null;
  };

  var definition = function () {
    var nodes = rows.map(toNode);
    return nodes.length === 1 && !wrapped ? nodes[0] : { [$("combine").value]: nodes };
  };

  var newRow = function (kind) {
    var ev = events[0] || "";
    var tr = traits[0] || "";
    return {
      performed: { kind: kind, event: ev, timesOp: "gte", times: "1", days: "30", prop: "", propOp: "eq", propValue: "" },
      notPerformed: { kind: kind, event: ev, days: "30" },
      trait: { kind: kind, trait: tr, op: "eq", value: "" },
      rfm: { kind: kind, values: ["important_value"] },
      lifecycle: { kind: kind, values: ["mature"] },
      lastActive: { kind: kind, op: "lte", days: "7" },
    }[kind];
  };

  // One labelled control bound to a row's field.
  var field = function (r, key, label, control) {
    var id = "f" + ++seq;
    control.id = id;
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () { r[key] = control.value; if (key === "propValue") r.propType = undefined; if (key === "value") r.valueType = undefined; changed(); });
    return fw.el("div", { class: "field" }, [fw.el("label", { for: id, text: label }), control]);
  };
  var select = function (r, key, options) {
    var s = fw.el("select");
    options.forEach(function (o) { s.append(fw.el("option", { value: o[0], text: o[1] })); });
    if (options.every(function (o) { return o[0] !== r[key]; }) && r[key]) s.append(fw.el("option", { value: r[key], text: r[key] }));
    s.value = r[key];
    return s;
  };
  var input = function (r, key, type) { var i = fw.el("input", { type: type || "text" }); i.value = r[key]; return i; };
  var opOptions = function (extra) { return OPS.concat(extra || []).map(function (o) { return [o, OP_TEXT[o]]; }); };
  var checks = function (r, all, legend) {
    var fs = fw.el("fieldset", {}, [fw.el("legend", { text: legend })]);
    Object.keys(all).forEach(function (k) {
      var id = "f" + ++seq;
      var box = fw.el("input", { type: "checkbox", id: id, value: k });
      box.checked = r.values.indexOf(k) >= 0;
      box.addEventListener("change", function () { r.values = Object.keys(all).filter(function (x) { return document.getElementById(fs.dataset[x]).checked; }); changed(); });
      fs.dataset[k] = id;
      fs.append(fw.el("span", { class: "check" }, [box, fw.el("label", { for: id, text: fw.zh ? all[k][0] : all[k][1] })]));
    });
    return fs;
  };

  var render = function () {
    var list = $("rows");
    list.textContent = "";
    rows.forEach(function (r, i) {
      var ev = events.map(function (e) { return [e, e]; });
      var parts = {
        performed: function () { return [field(r, "event", fw.t("事件", "Event"), select(r, "event", ev)), field(r, "timesOp", fw.t("次数比较", "Times compared"), select(r, "timesOp", opOptions())), field(r, "times", fw.t("次数（空=不限）", "Times (empty: any)"), input(r, "times", "number")), field(r, "days", fw.t("最近天数（空=全部）", "Within days (empty: ever)"), input(r, "days", "number")), field(r, "prop", fw.t("属性（可选）", "Property (optional)"), input(r, "prop")), field(r, "propOp", fw.t("属性比较", "Property compared"), select(r, "propOp", opOptions(["contains", "exists"]))), field(r, "propValue", fw.t("属性值", "Property value"), input(r, "propValue"))]; },
        notPerformed: function () { return [field(r, "event", fw.t("事件", "Event"), select(r, "event", ev)), field(r, "days", fw.t("最近天数", "Within days"), input(r, "days", "number"))]; },
        trait: function () { return [field(r, "trait", fw.t("属性名", "Trait"), select(r, "trait", traits.map(function (k) { return [k, k]; }))), field(r, "op", fw.t("比较", "Compared"), select(r, "op", opOptions(["contains", "exists"]))), field(r, "value", fw.t("值", "Value"), input(r, "value"))]; },
        rfm: function () { return [checks(r, RFM, fw.t("RFM 分层", "RFM classes"))]; },
        lifecycle: function () { return [checks(r, STAGES, fw.t("生命周期阶段", "Lifecycle stages"))]; },
        lastActive: function () { return [field(r, "op", fw.t("比较", "Compared"), select(r, "op", opOptions())), field(r, "days", fw.t("距今天数", "Days ago"), input(r, "days", "number"))]; },
      }[r.kind]();
      var remove = fw.el("button", { type: "button", class: "secondary", text: fw.t("删除条件 ", "Remove condition ") + (i + 1) });
      remove.addEventListener("click", function () { rows.splice(i, 1); render(); changed(); });
      list.append(fw.el("li", { class: "card" }, [fw.el("fieldset", {}, [fw.el("legend", { text: fw.t("条件 ", "Condition ") + (i + 1) })].concat(parts, [remove]))]));
    });
  };

  var timer;
  var changed = function () {
    $("json").value = rows.length ? JSON.stringify(definition(), null, 2) : "";
    clearTimeout(timer);
    timer = setTimeout(count, 300);
  };

  var count = function () {
    var node = $("count");
    if (!rows.length) return fw.status(node, fw.t("添加一个条件", "Add a condition"));
    var def = definition();
    fw.status(node, fw.t("计算中…", "Counting…"));
    fw.api("/v1/segments/preview", { body: { definition: def, explain: true, sample: 5 } }).then(function (r) {
      if (JSON.stringify(def) !== JSON.stringify(definition())) return; // an older answer
      fw.status(node, fw.t("共 ", "") + r.count.toLocaleString() + fw.t(" 人", " users"), "ok");
      node.dataset.count = String(r.count);
      $("words").textContent = r.description ? (fw.zh ? r.description.zh : r.description.en) : "";
      var conds = $("conditions");
      conds.textContent = "";
      // The count left after each condition (the API gives them for an empty or tiny audience).
      (r.conditions || []).forEach(function (c) {
        conds.append(fw.el("li", { text: (fw.zh ? c.condition.zh : c.condition.en) + fw.t("：累计剩余 ", ": left after it ") + c.count_after + fw.t("，单独满足 ", ", alone ") + c.alone }));
      });
    }, function (e) { fw.status(node, e.message, "err"); });
  };

  var load = function () {
    var st = $("json-status");
    var def;
    try { def = JSON.parse($("json").value); } catch (e) { return fw.status(st, fw.t("JSON 格式错误：", "Not valid JSON: ") + e.message, "err"); }
    var combine = "and";
    var nodes = [def];
    var isGroup = def && (Array.isArray(def.and) || Array.isArray(def.or)) && Object.keys(def).length === 1;
    if (isGroup) { combine = def.and ? "and" : "or"; nodes = def[combine]; }
    var next = nodes.map(fromNode);
    if (next.some(function (r) { return !r; })) return fw.status(st, fw.t("表单无法表示此定义（如嵌套的且/或、评分条件），可直接用 JSON 预览与保存。", "The form cannot show this definition (nested and/or, scores …); preview and save it as JSON instead."), "err");
    $("combine").value = combine;
    wrapped = !!isGroup;
    rows = next;
    render();
    changed();
    fw.status(st, fw.t("已载入表单", "Loaded into the form"), "ok");
  };

  var saved = function () {
    fw.api("/v1/segments").then(function (r) {
      var body = $("saved");
      body.textContent = "";
      r.segments.forEach(function (s) {
        var btn = fw.el("button", { type: "button", class: "secondary", text: fw.t("导出 CSV：", "Export CSV: ") + s.name });
        btn.addEventListener("click", function () {
          fw.fileUrl("/v1/segments/" + s.id + "/users?format=csv").then(function (url) {
            var a = fw.el("a", { href: url, download: s.name + ".csv" });
            document.body.append(a); a.click(); a.remove();
          }, function (e) { fw.status($("save-status"), e.message, "err"); });
        });
        body.append(fw.el("tr", {}, [fw.el("td", { text: s.name }), fw.el("td", { text: s.count == null ? "—" : s.count.toLocaleString() }), fw.el("td", {}, [btn])]));
      });
    }, function (e) { fw.status($("save-status"), e.message, "err"); });
  };

  fw.ready(function () {
    fw.api("/v1/catalog").then(function (c) {
      events = (c.events || []).map(function (e) { return e.name; });
      traits = (c.traits || []).map(function (t) { return t.key; });
      if (!rows.length && events.length) { rows = [newRow("performed")]; render(); changed(); }
    }, function (e) { fw.status($("count"), e.message, "err"); });
    $("add").addEventListener("click", function () { rows.push(newRow($("add-kind").value)); render(); changed(); });
    $("combine").addEventListener("change", changed);
    $("load").addEventListener("click", load);
    $("save").addEventListener("click", function () {
      var st = $("save-status");
      var name = $("seg-name").value.trim();
      if (!name) return fw.status(st, fw.t("请填写分群名称", "Give the segment a name"), "err");
      fw.api("/v1/segments", { body: { name: name, definition: JSON.parse($("json").value) } }).then(function (s) {
        fw.status(st, fw.t("已保存：", "Saved: ") + s.name + " · " + s.count, "ok");
        saved();
      }, function (e) { fw.status(st, e.message, "err"); });
    });
    saved();
  });
})();
