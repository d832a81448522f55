import type { Context } from "hono";
import type { ServiceContext } from "../context";
import { getDb } from "../db/client";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { now } from "../lib/clock";
import type { AuthContext } from "../services/accounts";

/** Builds the service context for a request (routes → services; services never see Hono). */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  return {
    env: c.env,
    config: c.get("config"),
    db: getDb(c.env.DB),
    requestId: c.get("requestId"),
    now,
    baseUrl: new URL(c.req.url).origin,
  };
}

/** The authenticated caller; routes behind `requireApiKey` always have one. */
export function authOf(c: Context<AppEnv>): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("MISSING_API_KEY", "Authentication required.");
  return auth;
}
