import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

/**
 * AI songs (DESIGN §7). The files (WAV, MIDI, cover, lyrics) live in the blob store (a folder on
 * Node, R2 on Workers) — a 30 s WAV is past a Durable Object's 2 MB value limit — and a song row
 * keeps their keys and sha256 hashes, which certificates sign.
 */
export const songs = sqliteTable(
  "songs",
  {
    workspaceId: integer("workspace_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    title: text("title").notNull(),
    language: text("language").notNull(),
    style: text("style").notNull(),
    mood: text("mood").notNull(),
    seed: integer("seed").notNull(),
    durationSec: integer("duration_sec").notNull(),
    instrumental: integer("instrumental", { mode: "boolean" }).notNull(),
    /** The plan the user was on when it was made (free | member). */
    plan: text("plan").notNull(),
    /** The request as validated, so a song can be made again or extended. */
    request: text("request", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    lyrics: text("lyrics", { mode: "json" }).$type<unknown>().notNull(),
    /** Where the lyrics came from: offline composer, an LLM, or the user. */
    lyricsSource: text("lyrics_source").notNull(),
    /** Key, mode, tempo, sections and chords (the notes are in the MIDI file). */
    music: text("music", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    timings: text("timings", { mode: "json" }).$type<unknown[]>().notNull(),
    /** The melody as pitch intervals, for similarity against later songs. */
    melody: text("melody", { mode: "json" }).$type<number[]>().notNull(),
    files: text("files", { mode: "json" }).$type<Record<string, { key: string; sha256: string; bytes: number; contentType: string }>>().notNull(),
    parentId: text("parent_id"),
    holdId: text("hold_id"),
    keyId: text("key_id"),
    publishedAt: integer("published_at"),
    likes: integer("likes").notNull().default(0),
    shares: integer("shares").notNull().default(0),
    comments: integer("comments").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("songs_user").on(t.workspaceId, t.userId, t.createdAt), index("songs_created").on(t.workspaceId, t.createdAt)],
);

export const REACTION_KINDS = ["like", "share", "comment"] as const;

export const songReactions = sqliteTable(
  "song_reactions",
  {
    id: text("id").primaryKey(),
    workspaceId: integer("workspace_id").notNull(),
    songId: text("song_id").notNull(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: REACTION_KINDS }).notNull(),
    text: text("text"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    // One like per user and song; shares and comments may repeat.
    uniqueIndex("song_reactions_like").on(t.workspaceId, t.songId, t.userId).where(sql`kind = 'like'`),
    index("song_reactions_song").on(t.workspaceId, t.songId, t.createdAt),
  ],
);

export const certificates = sqliteTable(
  "certificates",
  {
    workspaceId: integer("workspace_id").notNull(),
    id: text("id").notNull(),
    songId: text("song_id").notNull(),
    userId: text("user_id").notNull(),
    manifest: text("manifest", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The compact JWS (EdDSA) over the canonical manifest. */
    jws: text("jws").notNull(),
    similarity: real("similarity").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("certificates_song").on(t.workspaceId, t.songId)],
);

/**
 * The deployment's own secrets, made on first use: the certificate signing key (Ed25519 JWK) and the
 * end-user token key. On Workers they live in the Directory object and are handed to the others.
 */
export const platformSecrets = sqliteTable("platform_secrets", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  createdAt: integer("created_at").notNull(),
});
