import { fnv1a } from "../../lib/ids.ts";
import type { Tone } from "./card.ts";
import { encodePng } from "./png.ts";

/**
 * A picture for a card that came without one (the built-ins, a JSON import), so every persona
 * exports as a PNG card: a gradient rounded square with a mirrored 5×5 pattern of dots, all derived
 * from the id. Written as an uncompressed zlib stream (stored deflate blocks), which every PNG
 * decoder reads and which needs no compressor in workerd.
 */

export type AvatarColors = { from: string; to: string };

const SIZE = 128;

/** Each built-in tone's palette; a neutral (imported) card takes hues from its id. */
export const TONE_COLORS: Partial<Record<Tone, AvatarColors>> = {
  warm: { from: "#ffc07a", to: "#e2674a" },
  cute: { from: "#ffb8d9", to: "#a98bff" },
  intellectual: { from: "#9cc5e6", to: "#3f5592" },
  rock: { from: "#4a4a57", to: "#c23a2c" },
};

function hash(s: string): number {
  // FNV-1a, then a final mix, so ids that differ in their last letter differ in every bit.
  const f = fnv1a(s);
  const h = Math.imul(f ^ (f >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

type Rgb = [number, number, number];

function hexRgb(hex: string): Rgb {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hslRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/** Coverage of a pixel by a shape whose signed distance at the pixel's centre is d (one-pixel antialiasing). */
const cover = (d: number) => clamp01(0.5 - d);

/** The distance from (x, y) to a rounded square of half-side h and corner radius r centred at c. */
function roundedSquare(x: number, y: number, c: number, h: number, r: number): number {
  const qx = Math.abs(x - c) - (h - r);
  const qy = Math.abs(y - c) - (h - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78; // deflate, 32 KB window
  out[1] = 0x01; // no preset dictionary, fastest; 0x7801 is a multiple of 31 as the header check wants
  let p = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    out[p++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    out[p++] = len & 255;
    out[p++] = len >>> 8;
    out[p++] = ~len & 255;
    out[p++] = (~len >>> 8) & 255;
    out.set(raw.subarray(start, start + len), p);
    p += len;
  }
  let s1 = 1;
  let s2 = 0;
  for (let i = 0; i < raw.length; i++) {
    s1 = (s1 + raw[i]!) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  new DataView(out.buffer).setUint32(p, ((s2 << 16) | s1) >>> 0);
  return out;
}

/** A 128×128 RGBA PNG for this persona: the same id always gives the same bytes. */
export function avatarPng(personaId: string, colors?: AvatarColors): Uint8Array {
  const h = hash(personaId);
  const hue = h % 360;
  const from = colors ? hexRgb(colors.from) : hslRgb(hue, 0.7, 0.68);
  const to = colors ? hexRgb(colors.to) : hslRgb((hue + 40 + ((h >>> 9) % 60)) % 360, 0.6, 0.42);
  // 15 bits fill the left three columns of a 5×5 grid, mirrored; too sparse a pattern gets a default.
  let bits = (h >>> 3) & 0x7fff;
  if (popcount(bits) < 5) bits |= 0b010101110001010;
  const dots: [number, number][] = [];
  for (let row = 0; row < 5; row++)
    for (let col = 0; col < 3; col++)
      if (bits & (1 << (row * 3 + col))) for (const c of new Set([col, 4 - col])) dots.push([32 + c * 16, 32 + row * 16]);

  const stride = 1 + SIZE * 4;
  const raw = new Uint8Array(SIZE * stride);
  for (let y = 0; y < SIZE; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      const t = clamp01((cx + cy) / (2 * SIZE));
      let rgb = [0, 1, 2].map((i) => from[i]! + (to[i]! - from[i]!) * t);
      const halo = cover(Math.hypot(cx - 64, cy - 64) - 50) * 0.16;
      let dot = 0;
      for (const [dx, dy] of dots) dot = Math.max(dot, cover(Math.hypot(cx - dx, cy - dy) - 6.5));
      for (const a of [halo, dot * 0.92]) rgb = rgb.map((v) => v + (255 - v) * a);
      const alpha = cover(roundedSquare(cx, cy, 64, 63, 26));
      const o = y * stride + 1 + x * 4;
      raw[o] = Math.round(rgb[0]!);
      raw[o + 1] = Math.round(rgb[1]!);
      raw[o + 2] = Math.round(rgb[2]!);
      raw[o + 3] = Math.round(alpha * 255);
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, SIZE);
  v.setUint32(4, SIZE);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, adaptive filtering, no interlace
  return encodePng([
    { type: "IHDR", data: ihdr },
    { type: "IDAT", data: zlibStored(raw) },
    { type: "IEND", data: new Uint8Array(0) },
  ]);
}

function popcount(n: number): number {
  let c = 0;
  for (; n; n &= n - 1) c++;
  return c;
}
