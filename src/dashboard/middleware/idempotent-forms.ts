import type { MiddlewareHandler } from "hono";
import { claimFormToken, FORM_TOKEN, type FormAnswer, releaseFormToken, rememberFormAnswer } from "../../services/users";
import { dashContext } from "../context";
import { FLASH_COOKIE } from "../cookies";
import type { DashEnv } from "../env";
import { errorPage } from "../pages/errors";

/**
 * Idempotent forms (docs/dashboard.md): every form `PostForm` renders carries a fresh `_idem`
 * token. For a signed-in (or operator) session, the first POST with a token runs and its answer
 * is remembered; a repeat (double click, re-post on reload, two tabs) runs nothing and gets the
 * same answer. A refused or failed POST changed nothing, so its token is released and the
 * corrected form can be sent again. Signed-out forms (sign-in, sign-up) have no session to
 * scope a token to and run as usual; repeating them is harmless.
 */
export const idempotentForms: MiddlewareHandler<DashEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  const token = c.get("form")._idem ?? "";
  const sessionId = c.get("operatorSession")?.id ?? c.get("signedIn")?.session.id;
  if (!sessionId || !FORM_TOKEN.test(token)) return next();
  const ctx = dashContext(c);
  const claim = await claimFormToken(ctx, sessionId, token);
  if (claim.kind === "replay") return replay(claim.answer);
  if (claim.kind === "busy") {
    return errorPage(c, 409, "Still working on it", "This form was already sent and is still being processed. Wait a moment, then reload the page.", {
      "retry-after": "2",
    });
  }
  await next();
  const res = c.res;
  if (res.status >= 400) {
    await releaseFormToken(ctx, sessionId, token);
    return;
  }
  await rememberFormAnswer(ctx, sessionId, token, await answerOf(res));
};

/**
 * What a repeat gets back: the status, the redirect target and the flash message; the page for a
 * 2xx. Session cookies are never remembered (a replay must not hand out a session token).
 */
async function answerOf(res: Response): Promise<FormAnswer> {
  const headers: Array<[string, string]> = [];
  const location = res.headers.get("location");
  if (location) headers.push(["location", location]);
  for (const cookie of res.headers.getSetCookie()) if (cookie.startsWith(`${FLASH_COOKIE}=`)) headers.push(["set-cookie", cookie]);
  const body = res.status >= 300 ? null : await res.clone().text();
  if (body !== null) headers.push(["content-type", res.headers.get("content-type") ?? "text/html; charset=UTF-8"]);
  return { status: res.status, headers, body };
}

function replay(answer: FormAnswer): Response {
  const headers = new Headers();
  for (const [name, value] of answer.headers) headers.append(name, value);
  headers.set("x-form-replayed", "1");
  return new Response(answer.body, { status: answer.status, headers });
}
