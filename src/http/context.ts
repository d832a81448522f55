import type { Context } from "hono";
import type { ServiceContext } from "../context";
import { getDb } from "../db/client";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { now } from "../lib/clock";
import type { AuthContext } from "../services/accounts";

/**
 * Builds the service context for a request (routes → services; services never see Hono). A request
 * builds several (middleware and route), and most never make an absolute URL, so the origin is
 * parsed on first use only (docs/performance.md, "Thread profile").
 */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  let origin: string | undefined;
  return {
    env: c.env,
    config: c.get("config"),
    db: getDb(c.env.DB),
    requestId: c.get("requestId"),
    now,
    get baseUrl() {
      origin ??= new URL(c.req.url).origin;
      return origin;
    },
  };
}

/** The authenticated caller; routes behind `requireApiKey` always have one. */
export function authOf(c: Context<AppEnv>): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("MISSING_API_KEY", "Authentication required.");
  return auth;
}
