// Make a song: the form → POST /v1/songs with a progress bar → the player (the WAV and the cover
// fetched with the token, the lyrics lit word by word from the song's timings) and its certificate.
fw.ready(function () {
  var $ = function (id) { return document.getElementById(id); };
  var form = $("song-form"), button = $("song-submit"), status = $("song-status"), audio = $("audio");
  var bar = $("song-progress"), meter = bar.querySelector("[role=progressbar]");
  var words = [], lit = null, song = null, coverUrl = null;

  // The server answers once the whole song is made: the bar follows the expected time and never claims to finish early.
  function progress(expectedMs) {
    var started = Date.now();
    bar.hidden = false;
    var set = function (pct) { meter.setAttribute("aria-valuenow", String(Math.round(pct))); meter.firstElementChild.style.width = pct + "%"; };
    set(0);
    var timer = setInterval(function () { set(95 * (1 - Math.exp(-(Date.now() - started) / expectedMs))); }, 100);
    return function done() { clearInterval(timer); set(100); bar.hidden = true; };
  }

  function light(t) {
    var now = null;
    for (var i = 0; i < words.length; i++) if (t >= words[i].start && t < words[i].end) { now = words[i].node; break; }
    if (now === lit) return;
    if (lit) lit.classList.remove("on");
    if (now) now.classList.add("on");
    lit = now;
  }
  audio.addEventListener("timeupdate", function () { light(audio.currentTime); });
  audio.addEventListener("seeked", function () { light(audio.currentTime); });
  // timeupdate comes a few times a second; while playing, follow every frame so short syllables light too.
  audio.addEventListener("play", function tick() { light(audio.currentTime); if (!audio.paused && !audio.ended) requestAnimationFrame(tick); });

  /** Lines from the timings (a repeated chorus is timed each time it is sung); English keeps the line's own spaces between syllables. */
  function lyrics(s) {
    var box = $("lyrics");
    box.textContent = "";
    words = []; lit = null;
    if (!s.timings || !s.timings.length) { box.append(fw.el("p", { class: "muted", text: s.instrumental ? fw.t("纯音乐，没有歌词。", "Instrumental: no lyrics.") : fw.t("没有歌词。", "No lyrics.") })); return; }
    var sections = (s.lyrics && s.lyrics.sections) || [];
    var p = null, key = null, text = "", cursor = 0;
    s.timings.forEach(function (w) {
      var k = w.section + ":" + w.line;
      if (k !== key) {
        key = k; cursor = 0;
        text = (sections[w.section] && sections[w.section].lines[w.line]) || "";
        p = fw.el("p", { lang: s.language === "en" ? "en" : "zh-CN" });
        box.append(p);
      }
      var at = text.toLowerCase().indexOf(w.text.toLowerCase(), cursor);
      if (at >= 0) { if (at > cursor) p.append(text.slice(cursor, at)); cursor = at + w.text.length; }
      else if (s.language === "en" && p.childNodes.length) p.append(" ");
      var node = fw.el("span", { class: "word", "data-start": w.start.toFixed(3), "data-end": w.end.toFixed(3), text: w.text });
      p.append(node);
      words.push({ node: node, start: w.start, end: w.end });
    });
  }

  function show(s) {
    song = s;
    $("paywall").hidden = true;
    $("song-title").textContent = s.title;
    var m = s.music || {};
    $("song-meta").textContent = [fw.word(s.mood), fw.word(s.style), s.durationSec + fw.t(" 秒", " s"), m.key ? m.key + (m.mode === "minor" ? "m" : "") + " · " + m.bpm + " BPM" : ""].filter(Boolean).join(" · ");
    lyrics(s);
    $("cover").alt = fw.t("《" + s.title + "》封面", "Cover of " + s.title);
    $("cert-status").textContent = "";
    $("player").hidden = false;
    // The previous song's blobs are let go: a session can make several songs of up to 180 s (~30 MB each).
    if (audio.src.indexOf("blob:") === 0) URL.revokeObjectURL(audio.src);
    if (coverUrl) URL.revokeObjectURL(coverUrl);
    return Promise.all([
      fw.fileUrl(s.files["audio.wav"].url).then(function (u) { audio.src = u; audio.load(); }),
      fw.fileUrl(s.files["cover.svg"].url).then(function (u) { coverUrl = u; $("cover").src = u; }),
    ]);
  }

  function failed(e) {
    if (e.status === 402) { fw.status(status, "", ""); fw.paywall($("paywall"), e); $("paywall-title").focus(); }
    else fw.status(status, e.message, "err");
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { mood: $("song-mood").value, style: $("song-style").value, language: $("song-language").value, durationSec: Number($("song-duration").value), instrumental: $("song-instrumental").checked };
    var prompt = $("song-prompt").value.trim(), theme = $("song-theme").value.trim();
    if (prompt) body.prompt = prompt;
    if (theme) body.theme = theme;
    button.disabled = true;
    $("paywall").hidden = true;
    fw.status(status, fw.t("正在作词、作曲、演唱……", "Writing, composing and singing…"));
    var done = progress(800 + body.durationSec * 120);
    fw.api("/v1/songs", { body: body }).then(function (r) {
      if (!r.song) throw new Error(fw.t("没有生成歌曲，请重试", "no song was made: please try again"));
      history.replaceState(null, "", "/app?song=" + encodeURIComponent(r.song.id));
      return show(r.song).then(function () { fw.status(status, fw.t("歌曲已生成：点播放收听", "Your song is ready: press play"), "ok"); $("song-title").focus(); });
    }).catch(failed).then(function () { done(); button.disabled = false; });
  });

  $("song-title").tabIndex = -1;
  $("paywall-title").tabIndex = -1;

  $("cert-button").addEventListener("click", function () {
    var out = $("cert-status"), btn = $("cert-button");
    btn.disabled = true;
    fw.status(out, fw.t("正在认证……", "Certifying…"));
    fw.api("/v1/songs/" + encodeURIComponent(song.id) + "/certificate", { body: {} }).then(function (r) {
      var c = r.certificate;
      // Checked the way anyone can: the signature, and the cover we were given against the hash it signs.
      return fetch(coverUrl).then(function (res) { return res.arrayBuffer(); }).then(function (buf) {
        var bin = ""; new Uint8Array(buf).forEach(function (b) { bin += String.fromCharCode(b); });
        return fw.api(c.verifyAt, { body: { certificate: c.certificate, files: { "cover.svg": btoa(bin) } } });
      }).then(function (v) {
        var sim = Math.round((c.similarity || 0) * 100) + "%";
        fw.status(out, fw.t("证书 " + c.id + " · 与已有歌曲最高相似度 " + sim + " · " + (v.valid ? "签名与文件校验通过 ✓" : "校验未通过：" + v.problems.join("；")),
          "Certificate " + c.id + " · highest similarity to earlier songs " + sim + " · " + (v.valid ? "signature and file verified ✓" : "not verified: " + v.problems.join("; "))), v.valid ? "ok" : "err");
      });
    }).catch(function (e) {
      if (e.status === 402) { fw.status(out, "", ""); fw.paywall($("paywall"), e); } else fw.status(out, e.message, "err");
    }).then(function () { btn.disabled = false; });
  });

  var id = new URLSearchParams(location.search).get("song");
  if (id) {
    fw.status(status, fw.t("加载中……", "Loading…"));
    fw.api("/v1/songs/" + encodeURIComponent(id)).then(show).then(function () { fw.status(status, ""); }).catch(failed);
  }
});
