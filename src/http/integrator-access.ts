import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../env";
import { admission } from "./admission";
import { resolveApiKey } from "./auth";
import { limitBodies } from "./body-limit";
import { refuseDuringMaintenance } from "./maintenance";

/**
 * Every integrator route (Drape's and FASHN's): the API key, then admission (rate limit,
 * Idempotency-Key), as one middleware. Each hono layer a request passes costs it a dispatch of its
 * own, and these two always run together (docs/performance.md, item 14).
 */
export function integratorAccess(c: Context<AppEnv>, next: Next): Promise<void> {
  const lookup = resolveApiKey(c);
  return lookup ? lookup.then(() => admission(c, next)) : admission(c, next);
}

/**
 * Drape's integrator routes: the maintenance gate, the body caps, then `integratorAccess`, in this
 * order, as one hono layer instead of three (docs/performance.md, item 15). Synchronous up to the
 * route while the maintenance setting and the key are known to this isolate.
 */
export const integratorGate: MiddlewareHandler<AppEnv> = (c, next) => {
  const pass = () => limitBodies(c, () => integratorAccess(c, next));
  const check = refuseDuringMaintenance(c);
  return check ? check.then(pass) : pass();
};
