import type { MiddlewareHandler } from "hono";
import { allowedMethods } from "../../http/route-table";
import { timingSafeEqualStrings } from "../../lib/crypto";
import { csrfToken } from "../context";
import type { DashEnv } from "../env";
import { FORM_MAX_BYTES, LOGO_FORM_MAX_BYTES, readForm, UPLOAD_FORM_MAX_BYTES } from "../forms";
import { errorPage } from "../pages/errors";

/** The only forms that take files (photos, the account logo), with their caps; every other form stays within FORM_MAX_BYTES. */
const UPLOAD_FORMS = new Map([
  ["/dashboard/playground", UPLOAD_FORM_MAX_BYTES],
  ["/dashboard/settings/logo", LOGO_FORM_MAX_BYTES],
]);

/**
 * Every state-changing request must come from this origin (the `Origin` header, or
 * `Sec-Fetch-Site: same-origin` where a browser sends no Origin) AND carry the expected CSRF
 * token (hidden `_csrf` field, or `x-csrf-token` from app.js): the session's, or for a signed-out
 * visitor the pre-session cookie's (double submit). The form is read here, once, for the page.
 */
export const csrfProtection: MiddlewareHandler<DashEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  // No page takes this method here: nothing can change, and the answer is 405/404, not 403.
  if (!allowedMethods(c.req.path).includes(c.req.method)) return next();
  if (!sameOrigin(c.req.header("origin"), c.req.header("sec-fetch-site"), new URL(c.req.url).origin)) return refuse(c);
  const form = await readForm(c, UPLOAD_FORMS.get(c.req.path) ?? FORM_MAX_BYTES);
  if (!form.ok) {
    const message = form.status === 413 ? "This form is too large." : "This request is not a form this page can read.";
    return errorPage(c, form.status, "Request refused", message);
  }
  const expected = csrfToken(c);
  const presented = c.req.header("x-csrf-token") ?? form.fields._csrf ?? "";
  if (expected.length === 0 || presented.length === 0 || !(await timingSafeEqualStrings(presented, expected))) return refuse(c);
  c.set("form", form.fields);
  c.set("formFiles", form.files);
  await next();
};

function sameOrigin(origin: string | undefined, fetchSite: string | undefined, own: string): boolean {
  if (origin !== undefined) return origin === own;
  return fetchSite === "same-origin";
}

function refuse(c: Parameters<MiddlewareHandler<DashEnv>>[0]) {
  return errorPage(
    c,
    403,
    "This form has expired",
    "The form was out of date or sent from another site, so nothing was changed. Go back, reload the page and try again.",
  );
}
