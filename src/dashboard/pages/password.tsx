import { Hono } from "hono";
import { isResetLinkLive, PASSWORD_MIN_LENGTH, requestPasswordReset, resetPassword } from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { clientIp, csrfToken, dashContext } from "../context";
import { clearSessionCookie, setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState } from "../forms";
import { ensurePreSessionCsrf } from "../middleware/session";
import { renderCard } from "../render";
import { minutes } from "./text";

function ForgotForm(props: { csrf: string; state: FormState; error?: string }) {
  return (
    <>
      <FormError message={props.error} />
      <PostForm action="/dashboard/forgot-password" csrf={props.csrf} label="Reset your password">
        <p>Enter the email of your account: we will send it a link to choose a new password.</p>
        <Field name="email" label="Email" type="email" autocomplete="username" required state={props.state} />
        <button type="submit" class="button-primary">
          Send the link
        </button>
      </PostForm>
      <p class="card-links">
        <a href="/dashboard/sign-in">Back to sign in</a>
      </p>
    </>
  );
}

function ResetForm(props: { csrf: string; token: string; state: FormState }) {
  return (
    <PostForm action="/dashboard/reset-password" csrf={props.csrf} label="Choose a new password">
      <input type="hidden" name="token" value={props.token} />
      <Field
        name="password"
        label="New password"
        type="password"
        autocomplete="new-password"
        required
        hint={`At least ${PASSWORD_MIN_LENGTH} characters. Common passwords are refused.`}
        state={props.state}
      />
      <button type="submit" class="button-primary">
        Set the new password
      </button>
    </PostForm>
  );
}

const deadLink = (c: Parameters<typeof renderCard>[0]) =>
  renderCard(
    c,
    "Link not valid",
    <>
      <p>This password reset link is invalid, was already used, or has expired (links work for 1 hour).</p>
      <p>
        <a href="/dashboard/forgot-password">Ask for a new link</a>
      </p>
    </>,
    { status: 400 },
  );

export const passwordPages = new Hono<DashEnv>()
  .get("/forgot-password", ensurePreSessionCsrf, (c) => renderCard(c, "Forgot your password?", <ForgotForm csrf={csrfToken(c)} state={emptyForm()} />))
  .post("/forgot-password", async (c) => {
    const email = (c.get("form").email ?? "").trim();
    if (!email) {
      const state = { values: {}, errors: { email: "Enter your email." } };
      return renderCard(c, "Forgot your password?", <ForgotForm csrf={csrfToken(c)} state={state} />, { status: 400 });
    }
    const result = await requestPasswordReset(dashContext(c), email, clientIp(c));
    if (!result.ok) {
      const error = `Too many requests. Try again in ${minutes(result.retryAfterSeconds)}.`;
      return renderCard(c, "Forgot your password?", <ForgotForm csrf={csrfToken(c)} state={emptyForm({ email })} error={error} />, {
        status: 429,
        headers: { "retry-after": String(result.retryAfterSeconds) },
      });
    }
    // The same answer whether or not the address has an account.
    return renderCard(
      c,
      "Check your inbox",
      <>
        <p>If an account exists for that address, we sent it a link to choose a new password. The link works once, for 1 hour.</p>
        <p>
          <a href="/dashboard/sign-in">Back to sign in</a>
        </p>
      </>,
    );
  })
  .get("/reset-password", ensurePreSessionCsrf, async (c) => {
    const token = c.req.query("token") ?? "";
    if (!(await isResetLinkLive(dashContext(c), token))) return deadLink(c);
    return renderCard(c, "Choose a new password", <ResetForm csrf={csrfToken(c)} token={token} state={emptyForm()} />);
  })
  .post("/reset-password", async (c) => {
    const form = c.get("form");
    const token = form.token ?? "";
    const result = await resetPassword(dashContext(c), token, form.password ?? "");
    if (result.ok) {
      // Every session of the user was revoked, this browser's included.
      clearSessionCookie(c);
      setFlash(c, { kind: "success", text: "Your password is changed. Sign in with it." });
      return c.redirect("/dashboard/sign-in", 303);
    }
    if (result.reason === "invalid-link") return deadLink(c);
    const state = { values: {}, errors: { password: result.message } };
    return renderCard(c, "Choose a new password", <ResetForm csrf={csrfToken(c)} token={token} state={state} />, { status: 400 });
  });
