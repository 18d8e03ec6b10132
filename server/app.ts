import type { Db } from "../db/sql.ts";
import { ApiError, ErrorCode, bi } from "../lib/errors.ts";
import { silentLogger, type Logger } from "../lib/log.ts";
import { onError, sendError } from "./errors.ts";
import { authenticate, keysTableResolver, type KeyResolver } from "./middleware/auth.ts";
import { registerAdmin } from "./routes/admin.ts";
import type { DocsAssets } from "./routes/docs.ts";
import { RateLimiter } from "./middleware/rateLimit.ts";
import { requestContext } from "./middleware/requestContext.ts";
import { publicWorkspace, publicWorkspaceOf } from "./middleware/publicWorkspace.ts";
import { newRouter } from "./openapi.ts";
import { OperatorAgent } from "../agent/agent.ts";
import type { LlmSettings } from "../agent/model.ts";
import { registerAgent } from "./routes/agent.ts";
import { registerAnalytics } from "./routes/analytics.ts";
import { registerCatalog } from "./routes/catalog.ts";
import { registerDocs } from "./routes/docs.ts";
import { registerEvents } from "./routes/events.ts";
import { registerIdentity } from "./routes/identity.ts";
import { registerKeys } from "./routes/keys.ts";
import { registerCopy } from "./routes/copy.ts";
import { registerCampaigns } from "./routes/campaigns.ts";
import { registerBilling } from "./routes/billing.ts";
import { registerPayments } from "./routes/payments.ts";
import { registerReferrals } from "./routes/referrals.ts";
import { registerEndUsers } from "./routes/endUsers.ts";
import { registerSongs } from "./routes/songs.ts";
import { VERIFY_PATH, registerCertificates } from "./routes/certificates.ts";
import { localSigner } from "../tools/certificates/signing.ts";
import type { CertificateSigner } from "../tools/certificates/issue.ts";
import { memoryBlobs, type BlobStore } from "../lib/blobs.ts";
import { registerTracking } from "./routes/tracking.ts";
import { registerSegments } from "./routes/segments.ts";
import { registerUsers } from "./routes/users.ts";
import { registerPersonas } from "./routes/personas.ts";
import { registerIcebreakers } from "./routes/icebreakers.ts";
import { registerPersonaChat } from "./routes/personaChat.ts";
import { registerChatCompletions } from "./routes/chatCompletions.ts";
import { isOpenAiPath, openAiErrors } from "./middleware/openaiErrors.ts";
import type { Prompts } from "../lib/prompts.ts";
import { registerWeb } from "../web/register.tsx";
import type { WebAssets } from "../web/assets.ts";

export type Services = {
  db: Db;
  now?: () => Date;
  log?: Logger;
  /** prompts/ files (a folder on Node, the bundle on Workers). */
  prompts: Prompts;
  /** An OpenAI-compatible endpoint for the agent; unset = the built-in offline model. */
  llm?: LlmSettings;
  /** Set by the Node entry while demo data loads, so /healthz can say so. */
  status?: () => Record<string, unknown>;
  /** How a key becomes a grant; default: this database's keys table. A workspace Durable Object trusts its Worker instead. */
  resolveKey?: KeyResolver;
  /** Enables POST /admin/workspaces for bearers of this token. */
  adminToken?: string;
  /** Swagger UI's files for /docs; absent, /docs/assets answers 404. */
  docsAssets?: DocsAssets;
  /**
   * Which /v1 routes this app answers: all of them (Node), only the keys (the Workers directory
   * object, where keys live), or all but the keys (a workspace object). Every route is still
   * registered, so each app's OpenAPI document describes the whole API.
   */
  role?: "all" | "directory" | "workspace";
  /** Where generated files go (songs): a folder on Node, R2 on Workers; default, memory (tests). */
  blobs?: BlobStore;
  /** Signs certificates and publishes the public keys; default, this database's own key (on Workers the directory signs for the workspaces). */
  signer?: CertificateSigner;
  /** The console's and end-user pages' files (web/assets, ECharts): from disk on Node, the assets binding on Workers; absent, /assets answers 404. */
  webAssets?: WebAssets;
  /** Development pages such as /dev/test-payment (default on; `FLYWHEEL_DEV_PAGES=off` in production, `DEV_PAGES=on` to have them on Workers). */
  devPages?: boolean;
};

const noRoute = (method: string, path: string) => new ApiError(ErrorCode.NotFound, bi("路径不存在", `no route ${method} ${path}`));

/**
 * The routes of the deployment's directory (API keys, and minting end-user tokens, whose key lives
 * beside them): served by the Directory object on Workers, by the one app on Node.
 */
export const isDirectoryPath = (path: string) =>
  path === "/v1/keys" || path.startsWith("/v1/keys/") || /^\/v1\/end-users\/[^/]+\/tokens\/?$/.test(path) || path === VERIFY_PATH;

/** /v1 routes that take no key: signed webhooks (their signature) and certificate verification (anyone). */
const isKeylessPath = (path: string) => publicWorkspaceOf(path) !== undefined || path === VERIFY_PATH;

/** The whole HTTP API over the given services; tests pass an in-memory database and a fixed clock. */
export function createApp(services: Services) {
  const now = services.now ?? (() => new Date());
  const log = services.log ?? silentLogger;
  const app = newRouter();
  app.onError(onError);
  app.notFound((c) => sendError(c, noRoute(c.req.method, c.req.path)));
  app.use("*", requestContext(log));
  app.get("/healthz", (c) => c.json({ ok: true, time: now().toISOString(), ...services.status?.() }));
  registerDocs(app, services.docsAssets);
  registerWeb(app, services.webAssets);
  if (services.adminToken) registerAdmin(app, { db: services.db, now, prompts: services.prompts, adminToken: services.adminToken });
  const resolve = services.resolveKey ?? keysTableResolver(services.db, now);
  // Payment webhooks carry a signature instead of a key; they belong to the workspace in their path.
  app.use("/v1/webhooks/*", publicWorkspace({ db: services.db, now, prompts: services.prompts }));
  // Before authentication, so a bad key on these routes is answered in OpenAI's error shape too.
  app.use("/v1/*", (c, next) => (isOpenAiPath(c.req.path) ? openAiErrors(c, next) : next()));
  const auth = authenticate({ db: services.db, now, log, prompts: services.prompts, limiter: new RateLimiter(), resolve });
  app.use("/v1/*", (c, next) => (isKeylessPath(c.req.path) ? next() : auth(c, next)));
  // After authentication: a request without a valid key gets the same 401 from any app.
  const role = services.role ?? "all";
  if (role !== "all")
    app.use("/v1/*", async (c, next) => {
      if (isDirectoryPath(c.req.path) !== (role === "directory")) throw noRoute(c.req.method, c.req.path);
      await next();
    });
  registerEvents(app);
  registerTracking(app);
  registerIdentity(app);
  registerUsers(app);
  registerCatalog(app);
  registerSegments(app);
  registerAnalytics(app);
  registerKeys(app);
  registerAgent(app, new OperatorAgent({ db: services.db, prompts: services.prompts, llm: services.llm }));
  registerCopy(app);
  registerCampaigns(app);
  registerBilling(app);
  registerPayments(app, { devPages: services.devPages ?? true });
  registerReferrals(app);
  registerEndUsers(app);
  const llm = services.llm?.baseURL && services.llm.model ? { baseURL: services.llm.baseURL, model: services.llm.model, ...(services.llm.apiKey ? { apiKey: services.llm.apiKey } : {}) } : undefined;
  const blobs = services.blobs ?? memoryBlobs();
  const songDeps = { blobs, ...(llm ? { llm } : {}) };
  registerSongs(app, songDeps);
  registerPersonas(app, { blobs });
  registerPersonaChat(app, songDeps);
  registerChatCompletions(app, songDeps);
  registerIcebreakers(app);
  registerCertificates(app, services.signer ?? localSigner(services.db));
  return app;
}

export type App = ReturnType<typeof createApp>;
