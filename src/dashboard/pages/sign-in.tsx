import { Hono } from "hono";
import { finishPasskeySignIn, rotateSession, signIn, startPasskeySignIn } from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { PasskeyForm } from "../components/passkey-form";
import { clientIp, csrfToken, dashContext, relyingParty } from "../context";
import { setSessionCookie } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState } from "../forms";
import { ensurePreSessionCsrf, safeNext } from "../middleware/session";
import { renderCard } from "../render";
import { passkeyRefusalText } from "./account";
import { minutes } from "./text";

function SignInForm(props: { csrf: string; state: FormState; next: string; error?: string; passkeyError?: string }) {
  return (
    <>
      <FormError message={props.passkeyError} />
      <PasskeyForm
        action="/dashboard/sign-in/passkey"
        optionsUrl="/dashboard/sign-in/passkey/options"
        csrf={props.csrf}
        ceremony="sign-in"
        label="Sign in with a passkey"
        button="Use a passkey"
        next={props.next}
      />
      <FormError message={props.error} />
      <PostForm action="/dashboard/sign-in" csrf={props.csrf} label="Sign in">
        <input type="hidden" name="next" value={props.next} />
        <Field name="email" label="Email" type="email" autocomplete="username" required state={props.state} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" required state={props.state} />
        <button type="submit" class="button-primary">
          Sign in
        </button>
      </PostForm>
      <p class="card-links">
        <a href="/dashboard/forgot-password">Forgot your password?</a>
        <a href="/dashboard/sign-up">Create an account</a>
      </p>
    </>
  );
}

export const signInPages = new Hono<DashEnv>()
  .get("/sign-in", ensurePreSessionCsrf, (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("signedIn")) return c.redirect(next, 303);
    return renderCard(c, "Sign in", <SignInForm csrf={csrfToken(c)} state={emptyForm()} next={next} />);
  })
  .post("/sign-in", async (c) => {
    const form = c.get("form");
    const next = safeNext(form.next);
    const state = emptyForm({ email: form.email ?? "" });
    if (!form.email || !form.password) {
      if (!form.email) state.errors.email = "Enter your email.";
      if (!form.password) state.errors.password = "Enter your password.";
      return renderCard(c, "Sign in", <SignInForm csrf={csrfToken(c)} state={state} next={next} />, { status: 400 });
    }
    const ctx = dashContext(c);
    const result = await signIn(ctx, { email: form.email, password: form.password, ip: clientIp(c) });
    if (!result.ok) {
      const throttled = result.reason === "throttled";
      const error = throttled
        ? `Too many sign-in attempts. Try again in ${minutes(result.retryAfterSeconds)}.`
        : "That email and password do not match an account.";
      return renderCard(c, "Sign in", <SignInForm csrf={csrfToken(c)} state={state} next={next} error={error} />, {
        status: throttled ? 429 : 401,
        headers: throttled ? { "retry-after": String(result.retryAfterSeconds) } : undefined,
      });
    }
    // A new token on every sign-in: a cookie planted before it (session fixation) is worth nothing.
    const { token } = await rotateSession(ctx, c.get("signedIn")?.session ?? null, result.user.id, null);
    setSessionCookie(c, token);
    return c.redirect(next, 303);
  })
  .post("/sign-in/passkey/options", async (c) => {
    const result = await startPasskeySignIn(dashContext(c), relyingParty(c), clientIp(c));
    if (!result.ok)
      return c.json({ error: `Too many attempts. Try again in ${minutes(result.retryAfterSeconds)}.` }, 429, {
        "retry-after": String(result.retryAfterSeconds),
      });
    return c.json({ challengeId: result.challengeId, options: result.options });
  })
  .post("/sign-in/passkey", async (c) => {
    const form = c.get("form");
    const next = safeNext(form.next);
    const ctx = dashContext(c);
    const result = await finishPasskeySignIn(ctx, relyingParty(c), { challengeId: form.challengeId ?? "", credential: form.credential ?? "" }, clientIp(c));
    if (!result.ok) {
      const throttled = result.reason === "throttled";
      return renderCard(c, "Sign in", <SignInForm csrf={csrfToken(c)} state={emptyForm()} next={next} passkeyError={passkeyRefusalText(result)} />, {
        status: throttled ? 429 : 401,
        headers: throttled ? { "retry-after": String(result.retryAfterSeconds) } : undefined,
      });
    }
    const { token } = await rotateSession(ctx, c.get("signedIn")?.session ?? null, result.user.id, null);
    setSessionCookie(c, token);
    return c.redirect(next, 303);
  });
