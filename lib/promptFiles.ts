import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { Prompts } from "./prompts.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "prompts");

/** The prompts/ folder on Node, each file read once. */
export function filePrompts(root = ROOT): Prompts {
  const cache = new Map<string, string>();
  return {
    text(path) {
      let t = cache.get(path);
      if (t === undefined) {
        const full = normalize(join(root, path));
        if (!full.startsWith(normalize(root))) throw new Error(`prompt path outside prompts/: ${path}`);
        cache.set(path, (t = readFileSync(full, "utf8")));
      }
      return t;
    },
  };
}

/** The repository's prompts/ folder, shared by the Node server, the CLI, the bench and tests. */
export const repoPrompts = filePrompts();
