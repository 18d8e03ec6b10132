import type { BlobStore } from "../../lib/blobs.ts";
import type { Router } from "../openapi.ts";

/** Persona cards: list, read, import (JSON or PNG) and export (JSON V2/V3 or PNG). */
export function registerPersonas(app: Router, deps: { blobs: BlobStore }) {
  void app, deps;
}
