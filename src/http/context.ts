import type { Context } from "hono";
import type { AppConfig } from "../config";
import type { ServiceContext } from "../context";
import { type Db, getDb } from "../db/client";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { now } from "../lib/clock";
import type { AuthContext } from "../services/accounts";
import type { AdmissionScope } from "../services/admission";

/**
 * The service context of a request (routes → services; services never see Hono). Middleware and
 * route share one, built on first use, after the config and request id are set; most requests
 * never make an absolute URL, so the origin is read on first use only (docs/performance.md,
 * "Thread profile").
 */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  let ctx = c.get("serviceContext");
  if (!ctx) {
    ctx = new RequestServiceContext(c);
    c.set("serviceContext", ctx);
  }
  return ctx;
}

/**
 * A class, not an object literal with a getter: the lazy origin lives on the prototype, so a request
 * allocates no accessor and no closure for it.
 */
class RequestServiceContext implements ServiceContext {
  readonly env: Env;
  readonly config: AppConfig;
  readonly db: Db;
  readonly requestId: string;
  readonly now = now;
  admission: AdmissionScope | undefined = undefined;
  #origin: string | undefined;
  readonly #url: string;

  constructor(c: Context<AppEnv>) {
    this.env = c.env;
    this.config = c.get("config");
    this.db = getDb(c.env.DB);
    this.requestId = c.get("requestId");
    this.#url = c.req.url;
  }

  get baseUrl(): string {
    this.#origin ??= originOf(this.#url);
    return this.#origin;
  }
}

/**
 * The origin of a request URL as the runtime hands it over: already parsed and normalised (scheme
 * and host lower-case, default port dropped), so it is everything before the path, without parsing
 * it again. An authority with user info (never from a Host header) takes the full parser.
 */
export function originOf(url: string): string {
  const start = url.indexOf("//") + 2;
  const slash = url.indexOf("/", start);
  const head = slash === -1 ? url : url.slice(0, slash);
  return head.includes("@", start) ? new URL(url).origin : head;
}

/** The authenticated caller; routes behind `requireApiKey` always have one. */
export function authOf(c: Context<AppEnv>): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("MISSING_API_KEY", "Authentication required.");
  return auth;
}
