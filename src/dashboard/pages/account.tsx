import type { Context } from "hono";
import { Hono } from "hono";
import {
  finishPasskeyReauth,
  finishPasskeyRegistration,
  listPasskeys,
  type Passkey,
  type PasskeyRefusal,
  removePasskey,
  startPasskeyReauth,
  startPasskeyRegistration,
} from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { PasskeyForm } from "../components/passkey-form";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { clientIp, csrfToken, dashContext, relyingParty, signedInOf } from "../context";
import { setFlash } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState } from "../forms";
import { requireSignIn, safeNext } from "../middleware/session";
import { renderPage } from "../render";
import { minutes } from "./text";

function PasskeyTable(props: { passkeys: Passkey[]; csrf: string }) {
  if (props.passkeys.length === 0) return <p>No passkeys yet.</p>;
  return (
    <TableWrap label="Passkeys">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Added</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.passkeys.map((p) => (
            <tr>
              <td>{p.name}</td>
              <td>
                <Time ms={p.createdAt} />
              </td>
              <td>
                <Time ms={p.lastUsedAt} empty="Never" />
              </td>
              <td>
                <PostForm
                  action={`/dashboard/passkeys/${encodeURIComponent(p.id)}/remove`}
                  csrf={props.csrf}
                  confirm={`Remove the passkey "${p.name}"? It will no longer sign you in.`}
                >
                  <button type="submit" class="button-small button-danger" aria-label={`Remove ${p.name}`}>
                    Remove
                  </button>
                </PostForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The account page: who you are, your sessions, your passkeys. */
async function accountPage(c: Context<DashEnv>, extra: { state?: FormState; error?: string; status?: 200 | 400 | 429 } = {}) {
  const { user, session } = signedInOf(c);
  const csrf = csrfToken(c);
  const passkeys = await listPasskeys(dashContext(c), user.id);
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
      <PostForm action="/dashboard/sign-out-everywhere" csrf={csrf} confirm="Sign out on every device?">
        <button type="submit" class="button-danger">
          Sign out everywhere
        </button>
      </PostForm>
      <h2>Passkeys</h2>
      <p>A passkey signs you in without a password: your device's screen lock, a security key or a password manager proves it is you.</p>
      <PasskeyTable passkeys={passkeys} csrf={csrf} />
      <h3>Add a passkey</h3>
      <FormError message={extra.error} />
      <PasskeyForm
        action="/dashboard/passkeys"
        optionsUrl="/dashboard/passkeys/options"
        csrf={csrf}
        ceremony="register"
        label="Add a passkey"
        button="Add a passkey"
      >
        <Field
          name="name"
          label="Passkey name"
          required
          maxlength={100}
          hint="For you to tell passkeys apart, e.g. “work laptop”."
          state={extra.state ?? emptyForm()}
        />
      </PasskeyForm>
    </>,
    { status: extra.status ?? 200 },
  );
}

/** A failed ceremony's message: nothing about why a signature failed, only what to do. */
export function passkeyRefusalText(refusal: PasskeyRefusal): string {
  if (refusal.reason === "throttled") return `Too many attempts. Try again in ${minutes(refusal.retryAfterSeconds)}.`;
  if (refusal.reason === "expired") return "The passkey request expired or was already used. Try again.";
  if (refusal.reason === "name") return refusal.message;
  if (refusal.reason === "attestation")
    return "This authenticator sent a certified attestation, which Drape does not accept. Use another passkey, or a browser that sends no attestation when none is asked.";
  return "The passkey could not be verified. Try again.";
}

export const accountPages = new Hono<DashEnv>()
  .get("/account", requireSignIn, (c) => accountPage(c))
  .post("/passkeys/options", requireSignIn, async (c) => {
    const ceremony = await startPasskeyRegistration(dashContext(c), signedInOf(c).user, relyingParty(c));
    return c.json(ceremony);
  })
  .post("/passkeys", requireSignIn, async (c) => {
    const form = c.get("form");
    const state = emptyForm({ name: form.name ?? "" });
    const result = await finishPasskeyRegistration(dashContext(c), signedInOf(c).user, relyingParty(c), {
      challengeId: form.challengeId ?? "",
      credential: form.credential ?? "",
      name: form.name ?? "",
    });
    if (!result.ok) {
      if (result.reason === "name") return accountPage(c, { state: { ...state, errors: { name: result.message } }, status: 400 });
      return accountPage(c, { state, error: passkeyRefusalText(result), status: 400 });
    }
    setFlash(c, { kind: "success", text: `The passkey "${result.passkey.name}" is added. You can sign in with it.` });
    return c.redirect("/dashboard/account", 303);
  })
  .post("/passkeys/:passkeyId/remove", requireSignIn, async (c) => {
    const removed = await removePasskey(dashContext(c), signedInOf(c).user.id, c.req.param("passkeyId"));
    setFlash(
      c,
      removed ? { kind: "success", text: `The passkey "${removed.name}" is removed.` } : { kind: "error", text: "That passkey does not exist (any more)." },
    );
    return c.redirect("/dashboard/account", 303);
  })
  // Proving it is you again with a passkey (the "recent auth" step before a secret is revealed).
  .post("/reauth/passkey/options", requireSignIn, async (c) => {
    const ceremony = await startPasskeyReauth(dashContext(c), signedInOf(c).user, relyingParty(c));
    return c.json(ceremony);
  })
  .post("/reauth/passkey", requireSignIn, async (c) => {
    const form = c.get("form");
    const next = safeNext(form.next);
    const result = await finishPasskeyReauth(
      dashContext(c),
      signedInOf(c),
      relyingParty(c),
      { challengeId: form.challengeId ?? "", credential: form.credential ?? "" },
      clientIp(c),
    );
    setFlash(c, result.ok ? { kind: "success", text: "Confirmed: it is you." } : { kind: "error", text: passkeyRefusalText(result) });
    return c.redirect(next, 303);
  });

/** The form a recent-auth page shows to confirm with a passkey instead of the password. */
export function PasskeyReauthForm(props: { csrf: string; next: string }) {
  return (
    <PasskeyForm
      action="/dashboard/reauth/passkey"
      optionsUrl="/dashboard/reauth/passkey/options"
      csrf={props.csrf}
      ceremony="reauth"
      label="Confirm with a passkey"
      button="Confirm with a passkey"
      next={props.next}
    />
  );
}
