import type { Router } from "../openapi.ts";

export function registerReferrals(app: Router) {
  void app;
}
