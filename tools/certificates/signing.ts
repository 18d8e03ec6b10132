import canonicalize from "canonicalize";
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { stmt, type Db } from "../../db/sql.ts";

/**
 * The platform's Ed25519 key for originality certificates: made on first use and kept with the
 * deployment's other secrets (on Workers, in the directory object, which signs for the workspaces
 * so the private key never leaves it). The public half is published as a JWKS.
 */
const KEY_NAME = "certificate_signing_key";
export const CERTIFICATE_TYPE = "flywheel-certificate+jws";

type StoredKey = { kid: string; jwk: JWK };

async function storedKey(db: Db): Promise<StoredKey> {
  const read = () => stmt(db, "SELECT value FROM platform_secrets WHERE name = ?").get(KEY_NAME) as { value: string } | undefined;
  const prior = read();
  if (prior) return JSON.parse(prior.value) as StoredKey;
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = `fw-cert-${jwk.x!.slice(0, 16)}`;
  // Made outside the statement (WebCrypto is async); the first writer wins, and everyone reads it back.
  stmt(db, "INSERT INTO platform_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING").run(KEY_NAME, JSON.stringify({ kid, jwk }), Date.now());
  return JSON.parse(read()!.value) as StoredKey;
}

/** The public keys as a JWKS document, for /.well-known/flywheel-certificate-keys.json. */
export async function publicKeys(db: Db): Promise<{ keys: JWK[] }> {
  const { kid, jwk } = await storedKey(db);
  return { keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: "EdDSA", use: "sig" }] };
}

/** The manifest as signed bytes: RFC 8785 canonical JSON, so any verifier can rebuild them. */
export const canonicalManifest = (manifest: unknown): string => canonicalize(manifest) ?? "null";

/** A compact JWS (EdDSA) over the canonical manifest. */
export async function signManifest(db: Db, manifest: Record<string, unknown>): Promise<string> {
  const { kid, jwk } = await storedKey(db);
  const key = await importJWK(jwk, "EdDSA");
  return new CompactSign(new TextEncoder().encode(canonicalManifest(manifest))).setProtectedHeader({ alg: "EdDSA", kid, typ: CERTIFICATE_TYPE }).sign(key);
}

/** The manifest a JWS signs, if its signature holds under one of `keys`; the reason otherwise. */
export async function verifyJws(jws: string, keys: JWK[]): Promise<{ ok: true; manifest: Record<string, unknown>; kid: string } | { ok: false; reason: string }> {
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url(jws.split(".")[0] ?? ""))) as { kid?: string; alg?: string; typ?: string };
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) return { ok: false, reason: `unknown signing key ${header.kid ?? "(none)"}` };
    if (header.alg !== "EdDSA" || header.typ !== CERTIFICATE_TYPE) return { ok: false, reason: "not a Flywheel certificate signature" };
    const { payload } = await compactVerify(jws, await importJWK(jwk, "EdDSA"), { algorithms: ["EdDSA"] });
    const text = new TextDecoder().decode(payload);
    const manifest = JSON.parse(text) as Record<string, unknown>;
    // The signed bytes must be the canonical form: the same manifest can have only one signature input.
    if (canonicalManifest(manifest) !== text) return { ok: false, reason: "the signed manifest is not in canonical form" };
    return { ok: true, manifest, kid: jwk.kid! };
  } catch (err) {
    return { ok: false, reason: `signature does not verify (${(err as Error).message})` };
  }
}

function base64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "="));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}


/** Signs with this database's own key: Node, and the directory object on Workers. */
export const localSigner = (db: Db) => ({ sign: (m: Record<string, unknown>) => signManifest(db, m), publicKeys: () => publicKeys(db) });
