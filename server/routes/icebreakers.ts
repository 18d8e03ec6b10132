import type { Router } from "../openapi.ts";

/** Taste matches between opted-in users, and icebreaker lines that cite what they share. */
export function registerIcebreakers(app: Router) {
  void app;
}
