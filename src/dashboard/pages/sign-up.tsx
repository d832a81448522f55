import type { Context } from "hono";
import { Hono } from "hono";
import { acceptInvite, findInvite, PASSWORD_MIN_LENGTH, rotateSession, signUp } from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { clientIp, csrfToken, dashContext, signedInOf } from "../context";
import { setFlash, setSessionCookie } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState } from "../forms";
import { ensurePreSessionCsrf, requireSignIn } from "../middleware/session";
import { renderCard, renderPage } from "../render";
import { minutes } from "./text";

const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. Common passwords are refused.`;

function SignUpForm(props: { csrf: string; state: FormState; invite?: { token: string; email: string; accountName: string; role: string } }) {
  const { invite } = props;
  return (
    <PostForm action="/dashboard/sign-up" csrf={props.csrf} label="Create your account">
      {invite ? (
        <>
          <input type="hidden" name="invite" value={invite.token} />
          <p>{`You are invited to join ${invite.accountName} as ${invite.role}.`}</p>
        </>
      ) : null}
      <Field name="email" label="Email" type="email" autocomplete="email" required state={props.state} readonly={Boolean(invite)} value={invite?.email} />
      <Field name="password" label="Password" type="password" autocomplete="new-password" required hint={PASSWORD_HINT} state={props.state} />
      {invite ? null : <Field name="accountName" label="Company or project name" autocomplete="organization" maxlength={200} state={props.state} />}
      <button type="submit" class="button-primary">
        {invite ? "Join" : "Create account"}
      </button>
      <p class="card-links">
        <a href="/dashboard/sign-in">Already have an account? Sign in</a>
      </p>
    </PostForm>
  );
}

const inviteOnly = (c: Context<DashEnv>) =>
  renderCard(
    c,
    "Sign-up is by invitation",
    <p>This Drape deployment only accepts new users through an invitation link. Ask an account owner to invite you.</p>,
    {
      status: 403,
    },
  );

const inviteInvalid = (c: Context<DashEnv>) =>
  renderCard(c, "Invitation not valid", <p>This invitation link is invalid, was already used, or has expired. Ask for a new one.</p>, { status: 400 });

export const signUpPages = new Hono<DashEnv>()
  .get("/sign-up", ensurePreSessionCsrf, async (c) => {
    const token = c.req.query("invite");
    const ctx = dashContext(c);
    if (token !== undefined) {
      const found = await findInvite(ctx, token);
      if (!found) return inviteInvalid(c);
      const invite = { token, email: found.invite.email, accountName: found.accountName, role: found.invite.role };
      if (c.get("signedIn")) return renderPage(c, "Invitation", <AcceptInvite csrf={csrfToken(c)} invite={invite} />);
      return renderCard(c, "Join Drape", <SignUpForm csrf={csrfToken(c)} state={emptyForm()} invite={invite} />);
    }
    if (c.get("signedIn")) return c.redirect("/dashboard", 303);
    if (ctx.config.SIGNUP_MODE !== "open") return inviteOnly(c);
    return renderCard(c, "Create your account", <SignUpForm csrf={csrfToken(c)} state={emptyForm()} />);
  })
  .post("/sign-up", async (c) => {
    const form = c.get("form");
    const ctx = dashContext(c);
    const inviteToken = form.invite || undefined;
    const result = await signUp(ctx, { email: form.email ?? "", password: form.password ?? "", accountName: form.accountName, inviteToken, ip: clientIp(c) });
    if (result.ok && result.kind === "joined") {
      const { token } = await rotateSession(ctx, c.get("signedIn")?.session ?? null, result.userId, result.accountId);
      setSessionCookie(c, token);
      setFlash(c, { kind: "success", text: "Welcome to Drape." });
      return c.redirect("/dashboard", 303);
    }
    if (result.ok) {
      return renderCard(
        c,
        "Check your inbox",
        <>
          <p>{`We sent an email to ${form.email?.trim().toLowerCase()}. Open the link in it to verify your address, then sign in.`}</p>
          <p class="muted">No email after a few minutes? Check your spam folder, or sign in and send a new link from the dashboard.</p>
          <p>
            <a href="/dashboard/sign-in">Sign in</a>
          </p>
        </>,
      );
    }
    if (result.reason === "invite-only") return inviteOnly(c);
    if (result.reason === "invite-invalid") return inviteInvalid(c);
    if (result.reason === "invite-existing-user") {
      return renderCard(c, "You already have an account", <p>Sign in first, then open the invitation link again to accept it.</p>, { status: 409 });
    }
    const state = emptyForm({ email: form.email ?? "", accountName: form.accountName ?? "" });
    let error: string | undefined;
    if (result.reason === "invalid") state.errors = result.fields;
    if (result.reason === "throttled") error = `Too many sign-ups from your network. Try again in ${minutes(result.retryAfterSeconds)}.`;
    const found = inviteToken ? await findInvite(ctx, inviteToken) : null;
    const invite =
      found && inviteToken ? { token: inviteToken, email: found.invite.email, accountName: found.accountName, role: found.invite.role } : undefined;
    const status = result.reason === "invalid" ? 400 : 429;
    const headers = result.reason === "throttled" ? { "retry-after": String(result.retryAfterSeconds) } : undefined;
    return renderCard(
      c,
      invite ? "Join Drape" : "Create your account",
      <>
        <FormError message={error} />
        <SignUpForm csrf={csrfToken(c)} state={state} invite={invite} />
      </>,
      { status, headers },
    );
  })
  .post("/invites/accept", requireSignIn, async (c) => {
    const accepted = await acceptInvite(dashContext(c), c.get("form").invite ?? "", signedInOf(c).user);
    if (!accepted) return inviteInvalid(c);
    setFlash(c, { kind: "success", text: "Invitation accepted. Switch accounts from the header." });
    return c.redirect("/dashboard", 303);
  });

function AcceptInvite(props: { csrf: string; invite: { token: string; email: string; accountName: string; role: string } }) {
  return (
    <PostForm action="/dashboard/invites/accept" csrf={props.csrf} label="Accept invitation">
      <input type="hidden" name="invite" value={props.invite.token} />
      <p>{`This invitation to ${props.invite.accountName} (as ${props.invite.role}) is for ${props.invite.email}.`}</p>
      <button type="submit" class="button-primary">
        Accept
      </button>
    </PostForm>
  );
}
