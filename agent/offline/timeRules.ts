/**
 * The time grammar of the offline agent: one regex per phrase family, each resolved against
 * today's local day number. These conventions are the product's (an evaluation set relies on
 * them): rolling phrases give {days: N} with weeks ×7, months ×30, a year 365 and half a year 180;
 * calendar phrases give whole calendar units, weeks starting on Monday.
 */
import { DAY_MS } from "../../lib/time.ts";
import { EN_NUMBER_WORDS, parseNumeral } from "./numerals.ts";

/** Day numbers (days since 1970-01-01), inclusive. */
export type Resolved = { days: number } | { from: number; to: number };
type Groups = Record<string, string | undefined>;
/** `need`: a cheap test that must pass before the (costlier) pattern is run at all. */
export type Rule = { re: RegExp; resolve: (g: Groups, today: number) => Resolved | undefined; need?: RegExp };

type Ymd = { y: number; m: number; d: number };
const ymd = (day: number): Ymd => {
  const t = new Date(day * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
/** undefined for impossible dates such as 2月30日. */
const dayOf = (y: number, m: number, d: number): number | undefined => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? t.getTime() / DAY_MS : undefined;
};
const monthStart = (y: number, m: number) => Date.UTC(y, m - 1, 1) / DAY_MS;
// 1970-01-01 was a Thursday; weeks start on Monday.
const monday = (day: number) => day - (((day + 3) % 7) + 7) % 7;
const range = (from: number | undefined, to: number | undefined): Resolved | undefined =>
  from !== undefined && to !== undefined && from <= to ? { from, to } : undefined;

// ---- rolling windows -------------------------------------------------------------------------

const UNIT_DAYS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };
const unitKey = (u: string): string => {
  const s = u.toLowerCase();
  if (/^(天|日|day)/.test(s)) return "d";
  if (/(周|星期|礼拜|week)/.test(s)) return "w";
  if (/(月|month)/.test(s)) return "m";
  return "y";
};

/** N units as days; only whole days make a window (1.5个月 = 45 is fine, 1.5天 is not). */
function rolling(n: string | undefined, unit: string): Resolved | undefined {
  const value = n === undefined || n.toLowerCase() === "a" ? 1 : parseNumeral(n);
  if (value === undefined || value <= 0) return undefined;
  const key = unitKey(unit);
  const days = key === "y" && value === 0.5 ? 180 : value * UNIT_DAYS[key]!;
  return Number.isInteger(days) ? { days } : undefined;
}

const CN_N = "\\d+(?:\\.\\d+)?|[零〇一二两三四五六七八九十百千]+|半";
const CN_UNIT = "个月|个星期|个礼拜|天|日|周|星期|礼拜|月|年";
const EN_N = `\\d+(?:\\.\\d+)?|${EN_NUMBER_WORDS}`;
const EN_UNIT = "days?|weeks?|months?|years?";

// ---- dates -----------------------------------------------------------------------------------

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_NAME = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const CN_MONTH = "\\d{1,2}|十[一二]?|[一二三四五六七八九]";
const CN_DAY = "\\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]";
const ORD = "(?:st|nd|rd|th)?";
const DATE_ISO = "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}";
// A Chinese-numeral day needs 日/号: 一月一次 is "once a month", not 1 January.
const DATE_CN = `(?:(?:\\d{4}|[〇零一二三四五六七八九]{4})\\s*年\\s*)?(?:${CN_MONTH})\\s*月\\s*(?:\\d{1,2}(?!\\d)\\s*[日号]?|(?:${CN_DAY})\\s*[日号])`;
const DATE_EN =
  `\\b(?:${MONTH_NAME})\\.?\\s+\\d{1,2}${ORD}(?:,?\\s+\\d{4})?\\b` +
  `|\\b\\d{1,2}${ORD}\\s+(?:of\\s+)?(?:${MONTH_NAME})\\b\\.?(?:,?\\s+\\d{4})?`;
// 11.1 and 11/1 only appear inside since/range phrases, where they cannot be decimals.
const DATE_MD = "(?<![\\d./])\\d{1,2}[./]\\d{1,2}";
const DATE = `(?:${DATE_ISO}|${DATE_CN}|${DATE_EN})`;
const DATE_ANY = `(?:${DATE_ISO}|${DATE_CN}|${DATE_EN}|${DATE_MD})`;
const DAY_ONLY = `(?:${CN_DAY})\\s*[日号]|\\d{1,2}${ORD}\\b`;

type PartialDate = { y?: number; m: number; d: number };

function parseDate(s: string): PartialDate | undefined {
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  m = /^(\d{1,2})[./](\d{1,2})$/.exec(s);
  if (m) return { m: Number(m[1]), d: Number(m[2]) };
  m = /^(?:(\S{4})\s*年\s*)?(\S{1,2}?)\s*月\s*(\S{1,3}?)\s*[日号]?$/.exec(s);
  if (m) {
    const y = m[1] === undefined ? undefined : parseNumeral(m[1]);
    const [mo, d] = [parseNumeral(m[2]!), parseNumeral(m[3]!)];
    if (mo === undefined || d === undefined || (m[1] !== undefined && y === undefined)) return undefined;
    return { y, m: mo, d };
  }
  const lower = s.toLowerCase();
  const name = /[a-z]{3,}/.exec(lower)?.[0] ?? "";
  const month = MONTHS.indexOf(name.slice(0, 3)) + 1;
  const nums = lower.match(/\d+/g) ?? [];
  if (month === 0 || nums.length === 0) return undefined;
  const year = nums.find((x) => x.length === 4);
  return { m: month, d: Number(nums[0]), y: year ? Number(year) : undefined };
}

const dayOfPartial = (p: PartialDate, y: number) => dayOf(p.y ?? y, p.m, p.d);

/** A date with no year is the latest one not after today. */
function pastDay(p: PartialDate, today: number): number | undefined {
  const y = ymd(today).y;
  const d = dayOfPartial(p, y);
  if (p.y !== undefined || d === undefined || d <= today) return d;
  return dayOfPartial(p, y - 1);
}

function since(a: string | undefined, today: number): Resolved | undefined {
  const p = a === undefined ? undefined : parseDate(a);
  return p && range(pastDay(p, today), today);
}

/** Missing years come from the other end, else from the latest year whose range starts by today. */
function between(a: string, b: string | undefined, bDay: string | undefined, today: number): Resolved | undefined {
  const p = parseDate(a);
  if (!p) return undefined;
  let q: PartialDate | undefined;
  if (b !== undefined) q = parseDate(b);
  else if (bDay !== undefined) {
    const d = parseNumeral(bDay.replace(/(st|nd|rd|th|日|号)$/i, "").trim());
    q = d === undefined ? undefined : { y: p.y, m: p.m, d };
  }
  if (!q) return undefined;
  const wraps = q.m < p.m || (q.m === p.m && q.d < p.d);
  if (p.y !== undefined) return range(dayOf(p.y, p.m, p.d), dayOf(q.y ?? p.y + (wraps ? 1 : 0), q.m, q.d));
  if (q.y !== undefined) return range(dayOf(q.y - (wraps ? 1 : 0), p.m, p.d), dayOf(q.y, q.m, q.d));
  let y = ymd(today).y;
  const from = dayOf(y, p.m, p.d);
  if (from !== undefined && from > today) y -= 1;
  return range(dayOf(y, p.m, p.d), dayOf(y + (wraps ? 1 : 0), q.m, q.d));
}

/**
 * A named month or year is the latest one that has begun, cut at today like 本月 and 今年; with
 * `since`, from its first day to today.
 */
function named(y: number | undefined, m: number | undefined, today: number, sinceMode: boolean): Resolved | undefined {
  const t = ymd(today);
  if (m !== undefined && (m < 1 || m > 12)) return undefined;
  const year = y ?? (m !== undefined && m > t.m ? t.y - 1 : t.y);
  const from = monthStart(year, m ?? 1);
  const next = m === undefined || m === 12 ? monthStart(year + 1, 1) : monthStart(year, m + 1);
  return from > today ? undefined : { from, to: sinceMode ? today : Math.min(next - 1, today) };
}

// ---- calendar units --------------------------------------------------------------------------

/** `back` units before the current one: 0 = this (up to today), 1 = last (whole), 2 = the one before. */
function calendar(unit: "w" | "m" | "q" | "y", back: number, today: number): Resolved {
  const { y, m } = ymd(today);
  if (unit === "w") {
    const start = monday(today) - 7 * back;
    return { from: start, to: back === 0 ? today : start + 6 };
  }
  const months = unit === "m" ? 1 : unit === "q" ? 3 : 12;
  const first = unit === "m" ? m : unit === "q" ? m - ((m - 1) % 3) : 1;
  const startIndex = y * 12 + first - 1 - months * back;
  const from = monthStart(Math.floor(startIndex / 12), (startIndex % 12) + 1);
  const endIndex = startIndex + months;
  return { from, to: back === 0 ? today : monthStart(Math.floor(endIndex / 12), (endIndex % 12) + 1) - 1 };
}

const backOf = (p: string): number => {
  const s = p.toLowerCase();
  return s === "上上" ? 2 : s === "上" || s === "last" || s === "previous" ? 1 : 0;
};
const enUnit = (u: string) => (u.toLowerCase().startsWith("q") ? "q" : (unitKey(u) as "w" | "m" | "y"));
const day = (offset: number) => (_: Groups, today: number): Resolved => ({ from: today - offset, to: today - offset });
const WEEKDAY: Record<string, number> = { 一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 日: 6, 天: 6 };

// After a week word, a numeral followed by a unit is a count (上周三次), not a weekday (上周三).
const NOT_WEEKDAY = "(?![\\d零〇一二两三四五六七八九十百千万次回天日周个月年元块人位名件单笔首%倍])";

const rule = (source: string, resolve: Rule["resolve"], need?: RegExp): Rule => ({ re: new RegExp(source, "gi"), resolve, need });

export const RULES: Rule[] = [
  // 近30天, 最近3个月, 过去的一周, 前7天 (not 上线后前7天, 提前3天), 这30天, 近半年, 近一年来.
  // 这 takes days only: 这一周 and 这一年 are as likely the calendar week and year.
  rule(
    `(?<p>最近|(?<![接将附靠])近|过去|(?<![后的提以之])前|这)(?:的)?\\s*(?<n>${CN_N})\\s*(?<u>${CN_UNIT})(?:以内|之内|内|以来|来|里)?`,
    (g) => (g.p === "这" && !/[天日]/.test(g.u!) ? undefined : rolling(g.n, g.u!)),
  ),
  // 30天内, 一周内, 一个月以内, 半年内.
  rule(`(?<![\\d.零〇一二两三四五六七八九十百千])(?<n>${CN_N})\\s*(?<u>${CN_UNIT})(?:以内|之内|内)`, (g) => rolling(g.n, g.u!)),
  // last/past/previous N units; without N only "past week" and "the last week" are rolling.
  rule(
    `\\b(?:(?:in|within|over|during|for)\\s+)?(?<the>the\\s+)?(?<w>last|past|previous)\\s+(?:(?<n>${EN_N})\\s+)?(?<u>${EN_UNIT}|half(?:\\s+a)?\\s+year)\\b`,
    (g) => {
      if (/^half/i.test(g.u!)) return g.n === undefined ? { days: 180 } : undefined;
      if (g.n !== undefined) return rolling(g.n, g.u!);
      const w = g.w!.toLowerCase();
      return w === "past" || (w === "last" && g.the) ? rolling(undefined, g.u!) : undefined;
    },
  ),
  rule(`\\bwithin\\s+(?<n>${EN_N}|a|an)\\s+(?<u>${EN_UNIT})\\b`, (g) => rolling(g.n, g.u!)),

  rule("今天|今日|\\btoday\\b", day(0)),
  rule("昨天|昨日|\\byesterday\\b", day(1)),
  rule("(?<!大)前天|\\bthe\\s+day\\s+before\\s+yesterday\\b", day(2)),
  rule("大前天", day(3)),
  // 本周, 这个星期, 上周, 上个礼拜, 上上周; not 上周期 or 上周末.
  rule("(?<p>本|这|上上|上)(?:个)?(?:周|星期|礼拜)(?![期末年])", (g, t) => calendar("w", backOf(g.p!), t)),
  rule(`(?<p>本|这|上上|上)(?:个)?(?:周|星期|礼拜)(?<wd>[一二三四五六日天])${NOT_WEEKDAY}`, (g, t) => {
    const d = monday(t) - 7 * backOf(g.p!) + WEEKDAY[g.wd!]!;
    return { from: d, to: d };
  }),
  // 本月, 这个月, 上个月, 上上个月; not 上月3日 (a date).
  rule("(?<p>本|这|上上|上)(?:个)?月份?(?!\\s*(?:\\d{1,2}|[一二三四五六七八九十]{1,3})\\s*[日号])", (g, t) => calendar("m", backOf(g.p!), t)),
  rule("(?<p>本|这|上)(?:个)?季度", (g, t) => calendar("q", backOf(g.p!), t)),
  rule("今年(?:以来)?|本年度?", (_, t) => calendar("y", 0, t)),
  rule("去年|上一?年度?(?!\\d)", (_, t) => calendar("y", 1, t)),
  rule("前年", (_, t) => calendar("y", 2, t)),
  rule("\\b(?<p>this|last|previous)\\s+(?<u>week|month|quarter|year)\\b", (g, t) => calendar(enUnit(g.u!), backOf(g.p!), t)),

  // 自11月1日以来, 11月1日至今, 从11月1日起, 自从2026-11-01 (自 alone suffices; 从 alone does not).
  rule(
    `(?:(?<pre>自从|自|从)\\s*)?(?<a>${DATE_ANY})\\s*(?<suf>起至今|起到现在|起到今天|以来|至今|迄今|到现在|到今天|到目前|起|开始)?`,
    (g, t) => (g.suf || g.pre?.startsWith("自") ? since(g.a, t) : undefined),
  ),
  rule(
    `\\bsince\\s+(?<a>${DATE_ANY})|\\bfrom\\s+(?<b>${DATE_ANY})\\s*(?:onwards?|to\\s+(?:now|today|date)|until\\s+(?:now|today)|till\\s+(?:now|today))`,
    (g, t) => since(g.a ?? g.b, t),
  ),
  // 11月1日到11月15日, 11月1日至15日, 11.1-11.15, from Nov 1 to Nov 15, between Nov 1 and 15.
  rule(
    `(?<![\\d.¥￥$])(?<pre>从|自|由|\\bfrom\\s+|\\bbetween\\s+)?(?<a>${DATE_ANY})\\s*(?:起)?` +
      `(?<c>\\s*(?:到|至|-|–|—|~|～)\\s*|\\s+(?:to|through|thru|until|till|and)\\s+)` +
      `(?:(?<b>${DATE_ANY})|(?<bd>${DAY_ONLY}))(?:\\s*(?:之间|期间|间|止))?(?!\\.?\\d|[%万千百亿元块倍折k])`,
    (g, t) => {
      const and = /\band\b/i.test(g.c!);
      if (and !== /between/i.test(g.pre ?? "")) return undefined;
      return between(g.a!, g.b, g.bd, t);
    },
    /[到至~～\u2013\u2014-]|\b(?:to|through|thru|until|till|and)\b/i,
  ),
  // 10月, 10月份, 2026年10月, 十月, 10月以来; 一月 to 九月 need 份 (一月一次 is "once a month").
  rule(
    `(?:(?<pre>自从|自|从)\\s*)?(?<![\\d个每])(?:(?<y>\\d{4})\\s*年\\s*)?(?:(?<m>\\d{1,2})\\s*月份?|(?<mc>十[一二]?)\\s*月份?|(?<mc1>[一二三四五六七八九])\\s*月份)` +
      `(?!\\s*(?:\\d|[一二三四五六七八九十])+\\s*[日号])(?!\\s*(?:以内|之内|内))(?:\\s*(?<suf>以来|至今|起|开始))?`,
    (g, t) => {
      const m = parseNumeral(g.m ?? g.mc ?? g.mc1 ?? "");
      return named(g.y ? Number(g.y) : undefined, m, t, Boolean(g.suf || g.pre?.startsWith("自")));
    },
  ),
  // "in October", "since Oct", "October 2026"; bare abbreviations, "may" and "march" are words.
  rule(`\\b(?:(?<pre>in|during|throughout|since)\\s+)?(?<name>${MONTH_NAME})\\b\\.?(?:\\s+(?<y>\\d{4})\\b)?`, (g, t) => {
    const name = g.name!.toLowerCase();
    if (!g.pre && (name.length <= 4 || name === "march")) return undefined;
    const since = g.pre?.toLowerCase() === "since";
    return named(g.y ? Number(g.y) : undefined, MONTHS.indexOf(name.slice(0, 3)) + 1, t, since);
  }),
  // 2025年, 2025年全年, in 2025; a bare 2025 is as likely an amount.
  rule(
    `(?<![\\d.])(?<y>(?:19|20)\\d{2})\\s*年(?:全年|整年)?(?!\\s*(?:\\d|[一二三四五六七八九十]))(?!\\s*(?:以内|之内|内))|\\b(?:in|during|throughout)\\s+(?<y2>(?:19|20)\\d{2})\\b`,
    (g, t) => named(Number(g.y ?? g.y2), undefined, t, false),
  ),
  // A date on its own is that one day: 11月11日, 2026-11-01, Nov 11.
  rule(`(?<a>${DATE})`, (g, t) => {
    const p = parseDate(g.a!);
    const d = p && pastDay(p, t);
    return d === undefined ? undefined : { from: d, to: d };
  }),
];
