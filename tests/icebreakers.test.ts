import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../db/node.ts";
import type { Scope } from "../db/schema/index.ts";
import { silentLogger } from "../lib/log.ts";
import { repoPrompts } from "../lib/promptFiles.ts";
import type { Prompts } from "../lib/prompts.ts";
import { createApp } from "../server/app.ts";
import { nodeDocsAssets } from "../server/docsAssets.ts";
import type { Ctx } from "../tools/context.ts";
import { refreshTastes } from "../tools/icebreakers/tastes.ts";
import { createKey } from "../tools/keys/index.ts";
import { ensureWorkspace } from "../tools/workspaces/index.ts";
import { NOW, callResult, expectEnvelope, jsonInit, type Call, type CallOptions } from "./helpers.ts";

/**
 * The built-in persona cards may not be there yet: without their index, the library would fail to
 * list them. The tests' personas are imported cards of their own, so they never depend on a
 * built-in card's text, only on the tone a card declares.
 */
const prompts: Prompts = {
  text(path) {
    try {
      return repoPrompts.text(path);
    } catch (e) {
      if (path === "personas/index.json") return '{"cards":[]}';
      throw e;
    }
  },
};

function setup() {
  const db = openDb();
  const now = () => NOW;
  const app = createApp({ db, now, prompts, docsAssets: nodeDocsAssets });
  const ctx = (ws: string): Ctx => ({ db, workspaceId: ensureWorkspace(db, ws, NOW).id, now, log: silentLogger, prompts });
  const key = (ws: string, scopes: Scope[] = ["ingest", "operator", "admin", "generate"]) => createKey(ctx(ws), { scopes }).key;
  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<Call> => callResult(await app.request(path, jsonInit(method, opts)));
  const rows = (sql: string, ...params: unknown[]) => db.$client.prepare(sql).all(...params) as any[];
  return { db, ctx, key, call, rows };
}

const t = setup();
const KEY = t.key("ice");
let n = 0;
/** `count` plays of one (genre, artist) by a user, each a new event. */
const plays = (userId: string, genre: unknown, artist: unknown, count: number, name = "play_song") =>
  Array.from({ length: count }, () => ({ id: `e${++n}`, userId, name, timestamp: "2026-11-24T10:00:00Z", properties: { song_id: `s${n}`, genre, artist } }));

async function ingest(events: unknown[]) {
  const r = await t.call("POST", "/v1/events", { key: KEY, body: { events } });
  expect(r.status).toBe(200);
  return r.body;
}
const identify = (userId: string, traits: Record<string, unknown>) => t.call("POST", "/v1/identify", { key: KEY, body: { userId, traits } });
const matches = (id: string, query = "", key = KEY) => t.call("GET", `/v1/users/${encodeURIComponent(id)}/matches${query}`, { key });
const lines = (body: Record<string, unknown>, key = KEY) => t.call("POST", "/v1/icebreakers", { key, body });

/** user_tastes, and the same counts recomputed from the stored events: they must be equal. */
function tastesAndRecount() {
  const stored = t.rows("SELECT user_id, kind, value, plays FROM user_tastes ORDER BY 1, 2, 3");
  const recount = t.rows(
    `SELECT user_id, kind, value, plays FROM (
       SELECT user_id, 'genre' AS kind, lower(trim(properties ->> '$.genre')) AS value, count(*) AS plays FROM events
       WHERE name = 'play_song' AND json_type(properties, '$.genre') = 'text' AND trim(properties ->> '$.genre') <> '' GROUP BY 1, 3
       UNION ALL
       SELECT user_id, 'artist', trim(properties ->> '$.artist'), count(*) FROM events
       WHERE name = 'play_song' AND json_type(properties, '$.artist') = 'text' AND trim(properties ->> '$.artist') <> '' GROUP BY 1, 3)
     ORDER BY 1, 2, 3`,
  );
  return { stored, recount };
}

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));

function importPersona(id: string, tone: string) {
  const card = { spec: "chara_card_v3", spec_version: "3.0", data: { name: `Test ${tone}`, extensions: { flywheel: { id, tone } } } };
  t.db.$client.prepare("INSERT INTO personas (workspace_id, id, card, created_at, updated_at) VALUES (?, ?, ?, 0, 0)").run(t.ctx("ice").workspaceId, id, JSON.stringify(card));
}

beforeAll(async () => {
  await ingest([
    // alice: rock 4 (Beyond), folk 2 (赵雷); bob listens exactly like her.
    ...plays("alice", "rock", "Beyond", 4),
    ...plays("alice", "folk", "赵雷", 2),
    ...plays("bob", "Rock", "Beyond", 4),
    ...plays("bob", "folk ", "赵雷", 2),
    // carol: rock 2 (Beyond 1, Cui Jian 1), jazz 2 (Norah Jones).
    ...plays("carol", "rock", "Beyond", 1),
    ...plays("carol", "rock", "Cui Jian", 1),
    ...plays("carol", "jazz", "Norah Jones", 2),
    // dave shares only the jazz genre with carol, and nothing with alice.
    ...plays("dave", "jazz", "Chet Baker", 3),
    // erin listens like alice but never opted in.
    ...plays("erin", "rock", "Beyond", 4),
    ...plays("erin", "folk", "赵雷", 2),
    // Not plays, or no text genre: never tastes.
    ...plays("alice", "jazz", "Norah Jones", 5, "like"),
    ...plays("alice", 7, null, 2),
  ]);
  for (const u of ["alice", "bob", "dave", "frank"]) expect((await identify(u, { icebreakers_opt_in: true })).status).toBe(200);
  await identify("carol", { icebreakers_opt_in: "true" });
  await identify("erin", { icebreakers_opt_in: false });
  await identify("dave", { language: "en" });
  importPersona("test-warm", "warm");
  importPersona("test-rock", "rock");
});

describe("matches", () => {
  it("ranks identical taste first, with cosine scores as computed by hand", async () => {
    const r = await matches("alice");
    expect(r.status).toBe(200);
    expect(r.body.userId).toBe("alice");
    expect(r.body.matches.map((m: any) => m.userId)).toEqual(["bob", "carol"]);
    const [bob, carol] = r.body.matches;
    expect(bob.score).toBe(1);
    // Genres [rock, folk, jazz]: alice [4, 2, 0], carol [2, 0, 2]; artists [Beyond, 赵雷, Cui Jian, Norah Jones]: [4, 2, 0, 0] and [1, 0, 1, 2].
    const expected = 0.6 * cos([4, 2, 0], [2, 0, 2]) + 0.4 * cos([4, 2, 0, 0], [1, 0, 1, 2]);
    expect(carol.score).toBe(Math.round(expected * 1000) / 1000);
    expect(carol.score).toBe(0.526);
    expect(bob.sharedGenres).toEqual([
      { genre: "rock", plays: { you: 4, them: 4 } },
      { genre: "folk", plays: { you: 2, them: 2 } },
    ]);
    expect(bob.sharedArtists.map((a: any) => a.artist)).toEqual(["Beyond", "赵雷"]);
    expect(carol.sharedGenres).toEqual([{ genre: "rock", plays: { you: 4, them: 2 } }]);
    expect(carol.sharedArtists).toEqual([{ artist: "Beyond", plays: { you: 4, them: 1 } }]);
    expect(carol.reason.zh).toContain("摇滚");
    expect(carol.reason.zh).toContain("Beyond");
    expect(carol.reason.en).toContain("rock");
    expect(bob.reason.en).toContain("rock and folk");
  });

  it("shares are truly shared, and nobody not opted in or without plays is ever matched", async () => {
    for (const u of ["alice", "bob", "carol", "dave"]) {
      const r = await matches(u, "?minScore=0&limit=50");
      const ids = r.body.matches.map((m: any) => m.userId);
      expect(ids).not.toContain("erin");
      expect(ids).not.toContain("frank");
      expect(ids).not.toContain(u);
      for (const m of r.body.matches) {
        for (const g of m.sharedGenres) {
          const both = t.rows("SELECT count(*) AS c FROM user_tastes WHERE kind = 'genre' AND value = ? AND user_id IN (?, ?) AND plays > 0", g.genre, u, m.userId);
          expect(both[0].c).toBe(2);
        }
        for (const a of m.sharedArtists) {
          const both = t.rows("SELECT plays FROM user_tastes WHERE kind = 'artist' AND value = ? AND user_id IN (?, ?) ORDER BY user_id = ? DESC", a.artist, u, m.userId, u);
          expect(both.map((x: any) => x.plays)).toEqual([a.plays.you, a.plays.them]);
        }
      }
    }
    expect((await matches("dave")).body.matches.map((m: any) => m.userId)).toEqual(["carol"]);
    expect((await matches("frank")).body.matches).toEqual([]);
  });

  it("honours limit and minScore", async () => {
    expect((await matches("alice", "?limit=1")).body.matches.map((m: any) => m.userId)).toEqual(["bob"]);
    expect((await matches("alice", "?minScore=0.6")).body.matches.map((m: any) => m.userId)).toEqual(["bob"]);
  });

  it("does not collide with the profile route", async () => {
    const profile = await t.call("GET", "/v1/users/alice", { key: KEY });
    expect(profile.status).toBe(200);
    expect(profile.body.traits.icebreakers_opt_in).toBe(true);
    expect(profile.body.matches).toBeUndefined();
    expect((await matches("alice")).body.matches).toBeInstanceOf(Array);
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await t.call("GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/users/{id}/matches"])).toEqual(["get"]);
    expect(doc.paths["/v1/icebreakers"].post.requestBody.content["application/json"].schema.$ref).toContain("IcebreakerInput");
  });

  it("refuses unknown users, users not opted in, and bad queries", async () => {
    expectEnvelope(await matches("nobody"), 404, "not_found");
    const r = await matches("erin");
    expectEnvelope(r, 403, "forbidden");
    expect(r.body.error.message).toContain("icebreakers_opt_in");
    for (const q of ["?limit=0", "?limit=51", "?limit=x", "?minScore=-0.1", "?minScore=1.5", "?other=1"]) expectEnvelope(await matches("alice", q), 400);
  });
});

describe("icebreakers", () => {
  it("cites the shared artist in three distinct lines, the same for the same pair", async () => {
    const r = await lines({ userId: "alice", matchId: "carol" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ interest: { kind: "artist", value: "Beyond" }, persona: null, language: "zh", model: "offline-icebreakers" });
    expect(r.body.lines).toHaveLength(3);
    expect(new Set(r.body.lines).size).toBe(3);
    for (const l of r.body.lines) {
      expect(l).toContain("Beyond");
      expect(l).not.toContain("{{");
      expect(l).toMatch(/[\u4e00-\u9fff]/);
    }
    expect((await lines({ userId: "alice", matchId: "carol" })).body.lines).toEqual(r.body.lines);
    const en = await lines({ userId: "alice", matchId: "carol", language: "en" });
    expect(en.body.language).toBe("en");
    for (const l of en.body.lines) expect(l).toContain("Beyond");
    expect(en.body.lines).not.toEqual(r.body.lines);
  });

  it("cites a shared genre by its name in the language, which defaults to the user's trait", async () => {
    const en = await lines({ userId: "dave", matchId: "carol" });
    expect(en.body).toMatchObject({ interest: { kind: "genre", value: "jazz" }, language: "en" });
    expect(new Set(en.body.lines).size).toBe(3);
    for (const l of en.body.lines) expect(l).toContain("jazz");
    const zh = await lines({ userId: "dave", matchId: "carol", language: "zh" });
    for (const l of zh.body.lines) expect(l).toContain("爵士");
  });

  it("takes the persona's tone", async () => {
    const plain = (await lines({ userId: "alice", matchId: "bob" })).body;
    const warm = (await lines({ userId: "alice", matchId: "bob", personaId: "test-warm" })).body;
    const rock = (await lines({ userId: "alice", matchId: "bob", personaId: "test-rock" })).body;
    expect(warm.persona).toBe("test-warm");
    for (const set of [plain, warm, rock]) for (const l of set.lines) expect(l).toContain("Beyond");
    const all = [...plain.lines, ...warm.lines, ...rock.lines];
    expect(new Set(all).size).toBe(9);
    expectEnvelope(await lines({ userId: "alice", matchId: "bob", personaId: "no-such" }), 404);
  });

  it("refuses pairs that are no match, and bad bodies", async () => {
    const none = await lines({ userId: "alice", matchId: "dave" });
    expectEnvelope(none, 409, "conflict");
    expect(none.body.error.message).toContain("share no genre or artist");
    expectEnvelope(await lines({ userId: "alice", matchId: "erin" }), 404);
    expectEnvelope(await lines({ userId: "alice", matchId: "nobody" }), 404);
    expectEnvelope(await lines({ userId: "erin", matchId: "alice" }), 403, "forbidden");
    expectEnvelope(await lines({ userId: "alice", matchId: "alice" }), 400);
    expectEnvelope(await lines({ userId: "alice", matchId: "bob", language: "fr" }), 400);
    expectEnvelope(await lines({ userId: "alice", matchId: "bob", extra: 1 }), 400);
    expectEnvelope(await lines({ userId: "alice" }), 400);
  });

  it("an end-user token acts for its own user only", async () => {
    const token = (await t.call("POST", "/v1/end-users/alice/tokens", { key: KEY, body: {} })).body.token as string;
    expect((await matches("alice", "", token)).status).toBe(200);
    expectEnvelope(await matches("bob", "", token), 403, "forbidden");
    expect((await lines({ userId: "alice", matchId: "bob" }, token)).status).toBe(200);
    expectEnvelope(await lines({ userId: "bob", matchId: "alice" }, token), 403, "forbidden");
  });
});

describe("the taste rollup", () => {
  it("counts later plays exactly once", async () => {
    await matches("alice");
    const first = tastesAndRecount();
    expect(first.stored).toEqual(first.recount);
    const more = [...plays("alice", "jazz", "Norah Jones", 3), ...plays("bob", "rock", "Beyond", 2)];
    await ingest(more);
    await ingest(more); // resent: duplicates, no new plays
    await matches("alice");
    await matches("bob");
    const after = tastesAndRecount();
    expect(after.stored).toEqual(after.recount);
    expect(t.rows("SELECT plays FROM user_tastes WHERE user_id = 'alice' AND kind = 'artist' AND value = 'Norah Jones'")[0].plays).toBe(3);
  });

  it("folds a backlog in bounded steps to the same counts", async () => {
    const ctx = t.ctx("ice");
    await ingest([...plays("gina", "pop", "Faye Wong", 5), ...plays("alice", "pop", "Faye Wong", 4)]);
    let steps = 0;
    while (!refreshTastes(ctx, 2).caughtUp) steps++;
    expect(steps).toBeGreaterThan(1);
    const r = tastesAndRecount();
    expect(r.stored).toEqual(r.recount);
  });

  it("a merge moves tastes, folded or not yet", async () => {
    await ingest(plays("hank", "electronic", "Daft Punk", 2));
    await matches("alice"); // folds hank's first plays
    await ingest(plays("hank", "electronic", "Daft Punk", 1)); // not folded yet
    const r = await t.call("POST", "/v1/alias", { key: KEY, body: { previousId: "hank", userId: "bob" } });
    expect(r.status).toBe(200);
    expect(t.rows("SELECT * FROM user_tastes WHERE user_id = 'hank'")).toEqual([]);
    await matches("bob");
    expect(t.rows("SELECT plays FROM user_tastes WHERE user_id = 'bob' AND kind = 'genre' AND value = 'electronic'")[0].plays).toBe(3);
    const after = tastesAndRecount();
    expect(after.stored).toEqual(after.recount);
  });

  it("deleting a user removes their tastes and persona chats, and later plays are still folded", async () => {
    const ws = t.ctx("ice").workspaceId;
    const sql = t.db.$client;
    for (const [chat, user] of [["c1", "erin"], ["c2", "alice"]] as const) {
      sql.prepare("INSERT INTO persona_chats (workspace_id, id, user_id, persona_id, session_started_at, last_message_at, created_at) VALUES (?, ?, ?, 'test-warm', 0, 0, 0)").run(ws, chat, user);
      sql.prepare("INSERT INTO persona_messages (workspace_id, chat_id, role, content, meta, created_at) VALUES (?, ?, 'user', 'hi', '{}', 0), (?, ?, 'assistant', 'hello', '{}', 0)").run(ws, chat, ws, chat);
      sql.prepare("INSERT INTO persona_memories (workspace_id, id, user_id, persona_id, text, source, created_at, updated_at) VALUES (?, ?, ?, 'test-warm', 'likes rock', 'user', 0, 0)").run(ws, `m-${chat}`, user);
    }
    // erin's plays are the newest events, so their seqs are handed out again after the deletion.
    await ingest(plays("erin", "classical", "Yo-Yo Ma", 3));
    await matches("alice");
    const r = await t.call("DELETE", "/v1/users/erin", { key: KEY });
    expect(r.status).toBe(200);
    expect(r.body.deleted).toMatchObject({ tastes: 6, personaChats: 1, personaMessages: 2, personaMemories: 1 });
    expect(t.rows("SELECT * FROM user_tastes WHERE user_id = 'erin'")).toEqual([]);
    expect(t.rows("SELECT user_id FROM persona_chats")).toEqual([{ user_id: "alice" }]);
    expect(t.rows("SELECT chat_id FROM persona_messages")).toEqual([{ chat_id: "c2" }, { chat_id: "c2" }]);
    expect(t.rows("SELECT user_id FROM persona_memories")).toEqual([{ user_id: "alice" }]);
    await ingest(plays("alice", "classical", "Yo-Yo Ma", 2));
    await matches("alice");
    const after = tastesAndRecount();
    expect(after.stored).toEqual(after.recount);
    expect(t.rows("SELECT plays FROM user_tastes WHERE user_id = 'alice' AND value = 'Yo-Yo Ma'")[0].plays).toBe(2);
  });
});
