import { describe, it, expect } from "vitest";
import { findNumbers, parseNumeral } from "../agent/offline/numerals.ts";
import { describeWindow, findTimeWindows, type TimeWindow } from "../agent/offline/time.ts";

/**
 * Every expected date below is worked out by hand from the calendar, not from the code: 2026-11-24
 * is a Tuesday, so this week began Monday 23 Nov and last week was 16–22 Nov; N rolling days run
 * from today − (N − 1).
 */
const NOW = new Date("2026-11-24T12:00:00Z"); // 20:00 Tue 24 Nov in Shanghai
const TZ = "Asia/Shanghai";
const days = (n: number): TimeWindow => ({ days: n });
const span = (from: string, to: string): TimeWindow => ({ from, to });

// [phrase, window, from, to]: the phrase is the whole input, so the match must span all of it.
const ROLLING: [string, number, string][] = [
  ["近30天", 30, "2026-10-26"],
  ["最近7天", 7, "2026-11-18"],
  ["过去30天", 30, "2026-10-26"],
  ["前7天", 7, "2026-11-18"],
  ["30天内", 30, "2026-10-26"],
  ["7日内", 7, "2026-11-18"],
  ["这30天", 30, "2026-10-26"],
  ["近十五天", 15, "2026-11-10"],
  ["近两周", 14, "2026-11-11"],
  ["最近一周", 7, "2026-11-18"],
  ["过去一周", 7, "2026-11-18"],
  ["一周内", 7, "2026-11-18"],
  ["近一个月", 30, "2026-10-26"],
  ["近三个月", 90, "2026-08-27"],
  ["最近3个月", 90, "2026-08-27"],
  ["一个月内", 30, "2026-10-26"],
  ["近半年", 180, "2026-05-29"],
  ["过去半年", 180, "2026-05-29"],
  ["近一年", 365, "2025-11-25"],
  ["过去一年", 365, "2025-11-25"],
  ["一年内", 365, "2025-11-25"],
  ["近３０天", 30, "2026-10-26"],
  ["last 30 days", 30, "2026-10-26"],
  ["past 7 days", 7, "2026-11-18"],
  ["in the last 30 days", 30, "2026-10-26"],
  ["the last 14 days", 14, "2026-11-11"],
  ["previous 7 days", 7, "2026-11-18"],
  ["within 30 days", 30, "2026-10-26"],
  ["past week", 7, "2026-11-18"],
  ["in the last week", 7, "2026-11-18"],
  ["past 2 weeks", 14, "2026-11-11"],
  ["past two weeks", 14, "2026-11-11"],
  ["past month", 30, "2026-10-26"],
  ["in the last month", 30, "2026-10-26"],
  ["past 3 months", 90, "2026-08-27"],
  ["last 3 months", 90, "2026-08-27"],
  ["past half year", 180, "2026-05-29"],
  ["past year", 365, "2025-11-25"],
  ["in the last year", 365, "2025-11-25"],
  ["Past 30 Days", 30, "2026-10-26"],
];

const CALENDAR: [string, string, string][] = [
  ["今天", "2026-11-24", "2026-11-24"],
  ["today", "2026-11-24", "2026-11-24"],
  ["昨天", "2026-11-23", "2026-11-23"],
  ["yesterday", "2026-11-23", "2026-11-23"],
  ["前天", "2026-11-22", "2026-11-22"],
  ["本周", "2026-11-23", "2026-11-24"],
  ["这周", "2026-11-23", "2026-11-24"],
  ["这个星期", "2026-11-23", "2026-11-24"],
  ["this week", "2026-11-23", "2026-11-24"],
  ["上周", "2026-11-16", "2026-11-22"],
  ["上个星期", "2026-11-16", "2026-11-22"],
  ["上星期", "2026-11-16", "2026-11-22"],
  ["last week", "2026-11-16", "2026-11-22"],
  ["LAST WEEK", "2026-11-16", "2026-11-22"],
  ["本月", "2026-11-01", "2026-11-24"],
  ["这个月", "2026-11-01", "2026-11-24"],
  ["this month", "2026-11-01", "2026-11-24"],
  ["上个月", "2026-10-01", "2026-10-31"],
  ["上月", "2026-10-01", "2026-10-31"],
  ["last month", "2026-10-01", "2026-10-31"],
  ["今年", "2026-01-01", "2026-11-24"],
  ["this year", "2026-01-01", "2026-11-24"],
  ["去年", "2025-01-01", "2025-12-31"],
  ["last year", "2025-01-01", "2025-12-31"],
  ["自11月1日以来", "2026-11-01", "2026-11-24"],
  ["11月1日以来", "2026-11-01", "2026-11-24"],
  ["11月1日至今", "2026-11-01", "2026-11-24"],
  ["从11月1日起", "2026-11-01", "2026-11-24"],
  ["11月1号以来", "2026-11-01", "2026-11-24"],
  ["since Nov 1", "2026-11-01", "2026-11-24"],
  ["since November 1", "2026-11-01", "2026-11-24"],
  ["since 2026-11-01", "2026-11-01", "2026-11-24"],
  ["自12月1日以来", "2025-12-01", "2026-11-24"], // 1 Dec is after today: last year's
  ["since Dec 1", "2025-12-01", "2026-11-24"],
  ["11月1日到11月15日", "2026-11-01", "2026-11-15"],
  ["11月1日至15日", "2026-11-01", "2026-11-15"],
  ["11月1号到11月15号", "2026-11-01", "2026-11-15"],
  ["11.1-11.15", "2026-11-01", "2026-11-15"],
  ["2026-11-01到2026-11-15", "2026-11-01", "2026-11-15"],
  ["from Nov 1 to Nov 15", "2026-11-01", "2026-11-15"],
  ["Nov 1 - Nov 15", "2026-11-01", "2026-11-15"],
  ["between Nov 1 and Nov 15", "2026-11-01", "2026-11-15"],
  ["12月1日到12月15日", "2025-12-01", "2025-12-15"], // this year's would start after today
  ["11月20日到11月30日", "2026-11-20", "2026-11-30"], // starts by today, so this year's
  ["12月20日到1月5日", "2025-12-20", "2026-01-05"],
  ["in October", "2026-10-01", "2026-10-31"],
  ["10月份", "2026-10-01", "2026-10-31"],
  ["12月", "2025-12-01", "2025-12-31"], // December has not begun this year
  ["11月", "2026-11-01", "2026-11-24"], // cut at today, like 本月
  ["since October", "2026-10-01", "2026-11-24"],
  ["2025年", "2025-01-01", "2025-12-31"],
];

describe("findTimeWindows: rolling windows", () => {
  it.each(ROLLING)("%s → %i days from %s", (text, n, from) => {
    expect(findTimeWindows(text, NOW, TZ)).toEqual([
      { window: days(n), from, to: "2026-11-24", start: 0, end: text.length, text },
    ]);
  });
});

describe("findTimeWindows: calendar ranges", () => {
  it.each(CALENDAR)("%s → %s..%s", (text, from, to) => {
    expect(findTimeWindows(text, NOW, TZ)).toEqual([{ window: span(from, to), from, to, start: 0, end: text.length, text }]);
  });
});

describe("findTimeWindows: not windows", () => {
  it.each(["最近", "最近一次购买的用户", "一线城市女性", "将近30天没登录", "上周末", "注册后前7天", "买过3次", "价格1.5-2.5万", "一月一次", "may we help"])("%s → none", (text) => {
    expect(findTimeWindows(text, NOW, TZ)).toEqual([]);
  });
});

describe("findTimeWindows: spans inside sentences", () => {
  it("finds 近30天 at 3..7 and leaves 两次 to the numbers", () => {
    const text = "帮我找近30天买过两次以上的一线城市女性用户";
    const t = findTimeWindows(text, NOW, TZ);
    expect(t).toEqual([{ window: days(30), from: "2026-10-26", to: "2026-11-24", start: 3, end: 7, text: "近30天" }]);
    expect(findNumbers(text, t)).toEqual([{ value: 2, unit: "times", start: 9, end: 11, text: "两次" }]);
  });
  it("keeps several windows in text order", () => {
    const t = findTimeWindows("上周活跃但本月没有下单", NOW, TZ);
    expect(t.map((m) => [m.text, m.start, m.end, m.from, m.to])).toEqual([
      ["上周", 0, 2, "2026-11-16", "2026-11-22"],
      ["本月", 5, 7, "2026-11-01", "2026-11-24"],
    ]);
  });
  it("prefers the longest phrase: 'in the last week' over 'last week'", () => {
    const text = "users who purchased in the last week at least 3 times";
    const t = findTimeWindows(text, NOW, TZ);
    expect(t).toEqual([{ window: days(7), from: "2026-11-18", to: "2026-11-24", start: 20, end: 36, text: "in the last week" }]);
    expect(findNumbers(text, t)).toEqual([{ value: 3, unit: "times", start: 46, end: 53, text: "3 times" }]);
  });
  it("keeps a since-phrase whole and reports no date digits", () => {
    const text = "自11月1日以来消费满300元";
    const t = findTimeWindows(text, NOW, TZ);
    expect(t.map((m) => [m.text, m.start, m.end])).toEqual([["自11月1日以来", 0, 8]]);
    expect(findNumbers(text, t)).toEqual([{ value: 300, unit: "yuan", start: 11, end: 15, text: "300元" }]);
  });
  it("tells 上周三 (a day) from 上周 + 三次 (a count)", () => {
    expect(findTimeWindows("上周三", NOW, TZ)[0]?.window).toEqual(span("2026-11-18", "2026-11-18"));
    const text = "上周三次以上";
    const t = findTimeWindows(text, NOW, TZ);
    expect(t.map((m) => m.text)).toEqual(["上周"]);
    expect(findNumbers(text, t)).toEqual([{ value: 3, unit: "times", start: 2, end: 4, text: "三次" }]);
  });
  it("reports 11.1-11.15 once, as a range, when its span is skipped", () => {
    const text = "11.1-11.15期间买过";
    const t = findTimeWindows(text, NOW, TZ);
    expect(t.map((m) => [m.text, m.from, m.to])).toEqual([["11.1-11.15期间", "2026-11-01", "2026-11-15"]]);
    expect(findNumbers(text, t)).toEqual([]);
  });
});

describe("findTimeWindows: local days near midnight", () => {
  const LATE = new Date("2026-11-30T17:00:00Z"); // 01:00 Tue 1 Dec in Shanghai, still Mon 30 Nov in UTC
  const cases: [string, string, string, string][] = [
    ["本月", TZ, "2026-12-01", "2026-12-01"],
    ["本月", "UTC", "2026-11-01", "2026-11-30"],
    ["上个月", TZ, "2026-11-01", "2026-11-30"],
    ["上个月", "UTC", "2026-10-01", "2026-10-31"],
    ["本周", TZ, "2026-11-30", "2026-12-01"],
    ["本周", "UTC", "2026-11-30", "2026-11-30"],
    ["今天", TZ, "2026-12-01", "2026-12-01"],
    ["昨天", "UTC", "2026-11-29", "2026-11-29"],
    ["近7天", TZ, "2026-11-25", "2026-12-01"],
    ["近7天", "UTC", "2026-11-24", "2026-11-30"],
  ];
  it.each(cases)("%s in %s → %s..%s", (text, tz, from, to) => {
    const [m] = findTimeWindows(text, LATE, tz);
    expect([m?.from, m?.to]).toEqual([from, to]);
  });
  it("turns the year at Shanghai midnight, not UTC's", () => {
    const newYear = new Date("2026-12-31T16:30:00Z"); // 00:30 1 Jan 2027 in Shanghai
    expect(findTimeWindows("今年", newYear, TZ)[0]?.window).toEqual(span("2027-01-01", "2027-01-01"));
    expect(findTimeWindows("去年", newYear, TZ)[0]?.window).toEqual(span("2026-01-01", "2026-12-31"));
    expect(findTimeWindows("今年", newYear, "UTC")[0]?.window).toEqual(span("2026-01-01", "2026-12-31"));
  });
  it("lags behind UTC in New York", () => {
    const early = new Date("2026-11-24T03:00:00Z"); // 22:00 Mon 23 Nov in New York
    expect(findTimeWindows("this week", early, "America/New_York")[0]?.window).toEqual(span("2026-11-23", "2026-11-23"));
    expect(findTimeWindows("yesterday", early, "America/New_York")[0]?.window).toEqual(span("2026-11-22", "2026-11-22"));
  });
});

describe("parseNumeral", () => {
  const cases: [string, number | undefined][] = [
    ["两", 2], ["十五", 15], ["二十", 20], ["二十五", 25], ["一百", 100], ["一百零五", 105],
    ["三千", 3000], ["两千", 2000], ["一万五", 15000], ["1.5万", 15000], ["3k", 3000],
    ["百分之三十", 30], ["半", 0.5], ["0.5", 0.5], ["1,200", 1200], ["１２", 12], ["三千五", 3500],
    ["一千零五十", 1050], ["十万", 100000], ["两万三千", 23000], ["二〇二六", 2026], ["three", 3],
    ["三五", undefined], ["线", undefined], ["", undefined],
  ];
  it.each(cases)("%s → %s", (s, v) => expect(parseNumeral(s)).toBe(v));
});

describe("findNumbers", () => {
  const cases: [string, { value: number; unit?: string; text: string }[]][] = [
    ["三百元", [{ value: 300, unit: "yuan", text: "三百元" }]],
    ["满30元", [{ value: 30, unit: "yuan", text: "30元" }]],
    ["两次以上", [{ value: 2, unit: "times", text: "两次" }]],
    ["30%", [{ value: 30, unit: "percent", text: "30%" }]],
    ["百分之三十", [{ value: 30, unit: "percent", text: "百分之三十" }]],
    ["1.5万", [{ value: 15000, text: "1.5万" }]],
    ["¥99", [{ value: 99, unit: "yuan", text: "¥99" }]],
    ["at least 3 times", [{ value: 3, unit: "times", text: "3 times" }]],
    ["客单价两千块钱", [{ value: 2000, unit: "yuan", text: "两千块钱" }]],
    ["听过10首", [{ value: 10, unit: "item", text: "10首" }]],
    ["3个月", [{ value: 3, unit: "month", text: "3个月" }]],
    ["两个星期", [{ value: 2, unit: "week", text: "两个星期" }]],
    ["5000个用户", [{ value: 5000, unit: "people", text: "5000个用户" }]],
    ["一线城市女性", []],
    ["第一次购买", []],
    ["千万不要", []],
    ["11月1日买过3次", [{ value: 3, unit: "times", text: "3次" }]],
    ["2026-11-01下单", []],
    ["bought at least twice", [{ value: 2, unit: "times", text: "twice" }]],
    ["双十一和双11", []],
    ["18 years old", [{ value: 18, text: "18 years old" }]],
  ];
  it.each(cases)("%s", (text, want) => {
    expect(findNumbers(text).map(({ value, unit, text: t }) => (unit ? { value, unit, text: t } : { value, text: t }))).toEqual(want);
  });
});

describe("describeWindow", () => {
  it("states rolling windows with their dates", () => {
    const [m] = findTimeWindows("近30天", NOW, TZ);
    expect(describeWindow(m!, "zh")).toBe("近30天（2026-10-26 至 2026-11-24）");
    expect(describeWindow(m!, "en")).toBe("the last 30 days (2026-10-26 to 2026-11-24)");
  });
  it("states calendar ranges and single days as dates", () => {
    const [week] = findTimeWindows("上周", NOW, TZ);
    expect(describeWindow(week!, "zh")).toBe("2026-11-16 至 2026-11-22");
    expect(describeWindow(week!, "en")).toBe("2026-11-16 to 2026-11-22");
    expect(describeWindow(findTimeWindows("yesterday", NOW, TZ)[0]!, "en")).toBe("2026-11-23");
  });
});

describe("speed", () => {
  it("runs 10,000 sentences", () => {
    const text = "帮我找近30天买过两次以上、客单价满300元的一线城市女性用户";
    const n = 10_000;
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < n; i++) {
      const t = findTimeWindows(text, NOW, TZ);
      found += t.length + findNumbers(text, t).length;
    }
    const perCall = (performance.now() - t0) / n;
    console.log(`findTimeWindows + findNumbers: ${(perCall * 1000).toFixed(1)} µs per sentence`);
    expect(found).toBe(3 * n);
  });
});
