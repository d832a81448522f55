import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { getMaintenance, knownMaintenance, type MaintenanceState } from "../services/maintenance";
import { serviceContext } from "./context";

/**
 * In maintenance every integrator route answers 503 + Retry-After. Synchronous while this isolate's
 * copy of the setting is fresh, so a request that passes awaits nothing here.
 */
export function refuseDuringMaintenance(c: Context<AppEnv>): void | Promise<void> {
  const ctx = serviceContext(c);
  const known = knownMaintenance(ctx);
  if (known) return refuseIfDown(known);
  return getMaintenance(ctx).then(refuseIfDown);
}

function refuseIfDown(m: MaintenanceState): void {
  if (m.enabled) {
    throw new ApiError("SERVICE_UNAVAILABLE", "Drape is down for maintenance. Retry after the number of seconds in Retry-After.", {
      headers: { "retry-after": String(m.retryAfterSeconds) },
    });
  }
}

/** The gate as a middleware of its own: the signed file URLs and FASHN's routes (Drape's integrator routes take `integratorGate`). */
export const maintenanceGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  await refuseDuringMaintenance(c);
  await next();
};
