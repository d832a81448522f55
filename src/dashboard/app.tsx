import type { Context } from "hono";
import { Hono } from "hono";
import { ApiError } from "../errors";
import { allowedMethods } from "../http/route-table";
import { describeError, log } from "../lib/logger";
import type { DashEnv } from "./env";
import { ASSET_CSS, ASSET_JS } from "./layout";
import { csrfProtection } from "./middleware/csrf";
import { idempotentForms } from "./middleware/idempotent-forms";
import { securityHeaders } from "./middleware/security-headers";
import { loadSignedIn, requireSignIn } from "./middleware/session";
import { accountPages } from "./pages/account";
import { creditPages } from "./pages/credits";
import { devOutboxPages } from "./pages/dev-outbox";
import { errorPage, notFoundPage } from "./pages/errors";
import { generationPages } from "./pages/generations";
import { keyPages } from "./pages/keys";
import { memberPages } from "./pages/members";
import { operatorPages } from "./pages/operator";
import { overviewPages } from "./pages/overview";
import { passwordPages } from "./pages/password";
import { type AppFetch, createPlaygroundPages, SAMPLES } from "./pages/playground";
import { productPages } from "./pages/products";
import { sessionPages } from "./pages/session";
import { settingsPages } from "./pages/settings";
import { signInPages } from "./pages/sign-in";
import { signUpPages } from "./pages/sign-up";
import { stubPages } from "./pages/stubs";
import { testModePages } from "./pages/test-mode";
import { webhookPages } from "./pages/webhooks";

/**
 * Workers static assets answer these paths before the Worker runs; this covers runs where the
 * Worker comes first (the test pool), with the same bytes from the same binding.
 */
async function serveAsset(c: Context<DashEnv>): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new URL(new URL(c.req.url).pathname, c.req.url));
  return new Response(asset.body, asset); // a mutable copy: middleware adds headers
}

/**
 * /dashboard: the web app (docs/dashboard.md). Order matters: security headers wrap everything;
 * the session and the CSRF check run before any page; signed-out pages come before
 * `requireSignIn`, which sends every later page's signed-out visitor to sign-in. `appFetch` is the
 * Worker's own app: the playground runs try-ons through the API's routes with it.
 */
export function createDashboard(appFetch: AppFetch): Hono<DashEnv> {
  const dash = new Hono<DashEnv>();
  dash.use("*", securityHeaders);
  dash.get(ASSET_CSS.replace("/dashboard", ""), serveAsset);
  dash.get(ASSET_JS.replace("/dashboard", ""), serveAsset);
  for (const sample of Object.values(SAMPLES)) dash.get(sample.path.replace("/dashboard", ""), serveAsset);
  dash.use("*", loadSignedIn, csrfProtection, idempotentForms);

  dash.route("/", signInPages);
  dash.route("/", signUpPages);
  dash.route("/", passwordPages);
  dash.route("/", sessionPages);
  dash.route("/", accountPages);
  dash.route("/", devOutboxPages);
  dash.route("/", operatorPages);

  dash.use("*", requireSignIn);
  dash.route("/", overviewPages);
  dash.route("/", keyPages);
  dash.route("/", testModePages);
  dash.route("/", generationPages);
  dash.route("/", webhookPages);
  dash.route("/", creditPages);
  dash.route("/", productPages);
  dash.route("/", settingsPages);
  dash.route("/", memberPages);
  dash.route("/", createPlaygroundPages(appFetch));
  dash.route("/", stubPages);

  dash.all("*", (c) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      return errorPage(c, 405, "Method not allowed", `This page does not take ${c.req.method}.`, { allow: allow.join(", ") });
    }
    return notFoundPage(c);
  });
  dash.onError(onDashboardError);
  return dash;
}

/** An ApiError from a service becomes its status as a page; anything else is logged and answered 500 without details. */
function onDashboardError(err: Error, c: Context<DashEnv>): Response {
  if (err instanceof ApiError) {
    const title = err.status === 404 ? "Not found" : err.status === 503 ? "Temporarily unavailable" : "Request refused";
    return errorPage(c, err.status as 400, title, err.message, err.headers);
  }
  log("error", "dashboard: unhandled exception", { requestId: c.get("requestId"), error: describeError(err) });
  return errorPage(c, 500, "Something went wrong", "An unexpected error occurred on our side. Try again; if it persists, quote the request id below.");
}
