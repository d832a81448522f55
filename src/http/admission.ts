import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * Seam for the per-account gate (rate limit, maintenance mode, idempotency):
 * runs after authentication on every integrator route. Filled by the credits
 * and rate-limits work; until then it admits every request.
 */
export const admission: MiddlewareHandler<AppEnv> = async (_c, next) => {
  await next();
};
