import type { Context } from "hono";
import type { ServiceContext } from "../context";
import { serviceContext } from "../http/context";
import type { RelyingParty, SignedIn } from "../services/users";
import type { DashEnv } from "./env";

/** The service context of a dashboard request (the same one the API's routes build). */
export function dashContext(c: Context<DashEnv>): ServiceContext {
  return serviceContext(c as unknown as Parameters<typeof serviceContext>[0]);
}

/** The signed-in state of a page behind `requireSignIn` (it always has one). */
export function signedInOf(c: Context<DashEnv>): SignedIn {
  const signedIn = c.get("signedIn");
  if (!signedIn) throw new Error("page rendered without requireSignIn");
  return signedIn;
}

/**
 * The account partition every data page (overview, keys, generations, products, webhooks, credits)
 * reads and writes: the current account, or its test twin while the session is in test mode. The
 * one place that decides; members, settings and the operator console stay on the live account.
 */
export function dataAccountId(c: Context<DashEnv>): string {
  const id = c.get("dataAccountId");
  if (!id) throw new Error("data page rendered without a current account");
  return id;
}

/** True while the session shows test data. */
export function inTestMode(c: Context<DashEnv>): boolean {
  return c.get("mode") === "test";
}

/** The client address as Cloudflare reports it (throttling); null when absent (local tools). */
export function clientIp(c: Context<DashEnv>): string | null {
  return c.req.header("cf-connecting-ip") ?? null;
}

/**
 * The CSRF token forms of this request must carry: the console's ADMIN_TOKEN session's (on its
 * pages), the user session's, or the signed-out visitor's cookie.
 */
export function csrfToken(c: Context<DashEnv>): string {
  return c.get("operatorSession")?.csrfToken ?? c.get("signedIn")?.session.csrfToken ?? c.get("preSessionCsrf") ?? "";
}

/**
 * The WebAuthn relying party of this request: its host name and origin. A passkey is bound to the
 * host it was made on (the browser enforces it); a forged Host cannot reach this Worker's routes.
 */
export function relyingParty(c: Context<DashEnv>): RelyingParty {
  const url = new URL(c.req.url);
  return { rpId: url.hostname, origin: url.origin };
}
