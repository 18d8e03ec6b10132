import type { Context, MiddlewareHandler } from "hono";
import type { Db } from "../../db/sql.ts";
import type { Scope } from "../../db/schema/index.ts";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { findActiveKey, hasScope, touchKey } from "../../tools/keys/index.ts";
import type { AppEnv } from "../env.ts";
import { RateLimiter } from "./rateLimit.ts";
import { looksLikeEndUserToken, verifyEndUserToken } from "../../tools/endUsers/tokens.ts";
import type { Prompts } from "../../lib/prompts.ts";

/** The key from `Authorization: Bearer <key>` or Basic with the key as user name (Segment's write key). */
export function keyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme!)) return value.trim();
  if (/^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(value.trim(), "base64").toString("utf8");
    return decoded.split(":", 1)[0] || undefined;
  }
  return undefined;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * What a request's credential grants: resolved from the keys table or an end-user token, or (inside
 * a Durable Object) forwarded by the Worker. An end-user token has no scopes and `endUserId` set:
 * it reaches only the routes that take end users, for that user only.
 */
export type KeyGrant = { keyId: string; workspaceId: number; scopes: Scope[]; rateLimit: number; burst: number; endUserId?: string };
export type KeyResolver = (secret: string, request: Request) => KeyGrant | undefined | Promise<KeyGrant | undefined>;

/** A device's own rate: enough for an app, far below a backend key's. */
const END_USER_RATE = { rateLimit: 20, burst: 60 };

/**
 * API keys from the keys table (a new key works at once, a revoked one stops at once; last use is
 * noted once a minute) and end-user tokens checked against the deployment's token key.
 */
export function keysTableResolver(db: Db, now: () => Date): (secret: string) => KeyGrant | undefined | Promise<KeyGrant | undefined> {
  const touched = new Map<string, number>();
  return (secret) => {
    if (looksLikeEndUserToken(secret))
      return verifyEndUserToken(db, secret, now()).then((t) => t && { keyId: `eut:${t.workspaceId}:${t.userId}`, workspaceId: t.workspaceId, scopes: [], ...END_USER_RATE, endUserId: t.userId });
    const key = findActiveKey(db, secret);
    if (!key) return undefined;
    const at = now().getTime();
    if ((touched.get(key.id) ?? 0) + TOUCH_EVERY_MS < at) {
      touched.set(key.id, at);
      touchKey(db, key.id, at);
    }
    return { keyId: key.id, workspaceId: key.workspaceId, scopes: key.scopes, rateLimit: key.rateLimit, burst: key.burst };
  };
}

/**
 * Authenticates every /v1 request: the key is resolved on each request, then rate limited; the
 * request's tool context is set here.
 */
export function authenticate(deps: { db: Db; now: () => Date; log: Logger; prompts: Prompts; limiter: RateLimiter; resolve: KeyResolver }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = keyFromHeader(c.req.header("authorization"));
    if (!secret)
      throw new ApiError(ErrorCode.Unauthorized, bi("缺少 API 密钥", "missing API key: send Authorization: Bearer <key>"));
    const key = await deps.resolve(secret, c.req.raw);
    if (!key) throw new ApiError(ErrorCode.Unauthorized, bi("API 密钥无效或已吊销", "unknown or revoked API key"));
    const wait = deps.limiter.take(key.keyId, key.rateLimit, key.burst, deps.now().getTime());
    if (wait > 0)
      throw new ApiError(ErrorCode.RateLimited, bi("请求过于频繁", `rate limit of ${key.rateLimit}/s exceeded`), undefined, {
        "Retry-After": String(Math.max(1, Math.ceil(wait / 1000))),
      });
    c.set("auth", { keyId: key.keyId, workspaceId: key.workspaceId, scopes: key.scopes, ...(key.endUserId ? { endUserId: key.endUserId } : {}) });
    c.set("ctx", { db: deps.db, workspaceId: key.workspaceId, now: deps.now, log: c.get("log"), prompts: deps.prompts });
    await next();
  };
}

/** `endUsers`: the route also takes end-user tokens (which then act for their own user only: see actingUser). */
export function requireScope(scope: Scope, opts: { endUsers?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get("auth");
    if (auth.endUserId) {
      if (!opts.endUsers) throw new ApiError(ErrorCode.Forbidden, bi("终端用户令牌不能调用此接口", "an end-user token cannot call this route: it is for songs, chat, balances and referrals"));
      return next();
    }
    if (!hasScope(auth.scopes, scope))
      throw new ApiError(ErrorCode.Forbidden, bi(`密钥缺少 ${scope} 权限`, `this key lacks the '${scope}' scope`));
    await next();
  };
}

/**
 * The user a request acts for: an end-user token's own user (naming anyone else is a 403), or the
 * user a key names.
 */
export function actingUser(auth: { endUserId?: string }, named: string): string {
  if (auth.endUserId && auth.endUserId !== named)
    throw new ApiError(ErrorCode.Forbidden, bi("终端用户令牌只能操作本人的数据", "an end-user token acts for its own user only"));
  return named;
}


/** The user a request acts for: an end-user token's own (naming another is a 403), or the one a key names (required then). */
export function requestUser(c: Context<AppEnv>, named: string | undefined, field = "userId"): string {
  const auth = c.get("auth");
  if (auth.endUserId) return actingUser(auth, named ?? auth.endUserId);
  if (!named) throw new ApiError(ErrorCode.ValidationFailed, bi(`缺少 ${field}`, `${field} is required with an API key (an end-user token names its own user)`), [{ path: field, message: "required" }]);
  return named;
}
