import { Hono } from "hono";
import { endAllSessions, endSession, resendVerification, switchAccount, verifyEmail } from "../../services/users";
import { clientIp, dashContext, signedInOf } from "../context";
import { clearSessionCookie, setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { requireSignIn, safeNext } from "../middleware/session";
import { renderCard } from "../render";
import { minutes } from "./text";

/** Signing out (here or everywhere), switching account, verifying the email. */
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
  });
