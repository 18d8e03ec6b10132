import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HoldView } from "../../billing/holds.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { ReactionInput, react } from "../../tools/songs/reactions.ts";
import { CreateSongInput, createSong, listSongs, publishSong, songFile, songView, stemFile, unpublishSong, visibleSong, type SongDeps } from "../../tools/songs/service.ts";
import { TRACKS } from "../../tools/songs/types.ts";
import type { AppEnv } from "../env.ts";
import { errorResponses } from "../errors.ts";
import { requestUser } from "../middleware/auth.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Json = z.record(z.string(), z.unknown());
const SongParams = z.object({ id: z.string().min(1).max(64) });
const FileParams = SongParams.extend({ file: z.enum(["audio.wav", "song.mid", "cover.svg", "lyrics.json"]) });
const StemParams = SongParams.extend({ track: z.enum(TRACKS.map((t) => `${t}.wav`) as [`${(typeof TRACKS)[number]}.wav`, ...`${(typeof TRACKS)[number]}.wav`[]]) });
const ExtendInput = z
  .strictObject({
    addSec: z.number().int().min(10).max(120).default(30).meta({ description: "Seconds of new sections to add (default 30). 延长秒数" }),
    userId: z.string().min(1).max(128).optional(),
    requestId: z.string().min(1).max(128).optional(),
  })
  .meta({ id: "ExtendSongInput" });
const SongResult = z.object({ song: Json.optional(), hold: HoldView, replay: z.boolean() });
const binary = (type: string, what: string) => ({ 200: { description: what, content: { [type]: { schema: z.string().meta({ format: "binary" }) } } } });

/** An end user sees their own songs and published ones; a key sees every song of its workspace. */
const viewerOf = (c: Context<AppEnv>) => c.get("auth").endUserId;

const send = (c: Context<AppEnv>, f: { bytes: Uint8Array; contentType: string }) =>
  c.body(f.bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": f.contentType, "cache-control": "private, max-age=31536000, immutable" });

/** A song request is a few KB (lyrics ≤ 3,000 characters): anything far larger is refused unread. */
const MAX_SONG_BODY = 64 * 1024;

export function registerSongs(app: Router, deps: SongDeps) {
  const route = routesFor("songs", "generate", { endUsers: true });
  app.use("/v1/songs", limitBody(MAX_SONG_BODY));
  app.use("/v1/songs/*", limitBody(MAX_SONG_BODY));
  app.openapi(
    createRoute({
      ...route("post", "/v1/songs", "Make a song / 生成歌曲", {
        description:
          "Lyrics (offline composer, an LLM when configured, or yours), melody and chords, MIDI with word timings, a 44.1 kHz WAV with a sung voice, and an SVG cover; the same request and seed give the same files. Metered: one `song` credit (a free user's 4th song of a month is a 402 naming every way out).",
      }),
      request: jsonBody(CreateSongInput),
      responses: { ...ok(SongResult, "The song and the settled hold / 歌曲"), ...errorResponses },
    }),
    async (c) => {
      const { userId, requestId, ...request } = c.req.valid("json");
      const r = await createSong(c.get("ctx"), deps, { userId: requestUser(c, userId), keyId: c.get("auth").keyId, ...(requestId ? { requestId } : {}), request });
      return c.json(r, 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/songs", "A user's songs / 用户的歌曲", { description: "With an API key and no `userId`, the workspace's newest songs (for moderation). 不带 userId 时返回本工作区最新歌曲（审核用）" }),
      request: { query: z.object({ userId: z.string().min(1).max(128).optional() }) },
      responses: { ...ok(z.object({ songs: z.array(Json) }), "Newest first"), ...errorResponses },
    }),
    (c) => {
      const named = c.req.valid("query").userId;
      return c.json({ songs: listSongs(c.get("ctx"), c.get("auth").endUserId || named ? requestUser(c, named) : undefined) }, 200);
    },
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/songs/{id}", "A song: lyrics, timings, plan, links / 歌曲详情"), request: { params: SongParams }, responses: { ...ok(Json, "The song"), ...errorResponses } }),
    (c) => c.json(songView(c.get("ctx"), visibleSong(c.get("ctx"), c.req.valid("param").id, viewerOf(c))), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/songs/{id}/{file}", "A song's file: audio.wav, song.mid, cover.svg, lyrics.json / 歌曲文件"),
      request: { params: FileParams },
      responses: { ...binary("application/octet-stream", "The file, with its own content type"), ...errorResponses },
    }),
    async (c) => {
      const { id, file } = c.req.valid("param");
      return send(c, await songFile(c.get("ctx"), deps, visibleSong(c.get("ctx"), id, viewerOf(c)), file)) as never;
    },
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/songs/{id}/stems/{track}", "One track alone, as a WAV / 分轨"),
      request: { params: StemParams },
      responses: { ...binary("audio/wav", "lead, harmony, bass or drums, the song's length"), ...errorResponses },
    }),
    async (c) => {
      const { id, track } = c.req.valid("param");
      return send(c, await stemFile(c.get("ctx"), deps, visibleSong(c.get("ctx"), id, viewerOf(c)), track.slice(0, -4) as (typeof TRACKS)[number])) as never;
    },
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/songs/{id}/extend", "Extend a song with new sections / 续写", {
        description: "A new song: this one's lyrics followed by sections composed for the added time, same key, style and seed. Metered as a song.",
      }),
      request: { params: SongParams, ...jsonBody(ExtendInput) },
      responses: { ...ok(SongResult, "The extended song"), ...errorResponses },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const body = c.req.valid("json");
      const userId = requestUser(c, body.userId);
      const parent = visibleSong(ctx, c.req.valid("param").id, c.get("auth").endUserId ? userId : undefined);
      if (parent.userId !== userId) throw new ApiError(ErrorCode.Forbidden, bi("只能续写自己的歌曲", "only the song's creator can extend it"));
      if (parent.durationSec + body.addSec > 180) throw new ApiError(ErrorCode.ValidationFailed, bi("歌曲最长 180 秒", `a song is at most 180 s: ${parent.durationSec} + ${body.addSec} is too long`));
      const request = { ...(parent.request as never as z.infer<typeof CreateSongInput>), durationSec: parent.durationSec + body.addSec };
      return c.json(await createSong(ctx, deps, { userId, keyId: c.get("auth").keyId, ...(body.requestId ? { requestId: body.requestId } : {}), request }, parent), 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/songs/{id}/publish", "Publish a song / 发布"),
      request: { params: SongParams, ...jsonBody(z.strictObject({ userId: z.string().min(1).max(128).optional() })) },
      responses: { ...ok(Json, "The published song"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      // Another user's draft is a 404 to an end user, as everywhere: a 403 would tell the id exists.
      const row = visibleSong(ctx, c.req.valid("param").id, viewerOf(c));
      const userId = requestUser(c, c.req.valid("json").userId ?? (c.get("auth").endUserId ? undefined : row.userId));
      if (row.userId !== userId) throw new ApiError(ErrorCode.Forbidden, bi("只能发布自己的歌曲", "only the song's creator can publish it"));
      return c.json(publishSong(ctx, row), 200);
    },
  );
  app.openapi(
    createRoute({
      ...routesFor("songs", "operator")("post", "/v1/songs/{id}/unpublish", "Take a published song down / 下架", { description: "Moderation: the song is private again. Scope: operator." }),
      request: { params: SongParams },
      responses: { ...ok(Json, "The song, unpublished"), ...errorResponses },
    }),
    (c) => c.json(unpublishSong(c.get("ctx"), visibleSong(c.get("ctx"), c.req.valid("param").id, undefined)), 200),
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/songs/{id}/reactions", "Like, share or comment (一键三连) / 点赞分享评论", {
        description: "On a published song. Raises the creator's level: the `creator_level` trait on their profile, which segments can use.",
      }),
      request: { params: SongParams, ...jsonBody(ReactionInput) },
      responses: { ...ok(Json, "Whether it counted, the song's counts and the creator's level"), ...errorResponses },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const body = c.req.valid("json");
      return c.json(react(ctx, visibleSong(ctx, c.req.valid("param").id, viewerOf(c)), requestUser(c, body.userId), body), 200);
    },
  );
}
