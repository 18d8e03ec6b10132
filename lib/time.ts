const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's UTC offset in ms at instant `ms`. Offsets change at most on the quarter hour and
 * Intl is slow, so the answer is cached per zone and hour: ingest calls this once per event.
 */
export function tzOffsetMs(timeZone: string, ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  const key = `${timeZone}|${hour}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const parts = formatter(timeZone).formatToParts(new Date(hour * HOUR_MS));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  const offset = local - hour * HOUR_MS;
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** Calendar day number (days since 1970-01-01) of instant `ms` in `timeZone`. */
export function dayNumber(ms: number, timeZone: string): number {
  return Math.floor((ms + tzOffsetMs(timeZone, ms)) / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The first instant of `day` in `timeZone`: local midnight, or, where summer time begins at
 * midnight (Santiago, formerly São Paulo) and midnight never happens, the first local minute there is.
 */
export function dayStartMs(day: number, timeZone: string): number {
  const guess = day * DAY_MS;
  const start = guess - tzOffsetMs(timeZone, guess - tzOffsetMs(timeZone, guess));
  if (dayNumber(start, timeZone) === day && dayNumber(start - 1, timeZone) === day - 1) return start;
  // Search the few hours around the guess, by minutes (every zone's offset is whole minutes).
  let lo = Math.floor((start - 3 * HOUR_MS) / 60_000);
  let hi = Math.ceil((start + 3 * HOUR_MS) / 60_000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayNumber(mid * 60_000, timeZone) >= day) hi = mid;
    else lo = mid + 1;
  }
  return lo * 60_000;
}

const ISO_DATETIME =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses an ISO 8601 date-time with an explicit offset; NaN when it is not one. */
export function parseIsoDateTime(s: string): number {
  if (!ISO_DATETIME.test(s)) return NaN;
  // Date.parse wants "T" and "+08:00"; ISO 8601 also allows a space and "+0800".
  return Date.parse(s.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
}

export { DAY_MS, HOUR_MS };

/** `2027-01-01T00:00:00+08:00`: an instant as the zone's wall clock shows it, with its offset. */
export function localIso(ms: number, timeZone: string): string {
  const off = tzOffsetMs(timeZone, ms);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off) / 60_000;
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${new Date(ms + off).toISOString().slice(0, 19)}${sign}${hhmm}`;
}
