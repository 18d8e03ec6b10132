// The few Workers runtime types server/worker.ts uses. The project type-checks against Node's
// globals; @cloudflare/workers-types declares conflicting ones, so only these are declared here.
declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
  export interface DurableObjectState {
    storage: import("../db/durable.ts").DurableStorage & {
      getAlarm(): Promise<number | null>;
      setAlarm(at: number): Promise<void>;
    };
    blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  }
  export interface DurableObjectNamespace<T = unknown> {
    idFromName(name: string): unknown;
    get(id: unknown): T & { fetch(request: Request): Promise<Response> };
  }
  export interface R2Bucket {
    put(key: string, value: Uint8Array, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
    get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; httpMetadata?: { contentType?: string } } | null>;
  }
  export interface Fetcher {
    fetch(request: Request | string): Promise<Response>;
  }
}

// A .wasm import under wrangler is a compiled WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
