import { Hono } from "hono";
import { endAllSessions, endSession, resendVerification, switchAccount, verifyEmail } from "../../services/users";
import { PostForm } from "../components/form";
import { Time } from "../components/time";
import { clientIp, csrfToken, dashContext, signedInOf } from "../context";
import { clearSessionCookie, setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { requireSignIn, safeNext } from "../middleware/session";
import { renderCard, renderPage } from "../render";
import { minutes } from "./text";

/** Signing out, switching account, verifying the email, and the account page with "sign out everywhere". */
export const sessionPages = new Hono<DashEnv>()
  .get("/verify-email", async (c) => {
    const result = await verifyEmail(dashContext(c), c.req.query("token") ?? "");
    if (!result.ok) {
      return renderCard(
        c,
        "Link not valid",
        <>
          <p>This verification link is invalid, was already used, or has expired (links work for 24 hours).</p>
          <p>
            <a href="/dashboard">Sign in to send a new one</a>
          </p>
        </>,
        { status: 400 },
      );
    }
    const next = c.get("signedIn") ? { href: "/dashboard", label: "Continue to the dashboard" } : { href: "/dashboard/sign-in", label: "Sign in" };
    return renderCard(
      c,
      "Email verified",
      <>
        <p>{`${result.email} is verified. You can now create API keys.`}</p>
        <p>
          <a href={next.href}>{next.label}</a>
        </p>
      </>,
    );
  })
  .post("/verify-email/resend", requireSignIn, async (c) => {
    const result = await resendVerification(dashContext(c), signedInOf(c).user, clientIp(c));
    setFlash(
      c,
      result.ok
        ? { kind: "success", text: "We sent a new verification link. Check your inbox." }
        : { kind: "error", text: `Too many emails sent. Try again in ${minutes(result.retryAfterSeconds)}.` },
    );
    return c.redirect("/dashboard", 303);
  })
  .post("/sign-out", async (c) => {
    const signedIn = c.get("signedIn");
    if (signedIn) await endSession(dashContext(c), signedIn.session.id);
    clearSessionCookie(c);
    setFlash(c, { kind: "info", text: "You are signed out." });
    return c.redirect("/dashboard/sign-in", 303);
  })
  .post("/sign-out-everywhere", requireSignIn, async (c) => {
    const count = await endAllSessions(dashContext(c), signedInOf(c).user.id);
    clearSessionCookie(c);
    setFlash(c, { kind: "info", text: `You are signed out everywhere (${count} session${count === 1 ? "" : "s"} ended).` });
    return c.redirect("/dashboard/sign-in", 303);
  })
  .post("/switch-account", requireSignIn, async (c) => {
    const form = c.get("form");
    const switched = await switchAccount(dashContext(c), signedInOf(c), form.accountId ?? "");
    if (!switched) setFlash(c, { kind: "error", text: "You are not a member of that account." });
    return c.redirect(safeNext(form.next), 303);
  })
  .get("/account", requireSignIn, (c) => {
    const { user, session } = signedInOf(c);
    return renderPage(
      c,
      "Your account",
      <>
        <dl class="facts">
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Email verified</dt>
          <dd>
            <Time ms={user.emailVerifiedAt} empty="Not yet" />
          </dd>
          <dt>Signed in since</dt>
          <dd>
            <Time ms={session.createdAt} />
          </dd>
        </dl>
        <h2>Sessions</h2>
        <p>Signed in on another device you no longer use? End every session, this one included.</p>
        <PostForm action="/dashboard/sign-out-everywhere" csrf={csrfToken(c)} confirm="Sign out on every device?">
          <button type="submit" class="button-danger">
            Sign out everywhere
          </button>
        </PostForm>
        <h2>Passkeys</h2>
        <p class="muted">Not built yet: passkey sign-in is planned (docs/dashboard.md).</p>
      </>,
    );
  });
