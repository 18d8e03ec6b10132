import type { MiddlewareHandler } from "hono";
import { randomToken } from "../../lib/ids.ts";
import type { Logger } from "../../lib/log.ts";
import type { AppEnv } from "../env.ts";

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id on every request and answer (the caller's own when it sent a sane one), and an access log line. */
export function requestContext(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && VALID_ID.test(given) ? given : `req_${randomToken(16)}`;
    c.set("requestId", requestId);
    c.set("log", log.child({ requestId }));
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    const status = c.res.status;
    const fields = { method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - started) * 10) / 10 };
    // Successes at debug (ingest runs at hundreds of requests a second); refusals are worth seeing.
    if (status >= 500) log.error("request", { requestId, ...fields });
    else if (status >= 400) log.info("request", { requestId, ...fields });
    else log.debug("request", { requestId, ...fields });
  };
}
