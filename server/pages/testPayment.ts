/**
 * GET /dev/test-payment: a developer's stand-in for a payment provider. It reads the workspace's
 * secret with an admin key, signs an event in the browser (Web Crypto, exactly the server's
 * scheme) and posts it to the webhook, so the whole path (signature, replay, amounts) can be tried
 * by hand. A string, not a file: a Worker has no file system. The page's script avoids backticks
 * and "${", so it sits in this template literal unchanged.
 */
export const TEST_PAYMENT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>测试支付 / Test payment · Flywheel</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 760px; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; } small, .note { color: #666; }
  label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
  input, select, button { font: inherit; padding: .35rem .5rem; box-sizing: border-box; }
  input, select { width: 100%; }
  .row { display: flex; gap: .8rem; } .row > div { flex: 1; }
  button { margin-top: 1rem; cursor: pointer; }
  pre { background: #f5f5f5; padding: .8rem; overflow: auto; white-space: pre-wrap; word-break: break-all; }
  .ok { color: #067d17; } .err { color: #b00020; }
</style>
</head>
<body>
<h1>测试支付 / Test payment</h1>
<p class="note">开发用：用管理员密钥读取本工作区的签名密钥，在浏览器中用 Web Crypto 签名事件并发送到支付回调。<br>
For development: reads this workspace's signing secret with an admin key, signs an event in the browser (Web Crypto) and posts it to the payment webhook.</p>

<label for="key">管理员密钥 / Admin key</label>
<input id="key" type="password" autocomplete="off" aria-describedby="key-hint">
<small id="key-hint">以 fw_ 开头、带 admin 权限的密钥 / a key with the admin scope (it starts with fw_)</small>
<button id="load" type="button">读取设置与目录 / Load settings and catalogue</button>
<p id="ws" class="note"></p>

<div class="row">
  <div><label for="user">用户 / User id</label><input id="user" value="u1"></div>
  <div><label for="type">事件类型 / Event type</label>
    <select id="type">
      <option value="payment.succeeded">payment.succeeded 支付成功</option>
      <option value="payment.refunded">payment.refunded 退款</option>
      <option value="subscription.renewed">subscription.renewed 续费</option>
      <option value="subscription.cancelled">subscription.cancelled 取消订阅</option>
    </select></div>
</div>
<div class="row">
  <div><label for="sku">商品 / SKU</label><select id="sku"></select></div>
  <div><label for="amount">金额（分）/ Amount (fen)</label><input id="amount" type="number" min="0" step="1"></div>
  <div><label for="currency">币种 / Currency</label><input id="currency" value="CNY"></div>
</div>
<p id="hint" class="note"></p>
<div class="row">
  <div><label for="eventId">事件编号 / Event id <small>（相同编号重发即重放 / same id = replay）</small></label><input id="eventId"></div>
  <div><label for="paymentId">被退款的支付事件 / Refunded payment id <small>（可选 / optional）</small></label><input id="paymentId"></div>
</div>
<label><input id="tamper" type="checkbox" style="width:auto"> 篡改签名（应得到 401）/ Tamper with the signature (expect 401)</label>
<button id="newId" type="button">新编号 / New id</button>
<button id="send" type="button">签名并发送 / Sign and send</button>

<h2>结果 / Result</h2>
<p id="status"></p>
<pre id="out">（尚未发送 / nothing sent yet）</pre>

<script>
"use strict";
var $ = function (id) { return document.getElementById(id); };
var state = { settings: null, catalog: null };
var keyInput = $("key");
keyInput.value = sessionStorage.getItem("flywheel-admin-key") || "";

function show(ok, status, body) {
  $("status").className = ok ? "ok" : "err";
  $("status").textContent = status;
  $("out").textContent = typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

function newEventId() {
  var b = new Uint8Array(8);
  crypto.getRandomValues(b);
  $("eventId").value = "evt_test_" + Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
}

async function api(path) {
  var res = await fetch(path, { headers: { authorization: "Bearer " + keyInput.value.trim() } });
  var body = await res.json();
  if (!res.ok) throw new Error(res.status + " " + (body.error ? body.error.message : JSON.stringify(body)));
  return body;
}

function fillAmount() {
  var c = state.catalog;
  if (!c) return;
  var sku = $("sku").value, type = $("type").value, sub = c.subscription;
  var pack = c.packs.find(function (p) { return p.sku === sku; });
  var hint = "";
  if (type === "subscription.cancelled") { $("amount").value = 0; hint = "取消订阅金额为 0 / a cancellation carries 0"; }
  else if (pack) { $("amount").value = pack.price; hint = "加速包价格 / pack price: " + pack.price; }
  else if (type === "payment.succeeded") {
    $("amount").value = sub.firstMonthPrice;
    hint = "首次订阅为首月价 " + sub.firstMonthPrice + "，之后为原价 " + sub.price + " / a user's first payment is the first-month price, later ones the full price";
  } else { $("amount").value = sub.price; hint = "月费 / monthly price: " + sub.price; }
  $("hint").textContent = hint;
}

async function load() {
  sessionStorage.setItem("flywheel-admin-key", keyInput.value.trim());
  try {
    state.settings = await api("/v1/billing/settings");
    state.catalog = await api("/v1/billing/catalog");
  } catch (e) { show(false, "读取失败 / could not load", String(e.message || e)); return; }
  var sel = $("sku");
  sel.textContent = "";
  state.catalog.packs.forEach(function (p) { sel.add(new Option(p.sku + "（加速包 / pack, " + p.credits + " " + p.feature + "）", p.sku)); });
  var s = state.catalog.subscription;
  sel.add(new Option(s.sku + "（订阅 / subscription）", s.sku));
  $("ws").textContent = "工作区 / workspace " + state.settings.workspaceId + " · 回调 / webhook " + state.settings.webhookPath;
  fillAmount();
  show(true, "已读取 / loaded", state.settings.previousSecretValidUntil ? "旧密钥有效至 / previous secret valid until " + state.settings.previousSecretValidUntil : "");
}

async function hmacHex(secret, text) {
  var enc = new TextEncoder();
  var key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  var mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(text)));
  return Array.from(mac, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
}

async function send() {
  if (!window.crypto || !crypto.subtle) { show(false, "无法签名 / cannot sign", "Web Crypto 需要安全上下文（https 或 localhost）/ Web Crypto needs a secure context (https or localhost)"); return; }
  if (!state.settings) await load();
  if (!state.settings) return;
  var data = { userId: $("user").value.trim(), sku: $("sku").value, amount: Number($("amount").value), currency: $("currency").value.trim() };
  if ($("paymentId").value.trim()) data.paymentId = $("paymentId").value.trim();
  var body = JSON.stringify({ id: $("eventId").value.trim(), type: $("type").value, data: data });
  var t = Math.floor(Date.now() / 1000);
  var sig = await hmacHex(state.settings.secret, t + "." + body);
  if ($("tamper").checked) sig = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
  var header = "t=" + t + ",v1=" + sig;
  var res = await fetch(state.settings.webhookPath, { method: "POST", headers: { "content-type": "application/json", "flywheel-signature": header }, body: body });
  var text = await res.text();
  var shown;
  try { shown = JSON.parse(text); } catch (e) { shown = text; }
  show(res.ok, "HTTP " + res.status + " · Flywheel-Signature: " + header, { sent: JSON.parse(body), answer: shown });
}

$("load").onclick = load;
$("send").onclick = function () { send().catch(function (e) { show(false, "发送失败 / failed", String(e.message || e)); }); };
$("newId").onclick = newEventId;
$("type").onchange = fillAmount;
$("sku").onchange = fillAmount;
newEventId();
</script>
</body>
</html>
`;
