import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WebAssets } from "./assets.ts";

const own = join(dirname(fileURLToPath(import.meta.url)), "assets");
const vendor: Record<string, string> = { "echarts.min.js": join(dirname(createRequire(import.meta.url).resolve("echarts/package.json")), "dist/echarts.min.js") };
const cache = new Map<string, Uint8Array>();

/** The pages' files from disk, each read once (our own re-read in development would need a restart). */
export const nodeWebAssets: WebAssets = (file) => {
  let body = cache.get(file);
  if (!body) {
    try {
      body = new Uint8Array(readFileSync(vendor[file] ?? join(own, file)));
    } catch {
      return undefined;
    }
    cache.set(file, body);
  }
  return body;
};
