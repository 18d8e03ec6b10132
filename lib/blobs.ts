/**
 * Where generated files live: a folder on Node (server/blobsNode.ts), R2 on Workers
 * (server/worker.ts), memory in tests. Keys are paths such as `ws/3/songs/song_x/audio.wav`.
 */
export type Blob = { bytes: Uint8Array; contentType: string };

export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Blob | undefined>;
}

/** Keys are made by the product, never taken from a request: this guards against a bug, not a caller. */
export function checkBlobKey(key: string): string {
  // No empty segment and none made only of dots (the current or parent folder).
  if (!/^[A-Za-z0-9_./-]{1,400}$/.test(key) || key.split("/").some((p) => p === "" || /^\.+$/.test(p)))
    throw new Error(`bad blob key ${JSON.stringify(key)}`);
  return key;
}

export function memoryBlobs(): BlobStore & { keys(): string[] } {
  const files = new Map<string, Blob>();
  return {
    async put(key, bytes, contentType) {
      files.set(checkBlobKey(key), { bytes: bytes.slice(), contentType });
    },
    async get(key) {
      const f = files.get(checkBlobKey(key));
      return f && { bytes: f.bytes.slice(), contentType: f.contentType };
    },
    keys: () => [...files.keys()],
  };
}
