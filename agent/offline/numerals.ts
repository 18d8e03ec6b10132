/**
 * Arabic, Chinese and English numerals for the offline agent. Pure and dependency-free so it also
 * runs on Workers; no npm package decodes 两千 or 一万五 correctly.
 */

export type NumberMatch = { value: number; unit?: string; start: number; end: number; text: string };
export type Span = { start: number; end: number };

const CN_DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 贰: 2, 两: 2, 三: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const CN_UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const MULTIPLIERS: Record<string, number> = { k: 1e3, w: 1e4, 十: 10, 百: 100, 千: 1e3, 万: 1e4, 亿: 1e8 };
const EN_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70,
  eighty: 80, ninety: 90, hundred: 100,
};
export const EN_NUMBER_WORDS = Object.keys(EN_WORDS).join("|");

const isZero = (c: string | undefined) => c === "零" || c === "〇";

/**
 * Full-width ASCII (０-９, ％, ．, Ａ…) to half-width. Each character stays one UTF-16 unit, so
 * offsets found in the result are offsets in the original. The full-width comma is kept: in
 * Chinese text it separates clauses, not thousands.
 */
export function toHalfWidth(s: string): string {
  return s.replace(/[\uff01-\uff0b\uff0d-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/** Below 一万: 三千五 → 3500 (a trailing bare digit counts in the next lower unit), 一百零五 → 105. */
function section(s: string): number | undefined {
  if (s === "") return undefined;
  let total = 0;
  let digit: number | undefined;
  let lastUnit = 0;
  let afterZero = false;
  for (const c of s) {
    if (c in CN_DIGITS) {
      if (isZero(c)) {
        if (digit !== undefined) return undefined;
        afterZero = true;
        continue;
      }
      if (digit !== undefined) return undefined;
      digit = CN_DIGITS[c];
    } else if (c in CN_UNITS) {
      const unit = CN_UNITS[c]!;
      if (lastUnit !== 0 && unit >= lastUnit) return undefined;
      // 十五 means 一十五; 百/千 with no digit before them are not numbers on their own.
      const d = digit ?? (unit === 10 && total === 0 ? 1 : undefined);
      if (d === undefined) return undefined;
      total += d * unit;
      digit = undefined;
      lastUnit = unit;
      afterZero = false;
    } else return undefined;
  }
  if (digit !== undefined) total += lastUnit >= 100 && !afterZero ? (digit * lastUnit) / 10 : digit;
  return total;
}

/** The part after 万 or 亿: 一万五 is 15000 (a lone digit means the next lower unit), 一万零五 is 10005. */
function lower(lo: string, implied: number, parse: (s: string) => number | undefined): number | undefined {
  if (lo === "") return 0;
  if (lo.length === 1 && lo in CN_DIGITS && !isZero(lo)) return CN_DIGITS[lo]! * implied;
  return parse(isZero(lo[0]) ? lo.slice(1) : lo);
}

function wan(s: string): number | undefined {
  const i = s.indexOf("万");
  if (i < 0) return section(s);
  const hi = i === 0 ? 1 : section(s.slice(0, i));
  const lo = lower(s.slice(i + 1), 1000, section);
  return hi === undefined || lo === undefined ? undefined : hi * 1e4 + lo;
}

function chineseInteger(s: string): number | undefined {
  if (s === "零" || s === "〇") return 0;
  // 二〇二六 / 二零二六: digit by digit. Two bare digits (三五天) mean "three or five", not 35.
  if ([...s].every((c) => c in CN_DIGITS)) {
    if (s.length === 1) return CN_DIGITS[s];
    if (s.length < 3 || s.includes("两")) return undefined;
    return Number([...s].map((c) => CN_DIGITS[c]).join(""));
  }
  const i = s.indexOf("亿");
  if (i < 0) return wan(s);
  const hi = i === 0 ? 1 : wan(s.slice(0, i));
  const lo = lower(s.slice(i + 1), 1e7, wan);
  return hi === undefined || lo === undefined ? undefined : hi * 1e8 + lo;
}

// 1.15万 is 11499.999999999998 in floating point.
const tidy = (x: number) => parseFloat(x.toPrecision(12));

const ARABIC = /^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([kw]|[十百千]?[万亿]|[百千])?$/i;
const CN_DECIMAL = /^(.+)点([零〇一二三四五六七八九]+)([万亿]?)$/;

/** A numeral on its own (Arabic, Chinese, full-width, or an English word) as a number, else undefined. */
export function parseNumeral(input: string): number | undefined {
  return parseHalfWidth(toHalfWidth(input).trim());
}

function parseHalfWidth(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === "") return undefined;
  if (s === "半") return 0.5;
  if (s.startsWith("百分之")) return parseHalfWidth(s.slice(3).trim());
  if (s.endsWith("%")) return parseHalfWidth(s.slice(0, -1).trim());
  const lowerCase = s.toLowerCase();
  if (Object.hasOwn(EN_WORDS, lowerCase)) return EN_WORDS[lowerCase];
  const a = ARABIC.exec(s);
  if (a) {
    const base = Number(a[1]!.replace(/,/g, "") + (a[2] ?? ""));
    const mult = [...(a[3] ?? "").toLowerCase()].reduce((m, c) => m * (MULTIPLIERS[c] ?? 1), 1);
    return tidy(base * mult);
  }
  const d = CN_DECIMAL.exec(s);
  if (d) {
    const int = chineseInteger(d[1]!);
    if (int === undefined) return undefined;
    const frac = Number(`0.${[...d[2]!].map((c) => CN_DIGITS[c]).join("")}`);
    return tidy((int + frac) * (d[3] ? MULTIPLIERS[d[3]]! : 1));
  }
  return chineseInteger(s);
}

const CN_CHARS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟";
const TOKEN = new RegExp(
  String.raw`(?<pre>[¥￥]\s*|百分之)?(?:` +
    String.raw`(?<ar>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[kKwW](?![a-zA-Z])|[十百千]?[万亿]|[百千])?)` +
    `|(?<cn>[${CN_CHARS}]+(?:点[零〇一二三四五六七八九]+[万亿]?)?)` +
    String.raw`|(?<en>\b(?:${EN_NUMBER_WORDS})\b)|(?<half>半)|(?<mult>\b(?:once|twice|thrice)\b))`,
  "gi",
);

/** Longest spellings first, so 块钱 wins over 块 and 个月 over 个. */
const UNITS: [RegExp, string | undefined][] = [
  [/^years?[\s-]*olds?\b/i, undefined], // 18-24 year olds: ages, not durations
  [/^(?:块钱|元|块|rmb\b|yuan\b|人民币)/i, "yuan"],
  [/^(?:个用户|位用户|名用户|个人|人|users?\b|people\b|persons?\b)/i, "people"],
  [/^(?:个月|月|months?\b)/i, "month"],
  [/^(?:个星期|个礼拜|星期|礼拜|周|weeks?\b)/i, "week"],
  [/^(?:次|回|times?\b)/i, "times"],
  [/^(?:天|日|days?\b)/i, "day"],
  [/^(?:年|years?\b)/i, "year"],
  [/^(?:%|percent\b|pct\b)/i, "percent"],
  [/^(?:首|songs?\b|items?\b)/i, "item"],
  // Classifiers: no unit of ours, but they show a word numeral is a count (三件), not a word (一些).
  [/^(?:小时|分钟|个|件|单|笔|位|名|岁|倍|家|款|张|条|份|种|项|hours?\b|minutes?\b|orders?\b)/i, undefined],
];

// Digits of dates are never quantities, even when the caller passes no time spans.
const DATES = /\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]|(?:19|20)\d{2}\s*年(?!\s*(?:内|以内|之内|以来))/g;
// Words made of numeral characters that are not quantities: 千万别, 万一, 一一对应.
const NOT_NUMBERS = new Set(["千万", "万一", "万万", "一一"]);

const MULTIPLICATIVES = ["once", "twice", "thrice"];

const overlaps = (a: Span, spans: Span[]) => spans.some((b) => a.start < b.end && b.start < a.end);

/**
 * Every quantity in `text`, with the unit attached to it. `skip` lists spans already taken (pass
 * the spans of findTimeWindows) so the 30 of 近30天 or the 11 of 11.1-11.15 are not reported again.
 * Chinese single characters and English words count only with a unit or classifier after them, so
 * 一线城市 and "someone" yield nothing. Ordinals (第三次) are not quantities; once/twice/thrice are
 * counts of times.
 */
export function findNumbers(input: string, skip: Span[] = []): NumberMatch[] {
  const text = toHalfWidth(input);
  const taken = [...skip];
  for (const m of text.matchAll(DATES)) taken.push({ start: m.index, end: m.index + m[0].length });
  const out: NumberMatch[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const g = m.groups!;
    const body = g.ar ?? g.cn ?? g.en ?? g.half ?? "";
    if (g.mult) {
      const value = MULTIPLICATIVES.indexOf(g.mult.toLowerCase()) + 1;
      if (!overlaps({ start: m.index, end: m.index + g.mult.length }, taken))
        out.push({ value, unit: "times", start: m.index, end: m.index + g.mult.length, text: input.slice(m.index, m.index + g.mult.length) });
      continue;
    }
    const value = parseHalfWidth(body);
    if (value === undefined) continue;
    const start = m.index;
    let end = start + m[0].length;
    const rest = text.slice(end, end + 32); // units are short; no need to copy the rest of a long text
    const gap = /^\s*/.exec(rest)![0].length;
    let unit: string | undefined = g.pre ? (g.pre.startsWith("百") ? "percent" : "yuan") : undefined;
    let counted = Boolean(g.pre);
    if (!g.pre || g.pre.startsWith("¥") || g.pre.startsWith("￥")) {
      for (const [re, name] of UNITS) {
        const u = re.exec(rest.slice(gap));
        if (!u) continue;
        if (unit === "yuan" && name !== "yuan") break;
        unit = name;
        counted = true;
        end += gap + u[0].length;
        break;
      }
    }
    // 第三次 is an ordinal; 双十一 and 双11 are the shopping festival.
    if (text[start - 1] === "第" || text[start - 1] === "双") continue;
    if (!g.ar && !counted && (g.en || g.half || body.length < 2 || NOT_NUMBERS.has(body))) continue;
    const span = { start, end };
    if (overlaps(span, taken)) continue;
    const match: NumberMatch = { value, start, end, text: input.slice(start, end) };
    if (unit) match.unit = unit;
    out.push(match);
  }
  return out;
}
