// Shared by every page: the stored credential, API calls with it, and the sign-in form.
// The console keeps an API key, the end-user app an end-user token; each in localStorage.
(function () {
  var side = document.body.dataset.side;
  var store = side === "app" ? "flywheel.token" : "flywheel.key";
  var lang = document.body.dataset.lang;
  var fw = (window.fw = {
    lang: lang,
    zh: lang === "zh",
    t: function (zh, en) { return lang === "zh" ? zh : en; },
    key: function () { return localStorage.getItem(store) || ""; },
    signOut: function () { localStorage.removeItem(store); location.reload(); },
    /** JSON from the API, or an Error carrying the envelope's message and status. */
    api: function (path, opts) {
      opts = opts || {};
      var headers = Object.assign({ authorization: "Bearer " + fw.key() }, opts.body !== undefined ? { "content-type": "application/json" } : {}, opts.headers || {});
      return fetch(path, { method: opts.method || (opts.body !== undefined ? "POST" : "GET"), headers: headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined }).then(function (res) {
        return res.text().then(function (text) {
          var body; try { body = JSON.parse(text); } catch (e) { body = text; }
          if (!res.ok) { var err = new Error((body && body.error && body.error.message) || res.status + ""); err.status = res.status; err.body = body; throw err; }
          return body;
        });
      });
    },
    /** A file behind the key or token, as an object URL (an <audio>, an <img>, a download). */
    fileUrl: function (path) {
      return fetch(path, { headers: { authorization: "Bearer " + fw.key() } }).then(function (res) {
        if (!res.ok) { var err = new Error(fw.t("文件加载失败", "could not load the file") + " (" + res.status + ")"); err.status = res.status; throw err; }
        return res.blob();
      }).then(function (blob) { return URL.createObjectURL(blob); });
    },
    /** Runs `start` once a credential is there; otherwise shows the sign-in form. */
    ready: function (start) {
      var login = document.getElementById("login");
      var go = function () { login.hidden = true; start(); };
      if (fw.key()) return go();
      login.hidden = false;
      document.getElementById("login-form").addEventListener("submit", function (e) {
        e.preventDefault();
        localStorage.setItem(store, document.getElementById("login-key").value.trim());
        go();
      });
      document.getElementById("login-key").focus();
    },
    el: function (tag, attrs, children) {
      var n = document.createElement(tag);
      for (var k in attrs || {}) { if (k === "text") n.textContent = attrs[k]; else if (attrs[k] != null) n.setAttribute(k, attrs[k]); }
      (children || []).forEach(function (c) { if (c != null) n.append(c); });
      return n;
    },
    status: function (node, text, kind) { node.textContent = text; node.className = "status " + (kind || ""); },
  });
})();
