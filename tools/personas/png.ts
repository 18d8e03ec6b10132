import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { toV2, type PersonaCard } from "./card.ts";

/**
 * PNG character cards (SillyTavern's convention, Character Card V3 §PNG): the card is base64 of
 * UTF-8 JSON in a tEXt chunk, `ccv3` for V3 and `chara` for V2; readers prefer `ccv3`. Plain
 * bytes only (no Buffer, no zlib), so this runs in workerd as well as Node.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CARD_KEYWORDS = ["ccv3", "chara"] as const;

export type PngChunk = { type: string; data: Uint8Array };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const badPng = (zh: string, en: string) => new ApiError(ErrorCode.BadRequest, bi(zh, en));

/**
 * The chunks of a PNG, through IEND, each CRC checked. Anything that is not a whole, intact PNG is a
 * 400: an upload is the caller's file, and a wrong one is their mistake, not our fault.
 */
export function readChunks(bytes: Uint8Array): PngChunk[] {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw badPng("不是 PNG 文件", "not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let p = 8;
  for (;;) {
    if (p + 12 > bytes.length) throw badPng("PNG 文件不完整", `truncated PNG: no IEND chunk (ends at byte ${bytes.length})`);
    const length = view.getUint32(p);
    const end = p + 8 + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) throw badPng("PNG 文件不完整", `truncated PNG: a chunk at byte ${p} runs past the end`);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw badPng("PNG 文件已损坏", `corrupt PNG: bad chunk type at byte ${p}`);
    if (crc32(bytes, p + 4, end) !== view.getUint32(end)) throw badPng("PNG 文件已损坏（校验和不符）", `corrupt PNG: the ${type} chunk at byte ${p} fails its CRC`);
    chunks.push({ type, data: bytes.subarray(p + 8, end) });
    p = end + 4;
    if (type === "IEND") break;
  }
  if (chunks[0]?.type !== "IHDR" || chunks[0].data.length !== 13) throw badPng("PNG 文件已损坏", "corrupt PNG: the first chunk is not a 13-byte IHDR");
  return chunks;
}

/** One chunk's bytes: length, type, data, CRC over type and data. */
export function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** A whole PNG from its chunks (the signature added). */
export function encodePng(chunks: PngChunk[]): Uint8Array {
  const parts = chunks.map((c) => encodeChunk(c.type, c.data));
  const out = new Uint8Array(8 + parts.reduce((n, b) => n + b.length, 0));
  out.set(SIGNATURE);
  let p = 8;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** Bytes as a binary string (one char per byte), in slices: a spread of millions of arguments overflows the stack. */
function binaryString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

function binaryBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export const utf8ToBase64 = (text: string) => btoa(binaryString(new TextEncoder().encode(text)));
/** Throws on bad base64 or bad UTF-8. */
export const base64ToUtf8 = (b64: string) => new TextDecoder("utf-8", { fatal: true }).decode(binaryBytes(atob(b64)));

/** A tEXt chunk's keyword and text (both Latin-1; ours are ASCII), or undefined when it has no separator. */
export function readText(data: Uint8Array): { keyword: string; text: string } | undefined {
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  return { keyword: binaryString(data.subarray(0, nul)), text: binaryString(data.subarray(nul + 1)) };
}

export const textChunk = (keyword: string, text: string): PngChunk => ({ type: "tEXt", data: binaryBytes(`${keyword}\0${text}`) });

const isCardChunk = (c: PngChunk) => c.type === "tEXt" && (CARD_KEYWORDS as readonly string[]).includes(readText(c.data)?.keyword.toLowerCase() ?? "");

/**
 * The card JSON embedded in a PNG: `ccv3` when present and readable, else `chara`. A 400 when the
 * PNG holds neither, or what it holds is not base64 of UTF-8 JSON.
 */
export function readCardPng(bytes: Uint8Array): unknown {
  const texts = readChunks(bytes).flatMap((c) => (c.type === "tEXt" ? [readText(c.data)] : [])).filter((t) => t !== undefined);
  const found: string[] = [];
  for (const keyword of CARD_KEYWORDS) {
    const t = texts.find((x) => x.keyword.toLowerCase() === keyword);
    if (!t) continue;
    found.push(keyword);
    try {
      return JSON.parse(base64ToUtf8(t.text.trim()));
    } catch {
      // A broken ccv3 beside a good chara still imports, as SillyTavern does.
    }
  }
  if (found.length)
    throw new ApiError(ErrorCode.BadRequest, bi("PNG 中的角色卡数据无法解析", `the PNG's ${found.join(" and ")} chunk is not base64 of UTF-8 JSON`), { chunks: found });
  throw new ApiError(ErrorCode.BadRequest, bi("PNG 中没有角色卡（缺少 chara 或 ccv3 数据块）", "this PNG holds no character card: no chara or ccv3 tEXt chunk"));
}

/** The picture alone: the PNG with its card chunks taken out (what is stored, so no stale card rides along). */
export const stripCardChunks = (image: Uint8Array): Uint8Array => encodePng(readChunks(image).filter((c) => !isCardChunk(c)));

/** The image with this card in it: any old card chunks removed, `chara` (V2) and `ccv3` (V3) written before IEND. */
export function writeCardPng(image: Uint8Array, card: PersonaCard): Uint8Array {
  const chunks = readChunks(image).filter((c) => !isCardChunk(c));
  const iend = chunks.pop()!;
  chunks.push(textChunk("chara", utf8ToBase64(JSON.stringify(toV2(card)))), textChunk("ccv3", utf8ToBase64(JSON.stringify(card))), iend);
  return encodePng(chunks);
}
