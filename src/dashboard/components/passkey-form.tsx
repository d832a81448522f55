import type { Child } from "hono/jsx";
import { PostForm } from "./form";

export type PasskeyCeremony = "register" | "sign-in" | "reauth";

/**
 * A form whose button runs a WebAuthn ceremony in app.js: it fetches the options from
 * `optionsUrl` (a POST with the CSRF token), asks the browser's authenticator, puts the
 * credential (JSON, base64url fields) and the challenge id in the hidden fields, and submits
 * the form. Passkeys need JavaScript, so the button only shows where app.js runs.
 */
export function PasskeyForm(props: {
  action: string;
  optionsUrl: string;
  csrf: string;
  ceremony: PasskeyCeremony;
  label: string;
  button: string;
  next?: string;
  children?: Child;
}) {
  return (
    <PostForm action={props.action} csrf={props.csrf} label={props.label} data={{ "passkey-options": props.optionsUrl }}>
      <input type="hidden" name="challengeId" value="" />
      <input type="hidden" name="credential" value="" />
      {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
      {props.children}
      <button type="button" data-passkey={props.ceremony} data-js-only>
        {props.button}
      </button>
      <p class="muted" data-passkey-status role="status" aria-live="polite" />
      <p class="muted" data-js-hide>
        Passkeys need JavaScript in this browser.
      </p>
    </PostForm>
  );
}
