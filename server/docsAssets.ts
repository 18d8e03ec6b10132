import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssets } from "./routes/docs.ts";

const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const cache = new Map<string, Uint8Array>();

/** Swagger UI's files from the installed package (these machines have no CDN), each read once. */
export const nodeDocsAssets: DocsAssets = (file) => {
  let body = cache.get(file);
  if (!body) cache.set(file, (body = new Uint8Array(readFileSync(join(dist, file)))));
  return body;
};
