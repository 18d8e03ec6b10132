import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { JWK } from "jose";
import { meteredAsync } from "../../billing/metered.ts";
import { atomic, stmt } from "../../db/sql.ts";
import { certificates } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import type { Ctx } from "../context.ts";
import { getWorkspace } from "../workspaces/index.ts";
import type { SongRow } from "../songs/service.ts";
import { AI_LABEL, GENERATOR } from "../songs/types.ts";
import { sha256Hex } from "../../lib/ids.ts";
import { verifyJws } from "./signing.ts";
import { mostSimilar } from "./similarity.ts";

/**
 * 原创认证: a manifest of the song's files (sha256), the generator and seed, and how close its
 * melody comes to every earlier song of the workspace, signed by the platform's Ed25519 key as a
 * compact JWS. Anyone can verify it, and the files against it, without an account.
 */
export type CertificateSigner = { sign(manifest: Record<string, unknown>): Promise<string>; publicKeys(): Promise<{ keys: JWK[] }> };

export const KEYS_PATH = "/.well-known/flywheel-certificate-keys.json";

export type CertificateRow = typeof certificates.$inferSelect;

export const certificateView = (row: CertificateRow) => ({
  id: row.id,
  songId: row.songId,
  userId: row.userId,
  similarity: row.similarity,
  manifest: row.manifest,
  certificate: row.jws,
  verifyAt: "/v1/certificates/verify",
  publicKeys: KEYS_PATH,
});

function existing(ctx: Ctx, songId: string) {
  return ctx.db.select().from(certificates).where(and(eq(certificates.workspaceId, ctx.workspaceId), eq(certificates.songId, songId))).get();
}

/** One certificate per song: asking again answers the first (and charges nothing). Metered as `certificate`. */
export async function certify(ctx: Ctx, signer: CertificateSigner, song: SongRow, who: { userId: string; keyId?: string; requestId?: string }) {
  const prior = existing(ctx, song.id);
  if (prior) return { certificate: certificateView(prior), replay: true };
  const r = await meteredAsync(ctx, "certificate", { userId: who.userId, ...(who.keyId ? { keyId: who.keyId } : {}), ...(who.requestId ? { requestId: who.requestId } : {}), params: { songId: song.id } }, async () => {
    const ws = getWorkspace(ctx.db, ctx.workspaceId);
    // Earlier = stored before it (rowid order: two songs can share a millisecond).
    const earlier = (
      stmt(ctx.db, "SELECT id, melody FROM songs WHERE workspace_id = ? AND rowid < (SELECT rowid FROM songs WHERE workspace_id = ? AND id = ?)").all(ctx.workspaceId, ctx.workspaceId, song.id) as {
        id: string;
        melody: string;
      }[]
    )
      // An extension contains its parent's melody by design: it is not compared with its own line.
      .filter((s) => s.id !== song.parentId)
      .map((s) => ({ id: s.id, melody: JSON.parse(s.melody) as number[] }));
    const sim = mostSimilar(song.melody, earlier);
    const id = newId("cert");
    const manifest = {
      type: "flywheel.originality-certificate",
      version: 1,
      certificateId: id,
      issuedAt: ctx.now().toISOString(),
      workspace: { id: ws.id, name: ws.name },
      song: { id: song.id, title: song.title, userId: song.userId, createdAt: new Date(song.createdAt).toISOString(), durationSec: song.durationSec, seed: song.seed },
      generator: GENERATOR,
      label: AI_LABEL,
      files: Object.fromEntries(Object.entries(song.files).map(([name, f]) => [name, { sha256: f.sha256, bytes: f.bytes }])),
      similarity: { method: "melody interval 4-gram containment", score: sim.score, mostSimilarSongId: sim.songId, comparedWith: sim.compared },
    };
    const jws = await signer.sign(manifest);
    const row = { workspaceId: ctx.workspaceId, id, songId: song.id, userId: song.userId, manifest, jws, similarity: sim.score, createdAt: ctx.now().getTime() };
    // A concurrent request for the same song loses on the unique index: its hold is released and it is told so.
    atomic(ctx.db, () => {
      if (existing(ctx, song.id)) throw new ApiError(ErrorCode.Conflict, bi("该歌曲正在认证或已认证", "this song was certified meanwhile: ask again for its certificate"));
      ctx.db.insert(certificates).values(row).run();
    });
    return certificateView(row);
  });
  return { certificate: r.result, replay: r.replay };
}

export function certificateOf(ctx: Ctx, id: string): CertificateRow {
  const row = ctx.db.select().from(certificates).where(and(eq(certificates.workspaceId, ctx.workspaceId), eq(certificates.id, id))).get();
  if (!row) throw notFound(`certificate ${id}`, "证书不存在");
  return row;
}

export const VerifyInput = z
  .strictObject({
    certificate: z.string().min(20).max(20_000).meta({ description: "The compact JWS. 证书（JWS）" }),
    files: z
      .partialRecord(z.enum(["audio.wav", "song.mid", "cover.svg", "lyrics.json"]), z.string().max(45_000_000).meta({ description: "base64" }))
      .optional()
      .meta({ description: "Files to check against the certificate, base64. 待校验文件" }),
  })
  .meta({ id: "VerifyCertificateInput" });

function fromBase64(s: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Checks the signature, then each file given against the hash the manifest signs. */
export async function verifyCertificate(signer: CertificateSigner, input: z.infer<typeof VerifyInput>) {
  const v = await verifyJws(input.certificate, (await signer.publicKeys()).keys);
  if (!v.ok) return { valid: false, problems: [v.reason], files: {} };
  const signed = (v.manifest.files ?? {}) as Record<string, { sha256: string }>;
  const files: Record<string, "match" | "mismatch" | "not_in_certificate" | "not_base64"> = {};
  for (const [name, b64] of Object.entries(input.files ?? {})) {
    const bytes = fromBase64(b64!);
    files[name] = !bytes ? "not_base64" : !signed[name] ? "not_in_certificate" : sha256Hex(bytes) === signed[name]!.sha256 ? "match" : "mismatch";
  }
  const problems = Object.entries(files)
    .filter(([, s]) => s !== "match")
    .map(([name, s]) => `${name}: ${s.replace(/_/g, " ")}`);
  return { valid: problems.length === 0, problems, kid: v.kid, manifest: v.manifest, files };
}
