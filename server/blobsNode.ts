import { mkdir, readFile, writeFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkBlobKey, type BlobStore } from "../lib/blobs.ts";

/**
 * Files in a folder (FILES_DIR, default next to the database). The content type is kept in a
 * sidecar, and a file is written under a temporary name and renamed, so a reader never sees half of one.
 */
export function folderBlobs(root: string): BlobStore {
  return {
    async put(key, bytes, contentType) {
      const path = join(root, checkBlobKey(key));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, bytes);
      await writeFile(`${path}.type`, contentType);
      await rename(`${path}.tmp`, path);
    },
    async get(key) {
      const path = join(root, checkBlobKey(key));
      try {
        const [bytes, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, "utf8")]);
        return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
  };
}
