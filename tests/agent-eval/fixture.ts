/**
 * The agent evaluation's dataset: two workspaces, deterministic, built in memory through the
 * product's own load paths (nothing is cached on disk).
 *
 * - `demo`: the demo generator (400 users, seed 20261124, 180 days ending at the start of
 *   2026-11-24 in Asia/Shanghai), then `recomputeProfiles`.
 * - `shop`: a second app whose names differ from the demo's the way a real customer's would. Its
 *   users come from the same generator (300 users, another seed, 150 days) and are renamed
 *   (see SHOP_EVENTS, SHOP_PROPERTIES and shopTraits below); unlike the demo its data runs up to
 *   NOW (2026-11-24 20:00 local), so "today" has events, and it sells pricier things (order and
 *   cart money 30× the generator's). It is loaded through `identify` and
 *   `ingestEvents` like an integration would send it. Its purchase event is `order_paid`, so the
 *   workspace's RFM/CLV settings name it (a real customer configures that too); then
 *   `recomputeProfiles`.
 */
import type { Db } from "../../db/sql.ts";
import { silentLogger } from "../../lib/log.ts";
import { repoPrompts } from "../../lib/promptFiles.ts";
import { tzOffsetMs } from "../../lib/time.ts";
import { loadDemo } from "../../scripts/demo/load.ts";
import { simulateUser } from "../../scripts/demo/model.ts";
import type { Ctx } from "../../tools/context.ts";
import { ingestEvents } from "../../tools/events/ingest.ts";
import { identify } from "../../tools/identity/identify.ts";
import { recomputeProfiles } from "../../tools/profiles/recompute.ts";
import { ensureWorkspace } from "../../tools/workspaces/index.ts";

/**
 * tests/helpers.ts's NOW (fixture.test.ts checks they agree), kept here so the fixture and the
 * scorer do not pull in the whole app: 2026-11-24T12:00Z = 20:00 on a Tuesday in Asia/Shanghai.
 */
export const NOW = new Date("2026-11-24T12:00:00Z");

export const DEMO = { workspace: "demo", users: 400, seed: 20261124, days: 180 } as const;
export const SHOP = { workspace: "shop", users: 300, seed: 777, days: 150 } as const;
export type WorkspaceName = typeof DEMO.workspace | typeof SHOP.workspace;

/** Demo event → shop event. Names not listed keep their name (`search`, `follow`, `coupon_received`). */
export const SHOP_EVENTS: Record<string, string> = {
  app_open: "login",
  play_song: "track_play",
  like: "favorite",
  share: "share_track",
  add_to_cart: "cart_add",
  purchase: "order_paid",
  subscribe_vip: "vip_subscribe",
  cancel_vip: "vip_cancel",
  coupon_redeemed: "coupon_used",
  push_received: "push_delivered",
  push_opened: "push_open",
  push_clicked: "push_click",
  sms_received: "sms_delivered",
  sms_clicked: "sms_click",
};

/** Demo property → shop property (every event). `amount` stays: it is the money field. */
export const SHOP_PROPERTIES: Record<string, string> = {
  song_id: "track_id",
  genre: "style",
  query_genre: "style",
  items: "quantity",
  channel: "share_to",
  target_user: "followee_id",
};

/** Demo genre → the shop's `style` values (as its catalog shows them). */
export const SHOP_STYLES: Record<string, string> = {
  pop: "Pop",
  rock: "Rock",
  folk: "Folk",
  hiphop: "Hip-Hop",
  electronic: "Electronic",
  classical: "Classical",
  jazz: "Jazz",
  rnb: "R&B",
  guofeng: "Guofeng",
};

const PLATFORMS: Record<string, string> = { android: "Android", ios: "iOS", miniprogram: "MiniApp" };

/** The shop's traits for a demo user's traits. */
export function shopTraits(t: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  return {
    cityLevel: t.city_tier!,
    sex: t.gender === "female" ? "F" : "M",
    vip: t.member_tier === "member",
    ageGroup: t.age_band!,
    platform: PLATFORMS[String(t.device)]!,
    source: t.channel!,
    registerDate: t.signup_date!,
  };
}

export const shopUserId = (i: number) => `cust_${String(i + 1).padStart(5, "0")}`;

/** The shop sells pricier things than the demo app: order and cart money is 30× the generator's. */
export const SHOP_PRICE_FACTOR = 30;

function shopProperties(name: string, p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const money = name === "purchase" || name === "add_to_cart";
  for (const [k, v] of Object.entries(p)) {
    const key = SHOP_PROPERTIES[k] ?? k;
    if (key === "style" && typeof v === "string") out[key] = SHOP_STYLES[v] ?? v;
    else if (money && (key === "amount" || key === "price") && typeof v === "number") out[key] = Math.round(v * SHOP_PRICE_FACTOR * 100) / 100;
    else out[key] = v;
  }
  return out;
}

const contextFor = (db: Db, workspace: string, settings: Parameters<typeof ensureWorkspace>[3] = {}): Ctx => ({
  db,
  workspaceId: ensureWorkspace(db, workspace, NOW, settings).id,
  now: () => NOW,
  log: silentLogger,
  prompts: repoPrompts,
});

async function loadShop(db: Db) {
  const ctx = contextFor(db, SHOP.workspace, { settings: { rfm: { event: "order_paid" } } });
  const tz = "Asia/Shanghai";
  const offset = tzOffsetMs(tz, NOW.getTime());
  // The generator's end is the end of a local day, on a local clock: the end of 2026-11-24 here,
  // and events after NOW are dropped, so the shop has data "today" up to 20:00.
  const endMs = Date.UTC(2026, 10, 25);
  let events = 0;
  let batch: unknown[] = [];
  const flush = () => {
    if (!batch.length) return;
    const r = ingestEvents(ctx, batch);
    if (r.rejected || r.duplicates) throw new Error(`shop ingest: ${JSON.stringify(r).slice(0, 500)}`);
    events += r.accepted;
    batch = [];
  };
  for (let i = 0; i < SHOP.users; i++) {
    const { user, events: evs } = simulateUser(SHOP.seed, i, SHOP.days, endMs, offset);
    const userId = shopUserId(i);
    identify(ctx, { userId, traits: shopTraits(user.traits) });
    for (const e of evs) {
      if (e.ms > NOW.getTime()) continue;
      batch.push({
        id: `evt_${userId}_${e.id.slice(-5)}`,
        userId,
        name: SHOP_EVENTS[e.name] ?? e.name,
        timestamp: new Date(e.ms).toISOString(),
        properties: shopProperties(e.name, e.properties),
      });
      if (batch.length >= 1000) flush();
    }
  }
  flush();
  recomputeProfiles(ctx);
  return events;
}

export type EvalData = {
  workspaces: WorkspaceName[];
  users: Record<WorkspaceName, number>;
  events: Record<WorkspaceName, number>;
  seconds: number;
};

/** Loads both workspaces into `db` (a fresh one: nothing else in it is touched). */
export async function loadEvalData(db: Db): Promise<EvalData> {
  const started = performance.now();
  const demo = contextFor(db, DEMO.workspace);
  const d = await loadDemo(db, demo.workspaceId, { users: DEMO.users, seed: DEMO.seed, days: DEMO.days, now: NOW });
  recomputeProfiles(demo);
  const shopEvents = await loadShop(db);
  return {
    workspaces: [DEMO.workspace, SHOP.workspace],
    users: { demo: DEMO.users, shop: SHOP.users },
    events: { demo: d.events, shop: shopEvents },
    seconds: (performance.now() - started) / 1000,
  };
}
