/**
 * Token buckets per key, in process: `rate` tokens a second up to `burst`. Returns 0 when the
 * request may go, else the milliseconds until a token is back.
 */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  take(id: string, rate: number, burst: number, now: number): number {
    let b = this.buckets.get(id);
    if (!b) this.buckets.set(id, (b = { tokens: burst, at: now }));
    // A clock that steps back (NTP) refills nothing, and must not drain the bucket either.
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return ((1 - b.tokens) / rate) * 1000;
  }
}
