import type { MiddlewareHandler } from "hono";
import { accountIdForMode } from "../../services/accounts";
import { loadOperatorSession, loadSession } from "../../services/users";
import { dashContext } from "../context";
import {
  clearOperatorCookie,
  clearSessionCookie,
  mintCsrfCookie,
  readCsrfCookie,
  readOperatorCookie,
  readSessionCookie,
  readTestModeCookie,
  takeFlash,
} from "../cookies";
import type { DashEnv } from "../env";

/**
 * Loads the session (if any), the flash message and, for signed-out visitors, the pre-session
 * CSRF token. A cookie that opens no live session is cleared.
 */
export const loadSignedIn: MiddlewareHandler<DashEnv> = async (c, next) => {
  const token = readSessionCookie(c);
  const signedIn = token ? await loadSession(dashContext(c), token) : null;
  if (token && !signedIn) clearSessionCookie(c);
  c.set("signedIn", signedIn);
  // The console's ADMIN_TOKEN session is only ever read by the console's pages, and only when the
  // signed-in user is not an operator already (one session, one CSRF token per page).
  const operatorToken = c.req.path.startsWith("/dashboard/operator") && !signedIn?.user.isOperator ? readOperatorCookie(c) : null;
  const operatorSession = operatorToken ? await loadOperatorSession(dashContext(c), operatorToken) : null;
  if (operatorToken && !operatorSession) clearOperatorCookie(c);
  c.set("operatorSession", operatorSession);
  // The request log line names the account, as it does for API requests.
  if (signedIn?.current) c.set("accountId", signedIn.current.accountId);
  // Test mode reads and writes the current account's twin (created on first use).
  const testMode = signedIn !== null && readTestModeCookie(c, signedIn.session.id);
  c.set("mode", testMode ? "test" : "live");
  const current = signedIn?.current?.accountId ?? null;
  c.set("dataAccountId", current && testMode ? await accountIdForMode(dashContext(c), current, "test") : current);
  c.set("flash", c.req.method === "GET" ? takeFlash(c) : null);
  c.set("preSessionCsrf", signedIn ? null : readCsrfCookie(c));
  c.set("form", {});
  await next();
};

/** Signed-out pages mint the pre-session CSRF cookie their forms need (once per visitor). */
export const ensurePreSessionCsrf: MiddlewareHandler<DashEnv> = async (c, next) => {
  if (!c.get("signedIn") && !c.get("preSessionCsrf")) c.set("preSessionCsrf", mintCsrfCookie(c));
  await next();
};

/**
 * A `next` that stays inside the dashboard (no open redirect): a path under /dashboard on this
 * origin, else /dashboard.
 */
export function safeNext(raw: string | undefined | null): string {
  if (!raw || raw.length > 2000 || !raw.startsWith("/dashboard") || raw.startsWith("//") || raw.includes("\\")) return "/dashboard";
  try {
    const url = new URL(raw, "https://drape.invalid");
    if (url.origin !== "https://drape.invalid" || !(url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/"))) return "/dashboard";
    return `${url.pathname}${url.search}`;
  } catch {
    return "/dashboard";
  }
}

/** Signed-out requests go to sign-in (303), and come back to the page they asked for after it. */
export const requireSignIn: MiddlewareHandler<DashEnv> = async (c, next) => {
  if (c.get("signedIn")) return next();
  const url = new URL(c.req.url);
  // A POST cannot be replayed after sign-in: its page is the way back.
  const back = c.req.method === "GET" || c.req.method === "HEAD" ? safeNext(`${url.pathname}${url.search}`) : "/dashboard";
  const target = back === "/dashboard" ? "/dashboard/sign-in" : `/dashboard/sign-in?next=${encodeURIComponent(back)}`;
  return c.redirect(target, 303);
};
