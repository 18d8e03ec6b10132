import { fnv1a } from "../../lib/ids.ts";
import { gamma, mulberry32, normal, pick, poisson, weighted, type Rng } from "../../lib/prng.ts";

/**
 * A music + commerce app's users and their behaviour, deterministic for a seed. The signal is
 * planted on purpose so later models have something true to find:
 * - latent engagement drives activity, and decays over the two weeks before a user churns;
 * - price sensitivity lowers buying and raises coupon redemption;
 * - each user has genre tastes (Dirichlet), which plays, likes and completion follow;
 * - users who follow 5+ people in their first week churn at half the rate (social retention).
 */
export const GENRES = ["pop", "rock", "folk", "hiphop", "electronic", "classical", "jazz", "rnb", "guofeng"] as const;
export const SONGS_PER_GENRE = 250;
export const ARTISTS_PER_GENRE = 25;

export type DemoUser = {
  userId: string;
  traits: Record<string, string | number | boolean>;
  signupDay: number;
  /** First day with no activity any more (exclusive), or Infinity. */
  churnDay: number;
  earlyFollows: number;
};

export type DemoEvent = { id: string; name: string; ms: number; properties: Record<string, unknown> };

const DAY = 86_400_000;
const CITY_TIERS = [[1, 0.2], [2, 0.3], [3, 0.3], [4, 0.2]] as const;
const AGE_BANDS = [["18-24", 0.32], ["25-34", 0.38], ["35-44", 0.2], ["45+", 0.1]] as const;
const DEVICES = [["android", 0.55], ["ios", 0.35], ["miniprogram", 0.1]] as const;
const CHANNELS = [["organic", 0.35], ["douyin", 0.25], ["wechat", 0.2], ["appstore_ads", 0.1], ["referral", 0.1]] as const;
const CHANNEL_ENGAGEMENT: Record<string, number> = { organic: 1.1, douyin: 0.8, wechat: 1.0, appstore_ads: 0.85, referral: 1.25 };

/** Local hour of an event: a daytime low and an evening peak. */
const HOURS = Array.from({ length: 24 }, (_, h) => [h, h < 7 ? 0.3 : h >= 19 && h <= 23 ? 3 : 1.2] as const);

export function songOf(rng: Rng, genreIndex: number) {
  const n = Math.floor(Math.pow(rng(), 2) * SONGS_PER_GENRE); // a few hits, a long tail
  const id = genreIndex * SONGS_PER_GENRE + n;
  return { song_id: `s${String(id).padStart(5, "0")}`, artist: `a${String(genreIndex * ARTISTS_PER_GENRE + (n % ARTISTS_PER_GENRE)).padStart(4, "0")}` };
}

/**
 * One user's profile and full event history, from their own seeded stream, so that loading in
 * chunks or in another order gives the same data. `endMs` is the end of the last simulated day.
 */
export function simulateUser(seed: number, index: number, days: number, endMs: number, tzOffsetMs: number): { user: DemoUser; events: DemoEvent[] } {
  const rng = mulberry32((seed * 2654435761) ^ (index * 40503 + 1));
  const userId = `u${String(index + 1).padStart(7, "0")}`;
  const channel = weighted(rng, CHANNELS);
  const ageBand = weighted(rng, AGE_BANDS);
  const engagement = Math.exp(0.55 * normal(rng)) * CHANNEL_ENGAGEMENT[channel]! * (ageBand === "18-24" ? 1.15 : ageBand === "45+" ? 0.8 : 1);
  const priceSensitivity = Math.min(1, Math.max(0, 0.5 + 0.22 * normal(rng) - (ageBand === "35-44" ? 0.1 : 0)));
  const alpha = 0.6;
  const weights = GENRES.map(() => gamma(rng, alpha));
  const total = weights.reduce((a, b) => a + b, 0);
  const taste = GENRES.map((g, i) => [i, weights[i]! / total] as const);
  // Signups grow over time: more recent days are more likely.
  const signupDay = Math.min(days - 1, Math.floor(days * Math.sqrt(rng())));
  const earlyFollows = poisson(rng, 1.2 + 2.2 * engagement + (channel === "referral" ? 2 : 0));
  const social = earlyFollows >= 5;
  const hazard = (0.035 / (0.6 + engagement)) * (social ? 0.5 : 1) * (priceSensitivity > 0.7 ? 1.2 : 1);
  const lifetime = Math.floor(Math.log(Math.max(rng(), 1e-12)) / Math.log(1 - Math.min(hazard, 0.9)));
  const churnDay = signupDay + 1 + lifetime;
  const member = rng() < 0.06 + 0.1 * engagement * (1 - priceSensitivity);
  const user: DemoUser = {
    userId,
    signupDay,
    churnDay: churnDay >= days ? Infinity : churnDay,
    earlyFollows,
    traits: {
      city_tier: weighted(rng, CITY_TIERS),
      age_band: ageBand,
      gender: rng() < 0.52 ? "female" : "male",
      device: weighted(rng, DEVICES),
      channel,
      member_tier: member ? "member" : "free",
      signup_date: new Date(endMs - (days - signupDay) * DAY).toISOString().slice(0, 10),
      // Who agreed to be matched for icebreakers: social users more often. Hashed from the id, not
      // drawn from rng, so the rest of the demo stays the same data it always was.
      icebreakers_opt_in: fnv1a(userId) % 100 < (social ? 60 : 20),
    },
  };

  const events: DemoEvent[] = [];
  let n = 0;
  const dayStart = (d: number) => endMs - (days - d) * DAY - tzOffsetMs;
  const at = (d: number) => dayStart(d) + (weighted(rng, HOURS) * 3600 + Math.floor(rng() * 3600)) * 1000;
  const emit = (name: string, ms: number, properties: Record<string, unknown> = {}) =>
    events.push({ id: `d-${userId}-${String(++n).padStart(5, "0")}`, name, ms, properties });
  let vip = member;
  let followsLeft = earlyFollows;

  for (let d = signupDay; d < days; d++) {
    const alive = d < churnDay;
    // Engagement fades over the 14 days before churn: the signal churn models should find.
    const toChurn = churnDay - d;
    const e = engagement * (toChurn <= 14 ? 0.2 + 0.8 * (toChurn / 14) : 1) * (d === signupDay ? 1.5 : 1);
    if (alive && rng() < Math.min(0.92, 0.18 + 0.42 * e)) {
      let t = at(d);
      // A session stays within its day, so a day's activity is that day's.
      const step = () => (t = Math.min(t + (20 + Math.floor(rng() * 300)) * 1000, dayStart(d + 1) - 1000));
      emit("app_open", t);
      const plays = poisson(rng, 0.8 + 1.6 * e);
      for (let i = 0; i < plays; i++) {
        const g = weighted(rng, taste);
        const song = songOf(rng, g);
        const liked = taste[g]![1];
        const completion = Math.round(Math.min(1, Math.max(0.05, 0.45 + 0.5 * liked + 0.2 * normal(rng))) * 100) / 100;
        emit("play_song", step(), { ...song, genre: GENRES[g], completion });
        if (rng() < 0.05 + 0.35 * liked * completion) emit("like", step(), { song_id: song.song_id, genre: GENRES[g] });
        if (rng() < 0.008 + 0.012 * e) emit("share", step(), { song_id: song.song_id, channel: pick(rng, ["wechat", "moments", "weibo", "douyin"]) });
      }
      if (rng() < 0.35) emit("search", step(), { query_genre: GENRES[weighted(rng, taste)] });
      if (d - signupDay < 7 && followsLeft > 0) {
        const k = Math.min(followsLeft, 1 + poisson(rng, followsLeft / 3));
        for (let i = 0; i < k; i++) emit("follow", step(), { target_user: `u${String(1 + Math.floor(rng() * 100000)).padStart(7, "0")}` });
        followsLeft -= k;
      } else if (rng() < 0.04 * e) emit("follow", step(), { target_user: `u${String(1 + Math.floor(rng() * 100000)).padStart(7, "0")}` });
      if (rng() < 0.06 + 0.05 * e) {
        const items = 1 + poisson(rng, 0.6);
        const price = Math.round(Math.exp(3.3 + 0.5 * normal(rng)) * 100) / 100;
        emit("add_to_cart", step(), { items, price });
        if (rng() < 0.55 - 0.4 * priceSensitivity) emit("purchase", step(), { items, amount: Math.round(items * price * 100) / 100 });
      }
      if (!vip && rng() < 0.003 * e * (1.3 - priceSensitivity)) {
        vip = true;
        emit("subscribe_vip", step(), { plan: pick(rng, ["monthly", "monthly", "yearly"]), amount: 18 });
      } else if (vip && rng() < 0.004 / (0.5 + e)) {
        vip = false;
        emit("cancel_vip", step());
      }
    }
    // Messages keep arriving after churn: receipts are not activity, so they must not revive anyone.
    if (d % 14 === 3 && rng() < 0.3) {
      const coupon = `c${d}`;
      emit("coupon_received", at(d), { coupon_id: coupon, value: pick(rng, [5, 10, 20]) });
      if (alive && rng() < 0.05 + 0.45 * priceSensitivity) {
        const rd = Math.min(days - 1, d + Math.floor(rng() * 3));
        emit("coupon_redeemed", at(rd), { coupon_id: coupon });
        const amount = Math.round(Math.exp(3.2 + 0.4 * normal(rng)) * 100) / 100;
        emit("purchase", at(rd), { items: 1, amount, coupon_id: coupon });
      }
    }
    if (rng() < 0.2) {
      emit("push_received", at(d), { campaign: `p${d % 30}` });
      if (alive && rng() < 0.04 + 0.1 * e) {
        emit("push_opened", at(d), { campaign: `p${d % 30}` });
        if (rng() < 0.5) emit("push_clicked", at(d), { campaign: `p${d % 30}` });
      }
    }
    if (d % 7 === 5 && rng() < 0.2) {
      emit("sms_received", at(d), { campaign: `sms${d}` });
      if (alive && rng() < 0.03 + 0.03 * e) emit("sms_clicked", at(d), { campaign: `sms${d}` });
    }
  }
  const end = endMs - tzOffsetMs;
  return { user, events: events.filter((ev) => ev.ms < end).sort((a, b) => a.ms - b.ms || (a.id < b.id ? -1 : 1)) };
}
