import type { Router } from "../../server/openapi.ts";

/** The end-user app at /app: filled in by its page's author. */
export function registerAppPages(app: Router) {
  void app;
}
