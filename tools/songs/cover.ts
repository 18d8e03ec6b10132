import { mulberry32, type Rng } from "../../lib/prng.ts";
import { AI_LABEL, GENERATOR, type Mood, type SongLanguage, type Style } from "./types.ts";

/**
 * The song's cover: a 1024×1024 SVG with a background gradient and a palette chosen by mood, seeded
 * shapes drawn in the manner of the style, the title, a visible AI label in a corner and the same
 * label with the generator's version in <metadata> (China's 标识办法 asks for both an explicit and an
 * implicit label). Pure string building, so the same options give the same bytes.
 */

export type CoverOptions = { title: string; mood: Mood; style: Style; seed: number; language: SongLanguage };

type Palette = { from: string; to: string; accents: [string, string, string]; text: string };

const PALETTES: Record<Mood, Palette> = {
  happy: { from: "#ffd86b", to: "#ff7a59", accents: ["#fff3b0", "#ff4f81", "#3ec1d3"], text: "#2b1b12" },
  sad: { from: "#1d2b53", to: "#4b6a9b", accents: ["#8fb3de", "#c3d5ee", "#2e4372"], text: "#f2f5fb" },
  calm: { from: "#a8e6cf", to: "#5fa8d3", accents: ["#dcedc1", "#ffffff", "#3d7ea6"], text: "#12324a" },
  energetic: { from: "#ff0844", to: "#2b0a3d", accents: ["#ffb199", "#ffd400", "#00e0ff"], text: "#ffffff" },
  romantic: { from: "#ffafbd", to: "#c9306b", accents: ["#ffe3e8", "#ff6f91", "#7a1f4b"], text: "#fffafc" },
  nostalgic: { from: "#e8c99b", to: "#8c5a3c", accents: ["#f6e7cb", "#b5835a", "#5b3a29"], text: "#2e1d12" },
};

const SIZE = 1024;
const FONTS = "'PingFang SC','Hiragino Sans GB','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','Helvetica Neue',Arial,sans-serif";

export function escapeXml(s: string): string {
  // Characters XML 1.0 forbids (control codes) are dropped, the five specials escaped.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const n = (x: number) => (Math.round(x * 10) / 10).toString();
const between = (rng: Rng, a: number, b: number) => a + (b - a) * rng();

/** The style's shapes: each style draws with its own kind of mark, placed by the seed. */
function shapes(style: Style, rng: Rng, p: Palette): string[] {
  const out: string[] = [];
  const accent = () => p.accents[Math.floor(rng() * 3)]!;
  switch (style) {
    case "pop":
      for (let i = 0; i < 9; i++)
        out.push(`<circle cx="${n(between(rng, 0, SIZE))}" cy="${n(between(rng, 0, SIZE * 0.7))}" r="${n(between(rng, 30, 210))}" fill="${accent()}" opacity="${n(between(rng, 0.25, 0.7))}"/>`);
      break;
    case "rock":
      for (let i = 0; i < 7; i++) {
        const x = between(rng, -100, SIZE), y = between(rng, -100, SIZE * 0.7), w = between(rng, 80, 320);
        out.push(`<polygon points="${n(x)},${n(y + w)} ${n(x + w / 2)},${n(y)} ${n(x + w)},${n(y + w * 0.8)}" fill="${accent()}" opacity="${n(between(rng, 0.35, 0.8))}"/>`);
      }
      break;
    case "folk":
      for (let i = 0; i < 6; i++) {
        const y = SIZE * (0.35 + i * 0.09), a = between(rng, 20, 70), s = between(rng, 0.8, 1.6);
        out.push(`<path d="M0 ${n(y)} C ${n(SIZE * 0.3)} ${n(y - a * s)}, ${n(SIZE * 0.6)} ${n(y + a)}, ${SIZE} ${n(y - a / 2)} L ${SIZE} ${SIZE} L 0 ${SIZE} Z" fill="${accent()}" opacity="0.28"/>`);
      }
      break;
    case "ballad":
      for (let i = 0; i < 8; i++)
        out.push(`<circle cx="${n(SIZE / 2 + between(rng, -60, 60))}" cy="${n(SIZE * 0.4)}" r="${n(60 + i * 55)}" fill="none" stroke="${accent()}" stroke-width="${n(between(rng, 2, 14))}" opacity="${n(between(rng, 0.2, 0.6))}"/>`);
      break;
    case "electronic":
      for (let i = 0; i <= 16; i++) out.push(`<line x1="${n((i * SIZE) / 16)}" y1="${SIZE * 0.55}" x2="${n(SIZE / 2 + (i - 8) * 160)}" y2="${SIZE}" stroke="${p.accents[2]}" stroke-width="2" opacity="0.5"/>`);
      for (let i = 0; i < 24; i++) {
        const h = between(rng, 20, 300);
        out.push(`<rect x="${n(60 + i * 38)}" y="${n(SIZE * 0.55 - h)}" width="22" height="${n(h)}" fill="${accent()}" opacity="0.75"/>`);
      }
      break;
    case "lofi":
      out.push(`<circle cx="${n(between(rng, 300, 724))}" cy="${n(SIZE * 0.42)}" r="${n(between(rng, 140, 220))}" fill="${p.accents[0]}" opacity="0.85"/>`);
      for (let i = 0; i < 7; i++) out.push(`<rect x="0" y="${n(SIZE * 0.45 + i * 26)}" width="${SIZE}" height="${n(6 + i * 2)}" fill="${p.to}" opacity="0.8"/>`);
      for (let i = 0; i < 40; i++) out.push(`<circle cx="${n(between(rng, 0, SIZE))}" cy="${n(between(rng, 0, SIZE * 0.4))}" r="${n(between(rng, 1, 3))}" fill="#ffffff" opacity="${n(between(rng, 0.3, 0.9))}"/>`);
      break;
  }
  return out;
}

/** Splits a title into at most two lines, CJK by characters and other scripts at spaces, and sizes the font to fit. */
function layoutTitle(title: string): { lines: string[]; size: number } {
  const chars = [...title];
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(c) ? 1 : 0.58), 0);
  let lines = [title];
  if (width(title) > 9) {
    const words = title.split(" ");
    if (words.length > 1) {
      let best = 1;
      for (let i = 1; i < words.length; i++) if (Math.abs(width(words.slice(0, i).join(" ")) - width(title) / 2) < Math.abs(width(words.slice(0, best).join(" ")) - width(title) / 2)) best = i;
      lines = [words.slice(0, best).join(" "), words.slice(best).join(" ")];
    } else {
      const half = Math.ceil(chars.length / 2);
      lines = [chars.slice(0, half).join(""), chars.slice(half).join("")];
    }
  }
  const widest = Math.max(...lines.map(width), 1);
  return { lines, size: Math.round(Math.min(150, (SIZE * 0.82) / widest)) };
}

export function renderCover(opts: CoverOptions): string {
  const p = PALETTES[opts.mood];
  const rng = mulberry32(opts.seed ^ 0xc0fe);
  const angle = Math.floor(rng() * 360);
  const { lines, size } = layoutTitle(opts.title);
  const label = opts.language === "zh" ? "AI生成" : "AI-generated";
  const generator = `${GENERATOR.name} ${GENERATOR.version}`;
  const baseY = SIZE * 0.8 - ((lines.length - 1) * size * 1.15) / 2;
  const titleLines = lines.map((l, i) => `<tspan x="${SIZE / 2}" y="${n(baseY + i * size * 1.15)}">${escapeXml(l)}</tspan>`).join("");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-labelledby="cover-title">`,
    `<title id="cover-title">${escapeXml(opts.title)}</title>`,
    `<desc>${escapeXml(`${label}: cover for a ${opts.mood} ${opts.style} song`)}</desc>`,
    `<metadata><aigc label="${escapeXml(AI_LABEL)}" generator="${escapeXml(GENERATOR.name)}" version="${escapeXml(GENERATOR.version)}" seed="${opts.seed >>> 0}">${escapeXml(`${AI_LABEL}; ${generator}`)}</aigc></metadata>`,
    `<defs><linearGradient id="bg" gradientTransform="rotate(${angle} 0.5 0.5)"><stop offset="0" stop-color="${p.from}"/><stop offset="1" stop-color="${p.to}"/></linearGradient>`,
    `<linearGradient id="shade" x1="0" y1="0" x2="0" y2="1"><stop offset="0.5" stop-color="#000000" stop-opacity="0"/><stop offset="1" stop-color="#000000" stop-opacity="0.35"/></linearGradient></defs>`,
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#bg)"/>`,
    `<g>${shapes(opts.style, rng, p).join("")}</g>`,
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#shade)"/>`,
    `<text font-family="${FONTS}" font-size="${size}" font-weight="700" fill="${p.text}" text-anchor="middle">${titleLines}</text>`,
    `<text x="${SIZE - 28}" y="${SIZE - 28}" font-family="${FONTS}" font-size="26" fill="${p.text}" opacity="0.8" text-anchor="end">${escapeXml(label)}</text>`,
    `</svg>`,
  ].join("\n");
}
