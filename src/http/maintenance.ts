import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { getMaintenance, knownMaintenance } from "../services/maintenance";
import { serviceContext } from "./context";

/** Mounted on /tryon/v1 after the documentation and before auth: in maintenance every integrator route answers 503 + Retry-After. */
export const maintenanceGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const ctx = serviceContext(c);
  const m = knownMaintenance(ctx) ?? (await getMaintenance(ctx));
  if (m.enabled) {
    throw new ApiError("SERVICE_UNAVAILABLE", "Drape is down for maintenance. Retry after the number of seconds in Retry-After.", {
      headers: { "retry-after": String(m.retryAfterSeconds) },
    });
  }
  await next();
};
