/**
 * Persona cards through HTTP: the four built-in cards (full V3, bilingual style banks and example
 * dialogues), export as V3, V2 and PNG, import from our own PNG, a SillyTavern V2 PNG made here by
 * hand, and a V1 JSON card, with every unknown extension surviving; and every bad input a 4xx.
 * The PNG reading here is the test's own (node:zlib, its own CRC), not the code under test.
 */
import { deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CardV3, INTENT_KEYS, flywheelOf } from "../tools/personas/card.ts";
import { expectEnvelope, setup, type Call } from "./helpers.ts";

const BUILTINS = { nuannan: ["暖男", "warm", "male"], mengmeizi: ["萌妹子", "cute", "female"], "zhixing-jiejie": ["知性姐姐", "intellectual", "female"], "yaogun-qingnian": ["摇滚青年", "rock", "male"] } as const;
const GENRES = ["pop", "rock", "folk", "hiphop", "electronic", "classical", "jazz", "rnb", "guofeng"];
const SLOTS: Record<string, string> = { name_ack: "{{name}}", taste_ack: "{{taste}}", sing_intro: "{{title}}", recall: "{{fact}}" };
const HAN = /\p{Script=Han}/u;

// ---- a PNG reader and writer of the test's own ----
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (b: Buffer) => {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const text = (keyword: string, value: string) => chunk("tEXt", Buffer.from(`${keyword}\0${value}`, "latin1"));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8").toString("base64");
/** A 2×1 RGBA PNG (one red, one blue pixel) with any extra chunks before IEND. */
function tinyPng(...extra: Buffer[]): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.from([0, 255, 0, 0, 255, 0, 0, 255, 255]));
  return new Uint8Array(Buffer.concat([SIG, chunk("IHDR", ihdr), chunk("IDAT", idat), ...extra, chunk("IEND", Buffer.alloc(0))]));
}
/** Every chunk, CRCs checked. */
function chunks(bytes: Uint8Array): { type: string; data: Buffer }[] {
  const b = Buffer.from(bytes);
  expect(b.subarray(0, 8).equals(SIG)).toBe(true);
  const out: { type: string; data: Buffer }[] = [];
  for (let p = 8; p < b.length; ) {
    const len = b.readUInt32BE(p);
    const type = b.toString("latin1", p + 4, p + 8);
    expect(b.readUInt32BE(p + 8 + len), `${type} CRC`).toBe(crc(b.subarray(p + 4, p + 8 + len)));
    out.push({ type, data: b.subarray(p + 8, p + 8 + len) });
    p += 12 + len;
  }
  return out;
}
const texts = (bytes: Uint8Array) =>
  Object.fromEntries(
    chunks(bytes)
      .filter((c) => c.type === "tEXt")
      .map((c) => [c.data.toString("latin1", 0, c.data.indexOf(0)), JSON.parse(Buffer.from(c.data.toString("latin1", c.data.indexOf(0) + 1), "base64").toString("utf8"))]),
  );

// ---- HTTP with raw bodies ----
type T = ReturnType<typeof setup>;
async function raw(t: T, method: string, path: string, key: string, body?: Uint8Array | string, type?: string): Promise<Call & { bytes: Uint8Array }> {
  const res = await t.app.request(path, { method, headers: { authorization: `Bearer ${key}`, ...(type ? { "content-type": type } : {}) }, ...(body === undefined ? {} : { body: body as BodyInit }) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, bytes };
}
const importPng = (t: T, key: string, png: Uint8Array, query = "") => raw(t, "POST", `/v1/personas${query}`, key, png, "image/png");
const importJson = (t: T, key: string, card: unknown, query = "") => raw(t, "POST", `/v1/personas${query}`, key, JSON.stringify(card), "application/json");
const ok = (r: Call) => {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r;
};

/** A SillyTavern-style V2 card: a lorebook, and extensions this service does not know. */
const stCard = {
  spec: "chara_card_v2",
  spec_version: "2.0",
  data: {
    name: "Seraphina",
    description: "{{char}} is a guardian of the forest glade.",
    personality: "caring, protective",
    scenario: "{{user}} wakes up in {{char}}'s glade.",
    first_mes: "*Seraphina smiles.* You're awake.",
    mes_example: "<START>\n{{user}}: Where am I?\n{{char}}: Safe, in my glade.",
    creator_notes: "",
    system_prompt: "",
    post_history_instructions: "",
    alternate_greetings: ["Hello again."],
    character_book: { name: "Glade", extensions: {}, entries: [{ keys: ["glade", "forest"], content: "The glade is protected by old magic.", extensions: { sillytavern: { depth: 4 } }, enabled: true, insertion_order: 100, position: "before_char" }] },
    tags: ["fantasy"],
    creator: "someone",
    character_version: "2",
    extensions: { depth_prompt: { prompt: "Stay gentle.", depth: 4, role: "system" }, talkativeness: "0.5", fav: false, world: "Glade" },
  },
};

describe("persona cards", () => {
  it("lists the four built-ins as chat models, to keys and end users alike", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const r = ok(await t.call("GET", "/v1/personas", { key }));
    expect(r.body.personas.map((p: any) => p.id)).toEqual(Object.keys(BUILTINS));
    for (const p of r.body.personas) {
      const [nameZh, tone] = BUILTINS[p.id as keyof typeof BUILTINS];
      expect(p).toMatchObject({ model: `persona:${p.id}`, nameZh, tone, languages: ["zh", "en"], builtin: true });
      expect(p.description.length).toBeGreaterThan(20);
      expect(p.description.length).toBeLessThanOrEqual(200);
      expect(p.description).not.toMatch(/\{\{/);
    }
    const token = (await t.call("POST", "/v1/end-users/alice/tokens", { key, body: {} })).body.token as string;
    expect(ok(await t.call("GET", "/v1/personas", { key: token })).body.personas).toHaveLength(4);
    expect(ok(await t.call("GET", "/v1/personas/mengmeizi", { key: token })).body.spec).toBe("chara_card_v3");
    expect((await raw(t, "GET", "/v1/personas/mengmeizi/card.png", token)).status).toBe(200);
  });

  it("every built-in is a full V3 card: both style banks in voice, slots where they belong, bilingual example dialogues", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    for (const [id, [nameZh, tone, singer]] of Object.entries(BUILTINS)) {
      const card = ok(await t.call("GET", `/v1/personas/${id}`, { key })).body;
      const d = CardV3.parse(card).data;
      const fw = flywheelOf(CardV3.parse(card));
      expect([card.spec, card.spec_version]).toEqual(["chara_card_v3", "3.0"]);
      expect(fw).toMatchObject({ id, name_zh: nameZh, tone, languages: ["zh", "en"], safety_tier: "general", voice: { singer } });
      expect(d.name.length).toBeGreaterThan(3);
      for (const f of ["description", "personality", "scenario", "first_mes", "system_prompt", "post_history_instructions", "creator_notes"] as const) expect(d[f].length, `${id} ${f}`).toBeGreaterThan(10);
      expect(d.first_mes).toMatch(HAN);
      expect(d.system_prompt).toContain("{{original}}");
      expect(d.alternate_greetings.some((g) => HAN.test(g)) && d.alternate_greetings.some((g) => !HAN.test(g))).toBe(true);
      expect([d.creator, d.character_version, d.group_only_greetings]).toEqual(["Flywheel", "1.0", []]);
      expect(typeof d.creation_date === "number" && typeof d.modification_date === "number").toBe(true);
      expect(d.tags.length).toBeGreaterThan(2);
      const entries = d.character_book!.entries;
      expect(entries.length).toBeGreaterThanOrEqual(3);
      expect(entries.length).toBeLessThanOrEqual(5);
      for (const e of entries) expect(e.keys.some((k) => HAN.test(k)) && e.keys.some((k) => !HAN.test(k)), `${id} lore keys ${e.keys}`).toBe(true);
      expect(fw.music.genres.length).toBeGreaterThan(0);
      for (const g of fw.music.genres) expect(GENRES).toContain(g);

      for (const lang of ["zh", "en"] as const) {
        const bank = fw.style[lang]!;
        expect(Object.keys(bank).sort()).toEqual([...INTENT_KEYS].sort());
        for (const intent of INTENT_KEYS)
          for (const line of bank[intent]) {
            expect(bank[intent].length, `${id} ${lang} ${intent}`).toBeGreaterThanOrEqual(4);
            // Each slot only where the engine fills it; zh lines in Chinese, en lines without it.
            const slots = line.match(/\{\{\w+\}\}/g) ?? [];
            expect(slots, `${id} ${lang} ${intent}: ${line}`).toEqual(SLOTS[intent] ? expect.arrayContaining([SLOTS[intent]]) : []);
            for (const s of slots) expect(s).toBe(SLOTS[intent]);
            expect(HAN.test(line.replace(/[《》]/g, "")), `${id} ${lang}: ${line}`).toBe(lang === "zh");
            expect(line).not.toMatch(/我是(真|活生生的)?人[，。！]|I'?m (a )?(real )?(human|person)\b|I am (a )?(real )?(human|person)\b/i);
          }
        expect(bank.self_intro.some((l) => /AI/.test(l)), `${id} ${lang} self_intro says it is an AI`).toBe(true);
      }

      const blocks = d.mes_example.split("<START>").map((b) => b.trim()).filter(Boolean);
      for (const b of blocks) {
        const lines = b.split("\n");
        for (const l of lines) expect(l, `${id} example line`).toMatch(/^\{\{(user|char)\}\}: \S/);
        expect(lines.filter((l) => l.startsWith("{{user}}")).length).toBeGreaterThanOrEqual(1);
        expect(lines.filter((l) => l.startsWith("{{char}}")).length).toBeGreaterThanOrEqual(1);
      }
      expect(blocks.filter((b) => HAN.test(b)).length, `${id} zh examples`).toBeGreaterThanOrEqual(3);
      expect(blocks.filter((b) => !HAN.test(b)).length, `${id} en examples`).toBeGreaterThanOrEqual(3);
    }
  });

  it("a built-in exported as a PNG card imports back with the same data, and its picture is reused on export", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "operator"]);
    const original = ok(await t.call("GET", "/v1/personas/nuannan", { key })).body;
    const png = await raw(t, "GET", "/v1/personas/nuannan/card.png", key);
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(png.headers.get("content-disposition")).toBe('attachment; filename="nuannan.png"');
    const cs = chunks(png.bytes);
    expect(cs.map((c) => c.type)).toEqual(["IHDR", "IDAT", "tEXt", "tEXt", "IEND"]);
    expect([cs[0]!.data.readUInt32BE(0), cs[0]!.data.readUInt32BE(4), cs[0]!.data[9]]).toEqual([128, 128, 6]);
    expect(inflateSync(cs[1]!.data).length).toBe(128 * (1 + 128 * 4));
    const embedded = texts(png.bytes);
    expect(embedded["ccv3"]).toEqual(original);
    expect(embedded["chara"]).toMatchObject({ spec: "chara_card_v2", spec_version: "2.0", data: { name: "Nuannan", extensions: { flywheel: original.data.extensions.flywheel } } });

    // Under its own id: a built-in's is taken.
    expectEnvelope(await importPng(t, key, png.bytes), 409, "conflict");
    const imported = ok(await importPng(t, key, png.bytes, "?id=nuannan-copy"));
    expect(imported.body).toMatchObject({ id: "nuannan-copy", model: "persona:nuannan-copy", nameZh: "暖男", builtin: false });
    const back = ok(await t.call("GET", "/v1/personas/nuannan-copy", { key })).body;
    expect(back.data.extensions.flywheel.id).toBe("nuannan-copy");
    const same = structuredClone(original);
    same.data.extensions.flywheel.id = "nuannan-copy";
    expect(back).toEqual(same);

    const again = await raw(t, "GET", "/v1/personas/nuannan-copy/card.png", key);
    expect(again.headers.get("content-disposition")).toBe('attachment; filename="nuannan-copy.png"');
    expect(chunks(again.bytes).filter((c) => c.type !== "tEXt")).toEqual(cs.filter((c) => c.type !== "tEXt"));
    expect(texts(again.bytes)["ccv3"]).toEqual(back);
    expect(ok(await t.call("GET", "/v1/personas", { key })).body.personas.map((p: any) => p.id)).toEqual([...Object.keys(BUILTINS), "nuannan-copy"]);
    // Another workspace does not see it.
    expectEnvelope(await t.call("GET", "/v1/personas/nuannan-copy", { key: t.key("other", ["generate"]) }), 404, "not_found");
  });

  it("a SillyTavern V2 PNG imports with its lorebook and unknown extensions, which survive export as V2, V3 and PNG", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "operator"]);
    const png = tinyPng(chunk("tIME", Buffer.from([7, 234, 12, 3, 10, 0, 0])), text("chara", b64(stCard)));
    const r = ok(await importPng(t, key, png));
    expect(r.body).toMatchObject({ id: "seraphina", name: "Seraphina", nameZh: null, tone: "neutral", builtin: false });
    const v2 = ok(await t.call("GET", "/v1/personas/seraphina?spec=v2", { key })).body;
    const v3 = ok(await t.call("GET", "/v1/personas/seraphina", { key })).body;
    expect(v2.spec).toBe("chara_card_v2");
    expect(v3.spec).toBe("chara_card_v3");
    for (const card of [v2, v3]) {
      expect(card.data.extensions).toMatchObject(stCard.data.extensions);
      expect(card.data.extensions.flywheel).toEqual({ id: "seraphina" });
      expect(card.data.character_book).toMatchObject(stCard.data.character_book);
      expect(card.data).toMatchObject({ first_mes: stCard.data.first_mes, mes_example: stCard.data.mes_example, creator: "someone", tags: ["fantasy"] });
    }
    const out = await raw(t, "GET", "/v1/personas/seraphina/card.png", key);
    // The uploaded picture (its pixels and other chunks), with only the card chunks rewritten.
    expect(chunks(out.bytes).filter((c) => c.type !== "tEXt")).toEqual(chunks(png).filter((c) => c.type !== "tEXt"));
    const embedded = texts(out.bytes);
    expect(embedded["chara"]).toEqual(v2);
    expect(embedded["ccv3"]).toEqual(v3);

    // ccv3 wins over chara when both are present.
    const both = tinyPng(text("chara", b64({ ...stCard, data: { ...stCard.data, name: "Old" } })), text("ccv3", b64({ spec: "chara_card_v3", spec_version: "3.0", data: { ...stCard.data, name: "New", group_only_greetings: [] } })));
    expect(ok(await importPng(t, key, both)).body).toMatchObject({ id: "new", name: "New" });
  });

  it("a V1 (flat) JSON card imports, and exports as a PNG with a generated picture; our V2 export keeps extensions.flywheel", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "operator"]);
    const v1 = { name: "Aria Lin", description: "A night-shift radio host.", personality: "dry wit", scenario: "Late night radio.", first_mes: "You're on the air.", mes_example: "<START>\n{{user}}: Hi\n{{char}}: Hey, night owl." };
    expect(ok(await importJson(t, key, v1)).body).toMatchObject({ id: "aria-lin", name: "Aria Lin", builtin: false });
    const v3 = ok(await t.call("GET", "/v1/personas/aria-lin", { key })).body;
    expect(v3).toMatchObject({ spec: "chara_card_v3", data: { ...v1, group_only_greetings: [], extensions: { flywheel: { id: "aria-lin" } } } });
    const png = await raw(t, "GET", "/v1/personas/aria-lin/card.png", key);
    const cs = chunks(png.bytes);
    expect(inflateSync(cs.find((c) => c.type === "IDAT")!.data).length).toBe(128 * 513);
    expect(texts(png.bytes)["ccv3"]).toEqual(v3);

    const ours = ok(await t.call("GET", "/v1/personas/mengmeizi", { key })).body;
    const v2 = ok(await t.call("GET", "/v1/personas/mengmeizi?spec=v2", { key })).body;
    expect([v2.spec, v2.spec_version]).toEqual(["chara_card_v2", "2.0"]);
    expect(v2.data.extensions.flywheel).toEqual(ours.data.extensions.flywheel);
    expect(v2.data.character_book).toEqual(ours.data.character_book);
    for (const f of ["group_only_greetings", "creation_date", "modification_date", "nickname", "assets"]) expect(v2.data).not.toHaveProperty(f);
    expectEnvelope(await t.call("GET", "/v1/personas/mengmeizi?spec=v9", { key }), 400, "validation_failed");
  });

  it("refuses bad files and cards with a 4xx naming the problem", async () => {
    const t = setup();
    const key = t.key("acme", ["generate", "operator"]);
    const good = tinyPng(text("chara", b64(stCard)));
    expectEnvelope(await importPng(t, key, new TextEncoder().encode("hello, not a png")), 400, "bad_request");
    expectEnvelope(await importPng(t, key, good.slice(0, good.length - 20)), 400, "bad_request");
    const corrupt = good.slice();
    corrupt[44] = corrupt[44]! ^ 0xff; // inside IDAT's data (it starts at byte 41): its CRC no longer matches
    expectEnvelope(await importPng(t, key, corrupt), 400, "bad_request");
    const none = await importPng(t, key, tinyPng(text("Comment", "just a picture")));
    expectEnvelope(none, 400, "bad_request");
    expect(none.body.error.message).toMatch(/chara/);
    expectEnvelope(await importPng(t, key, tinyPng(text("chara", "%%% not base64 %%%"))), 400, "bad_request");

    const bad = await importJson(t, key, { spec: "chara_card_v3", spec_version: "3.0", data: { name: 5, tags: "x" } });
    expectEnvelope(bad, 400, "validation_failed");
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(["data.name", "data.tags"]));
    const badTone = await importJson(t, key, { ...stCard, data: { ...stCard.data, extensions: { flywheel: { id: "x", tone: "angry" } } } });
    expectEnvelope(badTone, 400, "validation_failed");
    expect(badTone.body.error.details.map((d: any) => d.path)).toContain("data.extensions.flywheel.tone");
    const badId = await importJson(t, key, { ...stCard, data: { ...stCard.data, extensions: { flywheel: { id: "Not An Id" } } } });
    expectEnvelope(badId, 400, "validation_failed");
    expect(badId.body.error.details[0].path).toBe("id");
    expectEnvelope(await importJson(t, key, stCard, "?id=Bad_Id"), 400, "validation_failed");
    expectEnvelope(await raw(t, "POST", "/v1/personas", key, '{"name":', "application/json"), 400, "malformed_json");
    for (const junk of ["null", "[]", '"x"', "1e999"]) expectEnvelope(await raw(t, "POST", "/v1/personas", key, junk, "application/json"), 400);
    expectEnvelope(await raw(t, "POST", "/v1/personas", key, "name: Aria", "text/plain"), 415, "unsupported_media_type");
    expectEnvelope(await raw(t, "POST", "/v1/personas", key, good), 415, "unsupported_media_type");
    expectEnvelope(await importPng(t, key, new Uint8Array(8 * 1024 * 1024 + 1)), 413, "payload_too_large");

    // Ids: a built-in's is a 409; a second import is a 409 until replace=true.
    expectEnvelope(await importJson(t, key, stCard, "?id=nuannan"), 409, "conflict");
    ok(await importJson(t, key, stCard));
    const dup = await importPng(t, key, good);
    expectEnvelope(dup, 409, "conflict");
    expect(dup.body.error.details).toMatchObject({ reason: "exists", id: "seraphina" });
    const renamed = { ...stCard, data: { ...stCard.data, description: "Replaced." } };
    ok(await importJson(t, key, renamed, "?replace=true"));
    expect(ok(await t.call("GET", "/v1/personas/seraphina", { key })).body.data.description).toBe("Replaced.");

    expectEnvelope(await t.call("GET", "/v1/personas/nobody", { key }), 404, "not_found");
    expectEnvelope(await raw(t, "GET", "/v1/personas/nobody/card.png", key), 404, "not_found");
    expectEnvelope(await t.call("DELETE", "/v1/personas/nobody", { key }), 404, "not_found");
    expectEnvelope(await t.call("DELETE", "/v1/personas/nuannan", { key }), 409, "conflict");
    expect(ok(await t.call("DELETE", "/v1/personas/seraphina", { key })).body).toEqual({ id: "seraphina", deleted: true });
    expectEnvelope(await t.call("GET", "/v1/personas/seraphina", { key }), 404, "not_found");
  });

  it("only an operator key imports or deletes: not a generate key, not an end-user token", async () => {
    const t = setup();
    const generate = t.key("acme", ["generate"]);
    const operator = t.key("acme", ["operator"]);
    const token = (await t.call("POST", "/v1/end-users/alice/tokens", { key: generate, body: {} })).body.token as string;
    for (const key of [generate, token]) {
      expectEnvelope(await importJson(t, key, stCard), 403, "forbidden");
      expectEnvelope(await importPng(t, key, tinyPng(text("chara", b64(stCard)))), 403, "forbidden");
    }
    ok(await importJson(t, operator, stCard));
    expectEnvelope(await t.call("DELETE", "/v1/personas/seraphina", { key: token }), 403, "forbidden");
    expectEnvelope(await t.call("DELETE", "/v1/personas/seraphina", { key: generate }), 403, "forbidden");
    expectEnvelope(await t.call("GET", "/v1/personas", {}), 401, "unauthorized");
  });

  it("the OpenAPI document describes the persona routes", async () => {
    const t = setup();
    const doc = ok(await t.call("GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/personas"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/v1/personas/{id}"]).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(doc.paths["/v1/personas/{id}/card.png"].get.responses["200"].content)).toEqual(["image/png"]);
    expect(Object.keys(doc.paths["/v1/personas"].post.requestBody.content).sort()).toEqual(["application/json", "image/png"]);
    expect(doc.components.schemas.CharacterCardV3).toBeDefined();
    expect(doc.paths["/v1/personas"].post.parameters.map((p: any) => p.name).sort()).toEqual(["id", "replace"]);
  });
});
