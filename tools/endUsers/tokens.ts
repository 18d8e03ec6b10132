import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import type { Db } from "../../db/sql.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import { platformSecret } from "../platform/secrets.ts";

/**
 * End-user tokens (the pattern chat SDKs use): an app's backend, holding a `generate` key, mints a
 * short-lived token for one of its users, and the user's device calls the song, chat, balance and
 * referral routes with it, for that user only. A token is an HS256 JWT signed with the deployment's
 * own key, so any process that holds the key can check it without a lookup; it cannot be revoked
 * before it expires, which is why it is short-lived.
 */
const ISSUER = "flywheel";
const AUDIENCE = "flywheel:end-user";
const KEY_NAME = "end_user_token_key";

export const MintTokenInput = z
  .strictObject({
    ttlSeconds: z.number().int().min(60).max(86_400).default(3600).meta({ description: "How long the token is valid (60 s – 24 h, default 1 h). 有效期（秒）" }),
  })
  .meta({ id: "MintEndUserTokenInput" });

export const EndUserToken = z.object({
  token: z.string(),
  userId: z.string(),
  workspaceId: z.number(),
  expiresAt: z.string(),
});

export type EndUserClaims = { workspaceId: number; userId: string; tokenId: string; expiresAt: number };

/** JWTs start with the base64 of '{"': the one shape an API key (fw_…) never has. */
export const looksLikeEndUserToken = (secret: string) => secret.startsWith("eyJ") && secret.split(".").length === 3;

// Read once per database: every request made with a token checks it.
const keys = new WeakMap<Db, Uint8Array>();
function keyOf(db: Db): Uint8Array {
  let k = keys.get(db);
  if (!k) keys.set(db, (k = new TextEncoder().encode(platformSecret(db, KEY_NAME, () => randomToken(64)))));
  return k;
}

export async function mintEndUserToken(db: Db, workspaceId: number, userId: string, ttlSeconds: number, now: Date): Promise<z.infer<typeof EndUserToken>> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT({ ws: workspaceId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(userId)
    .setJti(newId("eut"))
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyOf(db));
  return { token, userId, workspaceId, expiresAt: new Date(exp * 1000).toISOString() };
}

/** The token's claims, or undefined for a token that is forged, expired, or not ours. */
export async function verifyEndUserToken(db: Db, token: string, now: Date): Promise<EndUserClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, keyOf(db), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], currentDate: now });
    const ws = payload.ws;
    if (typeof ws !== "number" || !Number.isInteger(ws) || typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.exp !== "number") return undefined;
    return { workspaceId: ws, userId: payload.sub, tokenId: payload.jti, expiresAt: payload.exp * 1000 };
  } catch {
    return undefined;
  }
}
