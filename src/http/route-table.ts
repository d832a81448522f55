import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv, MatchedEndpoint } from "../env";
import { apiPath } from "../lib/api-paths";

/**
 * The table of (method, path pattern) the app serves, used to tell 404 from
 * 405 and to fill `Allow`. It is filled once from `app.routes` after all
 * routes are registered (see app.ts), so it can never drift from the router.
 */
interface RouteEntry {
  method: string;
  /** The full pattern as registered, e.g. `/tryon/v1/products/:externalId`. */
  path: string;
  regex: RegExp;
}

let table: RouteEntry[] = [];

function toRegex(path: string): RegExp {
  const body = path
    .split("/")
    .map((seg) => {
      if (seg === "*") return ".*";
      if (seg.startsWith(":")) return "[^/]+";
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${body}/?$`);
}

export function registerRouteTable(routes: ReadonlyArray<{ method: string; path: string }>): void {
  table = routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, path: r.path, regex: toRegex(r.path) }));
}

/** Every (method, path pattern) the app serves, once each (the fuzz test walks them all). */
export function servedRoutes(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const out: Array<{ method: string; path: string }> = [];
  for (const r of table) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

export function allowedMethods(path: string): string[] {
  const methods = new Set<string>();
  for (const r of table) if (r.regex.test(path)) methods.add(r.method);
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

/**
 * The endpoint (not middleware) that answers a request, or null when only
 * middleware matched (→ 404/405). Handlers run in registration order and an
 * endpoint answers without calling the next one, so the first endpoint matched
 * is the one that runs: `/webhooks/default-secret` also matches `/webhooks/:id`,
 * registered after it.
 */
function matchedEndpointPath(routes: ReadonlyArray<{ method: string; path: string }>): string | null {
  for (const r of routes) if (r.method !== "ALL") return r.path;
  return null;
}

/** `METHOD /tryon/v1/path`: how middleware names an integrator route (`apiRouteKey("POST", "/try-on")`). */
export function apiRouteKey(method: string, path: string): string {
  return `${method} ${apiPath(path.replace(/\{([^}]+)\}/g, ":$1"))}`;
}

/** `METHOD /full/route/pattern` of the endpoint this request matched ("" path when none). */
export function routeKeyOf(c: Context<AppEnv>): string {
  return endpointOf(c).key;
}

/** The full path pattern of the endpoint this request matched; null when only middleware matched. */
export function endpointPathOf(c: Context<AppEnv>): string | null {
  return endpointOf(c).path;
}

/**
 * Found once per request and kept on the context: auth, admission, the body caps and the access log
 * all ask, and hono's `matchedRoutes` builds a fresh array of every matched handler on each call.
 */
function endpointOf(c: Context<AppEnv>): MatchedEndpoint {
  let endpoint = c.get("endpoint");
  if (!endpoint) {
    const path = matchedEndpointPath(matchedRoutes(c));
    endpoint = { path, key: `${c.req.method} ${path ?? ""}` };
    c.set("endpoint", endpoint);
  }
  return endpoint;
}
