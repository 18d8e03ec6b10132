import type { Router } from "../../server/openapi.ts";

/** Filled in by its page's author. */
export function registerChatPage(app: Router) {
  void app;
}
