import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random base62 string of `length` characters. */
// Random bytes drawn from a pool refilled 4 KB at a time: a request id and a hold id on every
// metered request each paid a system call for 32 bytes.
let pool = Buffer.alloc(0);
let used = 0;
function take(n: number): Uint8Array {
  if (n > 1024) return randomBytes(n);
  if (used + n > pool.length) ((pool = randomBytes(4096)), (used = 0));
  used += n;
  return pool.subarray(used - n, used);
}

export function randomToken(length: number): string {
  const bytes = take(length * 2);
  let out = "";
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4 × 62: keeps the choice uniform
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

/** A prefixed id such as `key_3fA9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(16)}`;
}

/** sha256 of text (UTF-8) or bytes, hex. */
export function sha256Hex(s: string | Uint8Array): string {
  return createHash("sha256").update(s).digest("hex");
}

/** A 32-bit FNV-1a hash of text: stable on every runtime, for seeded choices and salted buckets (not for security). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
