/**
 * Webhook signatures, both ways, with Web Crypto only: the same code runs on Node ≥20 and in
 * workerd. Every function here is async (crypto.subtle is), so callers verify before, and sign
 * outside, any atomic unit.
 *
 * Inbound (a payment provider → us): `Flywheel-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`,
 * the hex being HMAC-SHA256 of "<t>.<raw body>" keyed by the workspace's secret as UTF-8 text
 * (Stripe's scheme). Outbound (us → the app): Standard Webhooks, keyed by the bytes of a
 * `whsec_<base64>` secret.
 */

/** How far a signed timestamp may be from our clock, either way (a replay window, and clock skew). */
export const TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = "flywheel-signature";

const enc = new TextEncoder();

type Usage = "sign" | "verify";
const hmacKey = (raw: Uint8Array<ArrayBuffer>, usage: Usage) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [usage]);

/** Random bytes from the platform's CSPRNG (synchronous, so secrets can be made inside an atomic unit). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Standard base64 to bytes; undefined when it is not base64. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function fromHex(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-fA-F]*$/.test(s) || s.length % 2 !== 0) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A new inbound signing secret: 32 random bytes, used as text the way providers hand them out. */
export const newInboundSecret = () => `fwps_${toBase64(randomBytes(32)).replace(/=+$/, "")}`;

/** A new Standard Webhooks secret: `whsec_` and 24 random bytes in base64 (the receiver keys HMAC with the bytes). */
export const newOutboundSecret = () => `whsec_${toBase64(randomBytes(24))}`;

/** The hex HMAC a provider sends as `v1` (also what the test payment page computes in the browser). */
export async function signInbound(secret: string, t: number, body: string): Promise<string> {
  const key = await hmacKey(enc.encode(secret), "sign");
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${t}.${body}`))));
}

export type InboundVerdict = { ok: true; t: number } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

/** Parses `t=…,v1=…,v1=…`; other schemes (a future v2) are skipped, as Stripe's receivers do. */
function parseHeader(header: string): { t: number; v1: string[] } | undefined {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t") {
      if (t !== undefined || !/^\d{1,12}$/.test(v)) return undefined;
      t = Number(v);
    } else if (k === "v1") v1.push(v);
  }
  // A signature list is bounded: each entry costs an HMAC per secret.
  return t === undefined || v1.length === 0 || v1.length > 8 ? undefined : { t, v1 };
}

/**
 * Whether `header` signs `body` with any of `secrets` within the tolerance. crypto.subtle.verify
 * compares in constant time, so no byte of a valid signature leaks through timing.
 */
export async function verifyInbound(header: string | undefined, body: string, secrets: string[], nowMs: number): Promise<InboundVerdict> {
  if (!header) return { ok: false, reason: "missing" };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: "malformed" };
  if (Math.abs(nowMs / 1000 - parsed.t) > TOLERANCE_SECONDS) return { ok: false, reason: "stale" };
  const signed = enc.encode(`${parsed.t}.${body}`);
  const candidates = parsed.v1.map(fromHex).filter((b): b is Uint8Array<ArrayBuffer> => b?.length === 32);
  for (const secret of secrets) {
    const key = await hmacKey(enc.encode(secret), "verify");
    for (const sig of candidates) if (await crypto.subtle.verify("HMAC", key, sig, signed)) return { ok: true, t: parsed.t };
  }
  return { ok: false, reason: "mismatch" };
}

/** The Standard Webhooks headers for one delivery of `body`. */
export async function signOutbound(secret: string, id: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  const raw = fromBase64(secret.replace(/^whsec_/, ""));
  if (!raw || raw.length === 0) throw new Error("outbound secret is not whsec_<base64>");
  const key = await hmacKey(raw, "sign");
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${id}.${timestampSeconds}.${body}`)));
  return { "webhook-id": id, "webhook-timestamp": String(timestampSeconds), "webhook-signature": `v1,${toBase64(mac)}` };
}
