import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { elapsedMs, now } from "../lib/clock";
import { log } from "../lib/logger";
import { endpointPathOf } from "./route-table";

/**
 * One structured line per request: id, method, matched route (the pattern, not
 * the concrete path, so ids and user data stay out), status, duration, account.
 */
export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = now();
  await next();
  log(c.res.status >= 500 ? "error" : "info", "request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    route: endpointPathOf(c) ?? "(none)",
    status: c.res.status,
    durationMs: elapsedMs(started),
    accountId: c.get("accountId") ?? null,
    // Set when a multipart body was read: the most body bytes held at once (docs/limits.md).
    bodyPeakBytes: c.get("bodyPeakBytes"),
  });
};
