import { serve } from "@hono/node-server";
import { Analytics } from "@segment/analytics-node";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { expectEnvelope, rows, setup } from "./helpers.ts";

describe("Segment compatibility: POST /v1/batch", () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it("round-trips track, page, screen, identify and alias sent by the official analytics-node client", async () => {
    const t = setup(new Date());
    const writeKey = t.key("acme", ["ingest"]);
    const reader = t.key("acme", ["operator"]);
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
    close = () => server.close();
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as AddressInfo).port;
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey, host: `http://127.0.0.1:${port}`, flushAt: 4, maxRetries: 0 });
    analytics.on("error", (e) => errors.push(e));
    analytics.track({ anonymousId: "seg-dev", event: "app_open", properties: { source: "push" } });
    analytics.page({ anonymousId: "seg-dev", name: "Home", category: "main" });
    analytics.identify({ userId: "seg-user", anonymousId: "seg-dev", traits: { city_tier: 2, plan: "free" } });
    analytics.track({ userId: "seg-user", event: "purchase", properties: { amount: 18, items: 1 } });
    analytics.screen({ userId: "seg-user", name: "Player" });
    analytics.alias({ previousId: "legacy-42", userId: "seg-user" });
    analytics.track({ userId: "legacy-42", event: "like", properties: { song_id: "s1" } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const profile = await t.call("GET", "/v1/users/seg-user", { key: reader });
    expect(profile.status).toBe(200);
    expect(profile.body.traits).toEqual({ city_tier: 2, plan: "free" });
    expect(profile.body.identities.map((i: any) => [i.kind, i.value])).toEqual([
      ["anonymous_id", "seg-dev"],
      ["user_id", "legacy-42"],
    ]);
    const names = profile.body.latestEvents.map((e: any) => e.name).sort();
    expect(names).toEqual(["app_open", "like", "page_view", "purchase", "screen_view"]);
    const page = profile.body.latestEvents.find((e: any) => e.name === "page_view");
    expect(page.properties).toMatchObject({ name: "Home", category: "main" });
    const purchase = profile.body.latestEvents.find((e: any) => e.name === "purchase");
    expect(purchase.amount).toBe(18);
    // Segment's messageId is our event id: the client's retries can never double-count.
    expect(rows(t.db, "SELECT count(DISTINCT message_id) AS n, count(*) AS m FROM events")).toEqual([{ n: 5, m: 5 }]);
  });

  it("reports unsupported and invalid messages by index and stores the rest", async () => {
    const t = setup();
    const key = t.key("acme", ["ingest"]);
    const r = await t.call("POST", "/v1/batch", {
      key,
      body: {
        batch: [
          { type: "track", event: "x", userId: "u", messageId: "m1", context: { library: { name: "x" } } },
          { type: "group", groupId: "g", userId: "u" },
          { type: "track", userId: "u" },
          { type: "identify", traits: { a: 1 } },
          { type: "track", event: "x", userId: "u", messageId: "m1" },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 3 });
    expect(r.body.errors.map((e: any) => [e.index, e.code])).toEqual([
      [1, "unsupported_type"],
      [2, "invalid_message"],
      [3, "missing_identity"],
    ]);
    expectEnvelope(await t.call("POST", "/v1/batch", { key, body: { batch: [{ type: "nope" }] } }), 400, "validation_failed");
  });
});
