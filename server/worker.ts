import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { AsyncLocalStorage } from "node:async_hooks";
import { getPath } from "hono/utils/url";
import { eq } from "drizzle-orm";
import { DurableObject, type DurableObjectNamespace, type DurableObjectState, type Fetcher, type R2Bucket } from "cloudflare:workers";
import { llmFromEnv } from "../agent/model.ts";
import { openDurableDb } from "../db/durable.ts";
import type { Db } from "../db/sql.ts";
import { workspaces } from "../db/schema/index.ts";
import { MIGRATIONS } from "../generated/migrations.ts";
import { PROMPT_FILES } from "../generated/prompts.ts";
import { createLogger, type LogLevel, type Logger } from "../lib/log.ts";
import { bundledPrompts } from "../lib/prompts.ts";
import { adoptWorkspace, getWorkspace } from "../tools/workspaces/index.ts";
import { createApp, isDirectoryPath, type App, type Services } from "./app.ts";
import { keyFromHeader, keysTableResolver, type KeyGrant } from "./middleware/auth.ts";
import { publicWorkspaceOf } from "./middleware/publicWorkspace.ts";
import { checkBlobKey, type BlobStore } from "../lib/blobs.ts";
import { localSigner } from "../tools/certificates/signing.ts";
import { CHECK_EVERY_MS, scheduledTick } from "./schedule.ts";

/**
 * Cloudflare Workers entry (wrangler.toml). The stateless Worker authenticates each /v1 request
 * through the Directory (one Durable Object: workspaces and API keys) and forwards it to its
 * workspace's own SQLite Durable Object, which runs the same createApp and tools as Node.
 */
type Env = {
  WORKSPACE: DurableObjectNamespace<Workspace>;
  /** R2: generated files. */
  FILES?: R2Bucket;
  DIRECTORY: DurableObjectNamespace<Directory>;
  ASSETS?: Fetcher;
  ADMIN_TOKEN?: string;
  LOG_LEVEL?: LogLevel;
  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
  LLM_MODEL?: string;
  /** "on" serves the development pages (/dev/test-payment); off by default, as a deployment is production. */
  DEV_PAGES?: string;
  /** How often a workspace object's alarm runs the scheduled recompute (default ten minutes). */
  RECOMPUTE_EVERY_MS?: string;
};

/** The Worker's word to a workspace object on who is calling: set here, stripped from every incoming request. */
const GRANT_HEADER = "x-flywheel-grant";
/** The same for a keyless request (a signed payment webhook): which workspace the path names. */
const WORKSPACE_HEADER = "x-flywheel-workspace";
type WorkspaceRecord = { id: number; name: string; timezone: string; createdAt: number };
type Grant = KeyGrant & { workspace: WorkspaceRecord };

const prompts = bundledPrompts(PROMPT_FILES);

// LangGraph finds a run's config (approval interrupts, the run context) through AsyncLocalStorage.
// Its Node entry installs one; the entry bundled for workerd does not, so the Worker does.
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());
const logger = (env: Env): Logger =>
  createLogger({ level: env.LOG_LEVEL ?? "info", write: (line, level) => (level === "warn" || level === "error" ? console.error(line) : console.log(line)) });

/** Swagger UI's files from the static assets binding (wrangler.toml [assets]). */
const assetsFrom = (env: Env): Services["docsAssets"] =>
  env.ASSETS ? async (file) => {
    const res = await env.ASSETS!.fetch(new Request(`https://assets.local/${file}`));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
  } : undefined;

/** The pages' files from the same binding: scripts/bundle-assets.mjs puts them under web/. */
const webAssetsFrom = (env: Env): Services["webAssets"] =>
  env.ASSETS ? async (file) => {
    const res = await env.ASSETS!.fetch(new Request(`https://assets.local/web/${file}`));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
  } : undefined;

/** Generated files in R2. */
const r2Blobs = (bucket: R2Bucket): BlobStore => ({
  async put(key, bytes, contentType) {
    await bucket.put(checkBlobKey(key), bytes, { httpMetadata: { contentType } });
  },
  async get(key) {
    const o = await bucket.get(checkBlobKey(key));
    return o ? { bytes: new Uint8Array(await o.arrayBuffer()), contentType: o.httpMetadata?.contentType ?? "application/octet-stream" } : undefined;
  },
});

/** One object's database and app, opened (and migrated) before the object takes its first request. */
abstract class SqlObject extends DurableObject<Env> {
  protected db!: Db;
  protected app!: App;
  protected readonly log: Logger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.log = logger(env);
    void ctx.blockConcurrencyWhile(async () => {
      this.db = await openDurableDb(ctx.storage, MIGRATIONS);
      this.app = createApp({ db: this.db, log: this.log, prompts, llm: llmFromEnv(env), docsAssets: assetsFrom(env), webAssets: webAssetsFrom(env), devPages: env.DEV_PAGES === "on", ...(env.FILES ? { blobs: r2Blobs(env.FILES) } : {}), ...this.services() });
    });
  }

  protected abstract services(): Partial<Services>;

  async fetch(request: Request): Promise<Response> {
    const res = await this.app.fetch(request);
    // A request refused before its body was read (a 401, 403 or 404) leaves the body unread, and
    // under workerd the next request to the object then waited about 30 s: drop what is left.
    if (request.body && !request.bodyUsed) await request.body.cancel().catch(() => undefined);
    return res;
  }
}

/** Workspaces and API keys for the whole deployment; also answers /healthz, /docs and /admin. */
export class Directory extends SqlObject {
  private resolve?: ReturnType<typeof keysTableResolver>;

  protected services(): Partial<Services> {
    return { adminToken: this.env.ADMIN_TOKEN, role: "directory" };
  }

  /** RPC from a workspace object: a certificate signed with the deployment's key, which stays here. */
  signCertificate(manifest: Record<string, unknown>): Promise<string> {
    return localSigner(this.db).sign(manifest);
  }

  certificateKeys() {
    return localSigner(this.db).publicKeys();
  }

  /** RPC from the Worker: a workspace's record, for a keyless request that names it; null if there is none. */
  workspaceRecord(id: number): WorkspaceRecord | null {
    const ws = this.db.select().from(workspaces).where(eq(workspaces.id, id)).get();
    return ws ? { id: ws.id, name: ws.name, timezone: ws.timezone, createdAt: ws.createdAt } : null;
  }

  /** RPC from the Worker: what a key grants, with its workspace's record; null for an unknown or revoked key. */
  async grant(secret: string): Promise<Grant | null> {
    this.resolve ??= keysTableResolver(this.db, () => new Date());
    // End-user tokens are checked here too: the token key, like the API keys, lives in the directory.
    const g = await this.resolve(secret);
    if (!g) return null;
    const ws = getWorkspace(this.db, g.workspaceId);
    return { ...g, workspace: { id: ws.id, name: ws.name, timezone: ws.timezone, createdAt: ws.createdAt } };
  }
}

/** One workspace's data and tools. Its scheduled recompute runs from the object's alarm. */
export class Workspace extends SqlObject {
  private adopted = false;
  // At least a second: a zero or negative period would make the alarm fire in a loop.
  private readonly every = Math.max(1000, Number(this.env.RECOMPUTE_EVERY_MS) || CHECK_EVERY_MS);

  protected services(): Partial<Services> {
    const directory = () => this.env.DIRECTORY.get(this.env.DIRECTORY.idFromName("directory"));
    return {
      resolveKey: (_secret, request) => this.grantOf(request),
      role: "workspace",
      signer: { sign: (m) => directory().signCertificate(m), publicKeys: () => directory().certificateKeys() },
    };
  }

  private grantOf(request: Request): KeyGrant | undefined {
    const raw = request.headers.get(GRANT_HEADER);
    if (!raw) return undefined;
    const grant = JSON.parse(raw) as Grant;
    this.adopt(grant.workspace);
    return grant;
  }

  /** The first request tells the object which workspace it holds; from then on its alarm runs. */
  private adopt(ws: WorkspaceRecord) {
    if (this.adopted) return;
    adoptWorkspace(this.db, ws);
    this.adopted = true;
    void this.ctx.storage.getAlarm().then((at) => (at === null ? this.ctx.storage.setAlarm(Date.now() + this.every) : undefined));
  }

  override fetch(request: Request): Promise<Response> {
    const named = request.headers.get(WORKSPACE_HEADER);
    if (named) this.adopt(JSON.parse(named) as WorkspaceRecord);
    return super.fetch(request);
  }

  async alarm(): Promise<void> {
    // The next alarm first: a tick that fails or runs out of CPU must not stop the schedule.
    await this.ctx.storage.setAlarm(Date.now() + this.every);
    // Awaited so the outbound webhook deliveries finish inside the alarm's invocation.
    await Promise.all(this.db.select().from(workspaces).all().map((ws) => scheduledTick({ db: this.db, workspaceId: ws.id, now: () => new Date(), log: this.log, prompts }, ws.name)));
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.delete(GRANT_HEADER);
    headers.delete(WORKSPACE_HEADER);
    // The body is read here, whole, before anything answers: a request answered with its body unread
    // (a 401, 403 or 404 before the handler read it) held the next request on the connection for
    // about 30 s under local workerd. Bodies are at most a few MB (the apps' own limits).
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const forward = () => new Request(request.url, { method: request.method, headers, ...(body !== undefined ? { body } : {}) });
    // Route on the path exactly as the app's router reads it: "/%761/events" is "/v1/events" there.
    const path = getPath(request);
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    // Keys live in the directory; so do the routes that are not a workspace's (/healthz, /docs, /admin).
    const named = publicWorkspaceOf(path);
    if (named !== undefined) {
      // A keyless route of one workspace (a signed webhook): the directory says whether it exists.
      const ws = Number.isNaN(named) ? null : await directory.workspaceRecord(named);
      // No such workspace: the directory answers the 404 envelope.
      if (!ws) return directory.fetch(forward());
      headers.set(WORKSPACE_HEADER, JSON.stringify(ws));
      return env.WORKSPACE.get(env.WORKSPACE.idFromName(`workspace:${ws.id}`)).fetch(forward());
    }
    const own = path.startsWith("/v1/") && !isDirectoryPath(path);
    const secret = own ? keyFromHeader(headers.get("authorization") ?? undefined) : undefined;
    const grant = secret ? await directory.grant(secret) : null;
    // No grant: the directory's app answers, with the same 401 envelope as on Node.
    if (!grant) return directory.fetch(forward());
    headers.set(GRANT_HEADER, JSON.stringify(grant));
    const workspace = env.WORKSPACE.get(env.WORKSPACE.idFromName(`workspace:${grant.workspaceId}`));
    return workspace.fetch(forward());
  },
};
