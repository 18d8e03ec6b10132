/**
 * Songs through HTTP: made through the metered path, the files served with their hashes, the same
 * seed giving the same bytes, a free user's fourth song of the month a 402, a failed render
 * releasing its hold, end users kept to their own songs, publishing and 一键三连.
 */
import { Midi } from "@tonejs/midi";
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { memoryBlobs, type BlobStore } from "../lib/blobs.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import { createApp } from "../server/app.ts";
import { NOW, callResult, expectEnvelope, jsonInit, rows, setup } from "./helpers.ts";

const bin = async (t: ReturnType<typeof setup>, path: string, key: string) => {
  const r = await t.app.request(path, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, type: r.headers.get("content-type"), bytes: new Uint8Array(await r.arrayBuffer()) };
};
/** The size of a WAV's data chunk (its INFO chunk, with the title, varies). */
function dataBytes(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 12; o + 8 <= b.byteLength; o += 8 + v.getUint32(o + 4, true) + (v.getUint32(o + 4, true) & 1))
    if (String.fromCharCode(...b.slice(o, o + 4)) === "data") return v.getUint32(o + 4, true);
  return -1;
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("songs", () => {
  it("makes a 30 s song with lyrics, timings, MIDI, WAV and cover; the same seed gives byte-identical files", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const make = (requestId: string) => t.call("POST", "/v1/songs", { key, body: { userId: "amy", requestId, theme: "夏天", mood: "happy", style: "pop", language: "zh", seed: 42 } });
    const r = await make("s1");
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
    const song = r.body.song;
    expect(song).toMatchObject({ userId: "amy", language: "zh", style: "pop", mood: "happy", durationSec: 30, seed: 42, madeOnPlan: "free", lyricsSource: "offline" });
    expect(song.lyrics.sections.map((s: any) => s.kind)).toEqual(["verse", "chorus"]);
    expect(song.timings.length).toBeGreaterThan(20);
    expect(r.body.hold).toMatchObject({ feature: "song", status: "settled", credits: 1 });

    const wav = await bin(t, song.files["audio.wav"].url, key);
    expect(wav.type).toBe("audio/wav");
    const view = new DataView(wav.bytes.buffer);
    expect(String.fromCharCode(...wav.bytes.slice(0, 4), ...wav.bytes.slice(8, 12))).toBe("RIFFWAVE");
    expect(view.getUint32(24, true)).toBe(44100);
    expect(sha(wav.bytes)).toBe(song.files["audio.wav"].sha256);
    const midi = new Midi((await bin(t, song.files["song.mid"].url, key)).bytes);
    expect(midi.tracks.map((x) => x.name)).toEqual(expect.arrayContaining(["lead", "harmony", "bass", "drums"]));
    const cover = new TextDecoder().decode((await bin(t, song.files["cover.svg"].url, key)).bytes);
    expect(cover).toContain("<metadata");

    // Another request with the same seed: a new song (charged again), byte-identical files.
    const again = (await make("s2")).body.song;
    expect(again.id).not.toBe(song.id);
    for (const f of ["audio.wav", "song.mid", "cover.svg"]) expect(again.files[f].sha256).toBe(song.files[f].sha256);
    // A stem is the song's length.
    const stem = await bin(t, `/v1/songs/${song.id}/stems/drums.wav`, key);
    expect(stem.status).toBe(200);
    expect(dataBytes(stem.bytes)).toBe(dataBytes(wav.bytes));
    expect(dataBytes(wav.bytes)).toBe(30 * 44100 * view.getUint16(22, true) * 2);
  }, 60_000);

  it("a free user's fourth song of the month is a 402 naming the pack, the subscription and referral help", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    for (let i = 0; i < 3; i++) expect((await t.call("POST", "/v1/songs", { key, body: { userId: "bo", seed: i, durationSec: 10 } })).status).toBe(200);
    const fourth = await t.call("POST", "/v1/songs", { key, body: { userId: "bo", seed: 9, durationSec: 10 } });
    expectEnvelope(fourth, 402, "payment_required");
    expect(fourth.body.error.details).toMatchObject({ limitSource: "monthly_allowance", feature: "song", required: 1, available: 0 });
    expect(fourth.body.error.details.options.map((o: any) => o.type)).toEqual(["pack", "subscribe", "referral"]);
    expect(rows(t.db, "SELECT count(*) AS n FROM songs")).toEqual([{ n: 3 }]);
  }, 60_000);

  it("lyrics that cannot be sung are a 400 naming each problem, and the hold is released", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const bad = await t.call("POST", "/v1/songs", { key, body: { userId: "cy", requestId: "bad", lyrics: "[Verse]\n" + "啊".repeat(40) } });
    expectEnvelope(bad, 400, "validation_failed");
    expect(rows(t.db, "SELECT status FROM credit_holds WHERE id = 'bad'")).toEqual([{ status: "released" }]);
    // A body far past any song request is refused before it is read or charged.
    expectEnvelope(await t.call("POST", "/v1/songs", { key, body: { userId: "cy", lyrics: "x".repeat(70_000) } }), 413, "payload_too_large");
    const b = (await t.call("GET", "/v1/billing/users/cy/balance", { key })).body.features.find((f: any) => f.feature === "song");
    expect(b.allowance).toMatchObject({ used: 0, left: 3 });
  });

  it("end users see their own songs and published ones only; another workspace sees none; 一键三连 raises the creator's level", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const token = async (u: string) => (await t.call("POST", `/v1/end-users/${u}/tokens`, { key, body: {} })).body.token as string;
    const dee = await token("dee");
    const eve = await token("eve");
    const made = await t.call("POST", "/v1/songs", { key: dee, body: { seed: 5, durationSec: 10, language: "en", theme: "night" } });
    expect(made.status).toBe(200);
    const id = made.body.song.id;
    expect(made.body.song.userId).toBe("dee");
    expect((await t.call("GET", `/v1/songs/${id}`, { key: dee })).status).toBe(200);
    expectEnvelope(await t.call("GET", `/v1/songs/${id}`, { key: eve }), 404, "not_found");
    expectEnvelope(await t.call("GET", `/v1/songs/${id}/audio.wav`, { key: eve }), 404, "not_found");
    expectEnvelope(await t.call("POST", "/v1/songs", { key: eve, body: { userId: "dee", seed: 1, durationSec: 10 } }), 403, "forbidden");
    expectEnvelope(await t.call("GET", `/v1/songs/${id}`, { key: t.key("other", ["generate"]) }), 404, "not_found");
    expectEnvelope(await t.call("POST", `/v1/songs/${id}/publish`, { key: eve, body: {} }), 404, "not_found");
    expect((await t.call("POST", `/v1/songs/${id}/publish`, { key: dee, body: {} })).body.published).toBe(true);
    expect((await t.call("GET", `/v1/songs/${id}`, { key: eve })).status).toBe(200);
    for (const kind of ["like", "like", "share"]) await t.call("POST", `/v1/songs/${id}/reactions`, { key: eve, body: { kind } });
    const c = await t.call("POST", `/v1/songs/${id}/reactions`, { key: eve, body: { kind: "comment", text: "好听!" } });
    expect(c.body.song).toMatchObject({ likes: 1, shares: 1, comments: 1 });
    expect(c.body.creator).toMatchObject({ userId: "dee", points: 6, level: 1 });
    const profile = (await t.call("GET", "/v1/users/dee", { key: t.key("acme", ["operator"]) })).body;
    expect(profile.traits).toMatchObject({ creator_level: 1, creator_points: 6 });
    // Repeating a share or comment, or reacting to one's own song, counts on the song but not for the level.
    for (let i = 0; i < 5; i++) await t.call("POST", `/v1/songs/${id}/reactions`, { key: eve, body: { kind: "share" } });
    for (const kind of ["like", "share"]) await t.call("POST", `/v1/songs/${id}/reactions`, { key: dee, body: { kind } });
    const after = await t.call("POST", `/v1/songs/${id}/reactions`, { key: dee, body: { kind: "comment", text: "我自己的歌" } });
    expect(after.body.song.shares).toBe(7);
    expect(after.body.creator).toMatchObject({ points: 6, level: 1 });
  }, 60_000);

  it("with an OpenAI-compatible LLM configured, the LLM writes the lyrics (real SDK over HTTP to a local server) and the song says so", async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        calls++;
        const content = "Title: 夏夜晚风\n[Verse]\n晚风吹过小街巷\n蝉鸣藏在树梢上\n我们骑车去海边\n一路追着月光\n\n[Chorus]\n夏天的风在歌唱\n吹向遥远的地方\n我们一起去飞翔\n心里装满阳光";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: `chatcmpl-${calls}`, object: "chat.completion", created: calls, model: "fake-lyricist", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const base = setup();
      const app = createApp({ db: base.db, prompts: repoPrompts, llm: { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: "fake-lyricist" } });
      const key = base.key("acme", ["generate"]);
      const r = await callResult(await app.request("/v1/songs", jsonInit("POST", { key, body: { userId: "lee", theme: "夏天", seed: 1 } })));
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      expect(r.body.song).toMatchObject({ title: "夏夜晚风", lyricsSource: "llm:fake-lyricist" });
      expect(r.body.song.lyrics.sections[1].lines[0]).toBe("夏天的风在歌唱");
      expect(calls).toBe(1);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  }, 60_000);

  it("a render that fails after the hold (the file store is down) releases it, nothing is charged, and a retry under the same id runs again", async () => {
    const base = setup();
    let down = true;
    const store = memoryBlobs();
    const flaky: BlobStore = { put: async (k, b, t) => { if (down) throw new Error("disk full"); return store.put(k, b, t); }, get: (k) => store.get(k) };
    const app = createApp({ db: base.db, prompts: repoPrompts, blobs: flaky, now: () => NOW });
    const key = base.key("acme", ["generate"]);
    const make = async () => callResult(await app.request("/v1/songs", jsonInit("POST", { key, body: { userId: "max", requestId: "r1", seed: 1, durationSec: 10 } })));
    expect((await make()).status).toBe(500);
    expect(rows(base.db, "SELECT status FROM credit_holds WHERE id = 'r1'")).toEqual([{ status: "released" }]);
    expect(rows(base.db, "SELECT count(*) AS n FROM songs")).toEqual([{ n: 0 }]);
    const songs = async () => (await base.call("GET", "/v1/billing/users/max/balance", { key })).body.features.find((f: any) => f.feature === "song").allowance;
    expect(await songs()).toMatchObject({ used: 0, left: 3 });
    // A fault is not the request's answer: once the store is back, the same id makes the song, charged once.
    down = false;
    const retry = await make();
    expect(retry.status, JSON.stringify(retry.body).slice(0, 200)).toBe(200);
    expect(retry.body).toMatchObject({ replay: false, hold: { id: "r1", status: "settled" } });
    const again = await make();
    expect(again.body).toMatchObject({ replay: true, song: { id: retry.body.song.id } });
    expect(await songs()).toMatchObject({ used: 1, left: 2 });
    expect(rows(base.db, "SELECT type FROM credit_ledger WHERE hold_id = 'r1' ORDER BY seq")).toEqual([{ type: "hold" }, { type: "release" }, { type: "hold" }, { type: "settle" }]);
  }, 60_000);

  it("extending a song keeps its lyrics and adds sections for the added time, as a new metered song", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const first = (await t.call("POST", "/v1/songs", { key, body: { userId: "ola", seed: 8, durationSec: 20, theme: "故乡", language: "zh" } })).body.song;
    const ext = await t.call("POST", `/v1/songs/${first.id}/extend`, { key, body: { addSec: 30, userId: "ola" } });
    expect(ext.status, JSON.stringify(ext.body).slice(0, 300)).toBe(200);
    const song = ext.body.song;
    expect(song).toMatchObject({ parentId: first.id, durationSec: 50, title: first.title, style: first.style, mood: first.mood });
    expect(song.lyrics.sections.slice(0, first.lyrics.sections.length)).toEqual(first.lyrics.sections);
    expect(song.lyrics.sections.length).toBeGreaterThan(first.lyrics.sections.length);
    expect(ext.body.hold).toMatchObject({ feature: "song", status: "settled" });
    // Only the creator extends; at most 120 s at a time.
    expectEnvelope(await t.call("POST", `/v1/songs/${first.id}/extend`, { key, body: { userId: "someone" } }), 403, "forbidden");
    expectEnvelope(await t.call("POST", `/v1/songs/${song.id}/extend`, { key, body: { addSec: 121, userId: "ola" } }), 400, "validation_failed");
  }, 60_000);

  it("an instrumental song has no lyrics and no timings; a short song shows only the lines it sings, every one of them timed", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const inst = await t.call("POST", "/v1/songs", { key, body: { userId: "ivy", seed: 1, durationSec: 10, instrumental: true } });
    expect(inst.status, JSON.stringify(inst.body).slice(0, 300)).toBe(200);
    expect(inst.body.song).toMatchObject({ instrumental: true, lyrics: null, timings: [], lyricsSource: "none" });
    expect((await t.app.request(`/v1/songs/${inst.body.song.id}/stems/lead.wav`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    for (const [durationSec, seed] of [[10, 5], [15, 6], [30, 7]] as const) {
      const song = (await t.call("POST", "/v1/songs", { key, body: { userId: `ivy-${durationSec}`, seed, durationSec, theme: "海" } })).body.song;
      const timed = new Set(song.timings.map((x: any) => `${x.section}:${x.line}`));
      const shown = song.lyrics.sections.flatMap((sec: any, i: number) => sec.lines.map((_: string, j: number) => `${i}:${j}`));
      expect(shown.length, `${durationSec} s`).toBeGreaterThan(0);
      expect(shown.filter((k: string) => !timed.has(k)), `${durationSec} s`).toEqual([]);
    }
  }, 60_000);

  it("an extension's new sections are sung: they have timings", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const first = (await t.call("POST", "/v1/songs", { key, body: { userId: "jo", seed: 4, durationSec: 10, theme: "夜晚" } })).body.song;
    const ext = (await t.call("POST", `/v1/songs/${first.id}/extend`, { key, body: { addSec: 20, userId: "jo" } })).body.song;
    const sections = new Set(ext.timings.map((x: any) => x.section));
    expect(ext.lyrics.sections.length).toBeGreaterThan(first.lyrics.sections.length);
    for (let i = 0; i < ext.lyrics.sections.length; i++) expect(sections.has(i), `section ${i}`).toBe(true);
  }, 60_000);
});

