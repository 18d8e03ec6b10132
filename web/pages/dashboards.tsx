import type { Router } from "../../server/openapi.ts";

/** Filled in by its page's author. */
export function registerDashboards(app: Router) {
  void app;
}
