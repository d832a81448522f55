import type { Context } from "hono";
import { RECENT_AUTH_MS, reauthenticateWithPassword } from "../../services/users";
import { clientIp, dashContext, signedInOf } from "../context";
import type { DashEnv } from "../env";
import type { FormState } from "../forms";
import { Field, PostForm } from "./form";

/** Why a re-entered password was refused, as the page answers it. */
export interface ReauthRefusal {
  error: string;
  status: 401 | 429;
  headers?: Record<string, string>;
}

/** The password form of a recent-auth step (revealing a secret), with the refusal at the field. */
export function ReauthForm(props: { action: string; csrf: string; what: string; refusal?: ReauthRefusal | undefined }) {
  const state: FormState = { values: {}, errors: props.refusal ? { password: props.refusal.error } : {} };
  return (
    <>
      <p>{`${props.what} needs your password again (it then stays unlocked for ${RECENT_AUTH_MS / 60_000} minutes on this session).`}</p>
      <PostForm action={props.action} csrf={props.csrf} label="Confirm your password">
        <Field name="password" label="Password" type="password" autocomplete="current-password" required state={state} />
        <button type="submit" class="button-primary">
          Confirm
        </button>
      </PostForm>
    </>
  );
}

/** Checks the posted password like a sign-in (same throttles) and marks the session recently authenticated; null when it matched. */
export async function checkPostedPassword(c: Context<DashEnv>): Promise<ReauthRefusal | null> {
  const result = await reauthenticateWithPassword(dashContext(c), signedInOf(c), c.get("form").password ?? "", clientIp(c));
  if (result.ok) return null;
  if (result.reason === "throttled") {
    return {
      error: `Too many attempts. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} min.`,
      status: 429,
      headers: { "retry-after": String(result.retryAfterSeconds) },
    };
  }
  return { error: "That is not your password.", status: 401 };
}
