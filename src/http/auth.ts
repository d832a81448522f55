import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { timeStep } from "../lib/step-timing";
import { type AuthContext, authenticate, readPresentedKey } from "../services/accounts";
import { serviceContext } from "./context";
import { endpointPathOf } from "./route-table";

/** The API key (isolate-cached ≤ 30 s) into `c.var.auth`, as a middleware of its own (the MCP endpoint; integrator routes take `integratorAccess`). */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  await resolveApiKey(c);
  await next();
};

/**
 * Sets `c.var.auth` from the presented key, or refuses it; sets nothing on an unknown path, which
 * answers ROUTE_NOT_FOUND/METHOD_NOT_ALLOWED instead of an auth error. `requireApiKey` as a middleware,
 * or the first step of `integratorAccess`.
 */
export function resolveApiKey(c: Context<AppEnv>): void | Promise<void> {
  if (endpointPathOf(c) === null) return;
  const ctx = serviceContext(c);
  const presented = readPresentedKey(c.req.raw.headers);
  // A key this isolate knows answers synchronously; only a lookup is awaited (and timed).
  const caller = authenticate(ctx, presented);
  if (!(caller instanceof Promise)) return setCaller(c, caller);
  return timeStep("auth", () => caller).then((auth) => setCaller(c, auth));
}

function setCaller(c: Context<AppEnv>, auth: AuthContext): void {
  c.set("auth", auth);
  c.set("accountId", auth.accountId);
}

/** Operator routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const requireAdminToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (endpointPathOf(c) === null) return next();
  const expected = c.env.ADMIN_TOKEN;
  const authz = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(authz.trim());
  if (!m?.[1]) throw new ApiError("MISSING_API_KEY", "Operator routes need Authorization: Bearer <ADMIN_TOKEN>.");
  if (!expected || expected.length < 16 || !(await timingSafeEqualStrings(m[1].trim(), expected))) {
    throw new ApiError("INVALID_API_KEY", "The operator token is not valid.");
  }
  await next();
};
