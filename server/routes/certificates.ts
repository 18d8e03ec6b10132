import { createRoute, z } from "@hono/zod-openapi";
import { KEYS_PATH, VerifyInput, certificateOf, certificateView, certify, verifyCertificate, type CertificateSigner } from "../../tools/certificates/issue.ts";
import { songRow, visibleSong } from "../../tools/songs/service.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { errorResponses } from "../errors.ts";
import { limitBody } from "../middleware/bodyLimit.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Json = z.record(z.string(), z.unknown());
export const VERIFY_PATH = "/v1/certificates/verify";

/** Keyless, so bounded: a certificate and the four files of a 180 s song, base64 (the WAV is ~42 MB of it). */
const MAX_VERIFY_BODY = 48 * 1024 * 1024;

export function registerCertificates(app: Router, signer: CertificateSigner) {
  app.use(VERIFY_PATH, limitBody(MAX_VERIFY_BODY));
  const route = routesFor("certificates", "generate", { endUsers: true });
  app.openapi(
    createRoute({
      ...route("post", "/v1/songs/{id}/certificate", "Certify a song's originality (原创认证) / 原创认证", {
        description:
          "A signed manifest (Ed25519 JWS) of the song's files (sha256), generator, seed and its melody's similarity to every earlier song of the workspace. One per song: asking again answers the first. Metered: one `certificate` credit.",
      }),
      request: { params: z.object({ id: z.string().min(1).max(64) }), ...jsonBody(z.strictObject({ requestId: z.string().min(1).max(128).optional() })) },
      responses: { ...ok(z.object({ certificate: Json.optional(), replay: z.boolean() }), "The certificate / 证书"), ...errorResponses },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const auth = c.get("auth");
      const song = songRow(ctx, c.req.valid("param").id);
      if (auth.endUserId && auth.endUserId !== song.userId) throw new ApiError(ErrorCode.NotFound, bi("歌曲不存在", `song ${song.id} not found`));
      const requestId = c.req.valid("json").requestId;
      return c.json(await certify(ctx, signer, song, { userId: song.userId, keyId: auth.keyId, ...(requestId ? { requestId } : {}) }), 200);
    },
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/certificates/{id}", "A certificate / 证书"), request: { params: z.object({ id: z.string().min(1).max(64) }) }, responses: { ...ok(Json, "The manifest and its JWS"), ...errorResponses } }),
    (c) => {
      const ctx = c.get("ctx");
      const cert = certificateOf(ctx, c.req.valid("param").id);
      // Seen by whoever may see its song.
      visibleSong(ctx, cert.songId, c.get("auth").endUserId);
      return c.json(certificateView(cert), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: VERIFY_PATH,
      summary: "Verify a certificate, and files against it (no key) / 验证证书",
      description: `No key needed. Checks the signature against the platform's public keys (${KEYS_PATH}) and each given file's sha256 against the manifest; any change to a byte of a file or of the manifest fails.`,
      tags: ["certificates"],
      request: jsonBody(VerifyInput),
      responses: { ...ok(Json, "valid, problems, the manifest and each file's result"), ...errorResponses },
    }),
    async (c) => c.json(await verifyCertificate(signer, c.req.valid("json")), 200),
  );
  app.get(KEYS_PATH, async (c) => {
    c.header("cache-control", "public, max-age=3600");
    return c.json(await signer.publicKeys());
  });
}
