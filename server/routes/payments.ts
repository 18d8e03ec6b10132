import type { Router } from "../openapi.ts";

export function registerPayments(app: Router) {
  void app;
}
