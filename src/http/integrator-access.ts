import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { admission } from "./admission";
import { resolveApiKey } from "./auth";

/**
 * Every integrator route (Drape's and FASHN's): the API key, then admission (rate limit,
 * Idempotency-Key), as one middleware. Each hono layer a request passes costs it a promise chain of
 * its own, and these two always run together (docs/performance.md, item 14).
 */
export const integratorAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  await resolveApiKey(c);
  return admission(c, next);
};
