import type { ServiceContext } from "../../context";
import { markSessionReauthenticated } from "../../db/repo/sessions";
import { MINUTE } from "../../lib/time";
import type { SessionRow, SignedIn } from "./sessions";
import { type SignInResult, signIn } from "./sign-in";

/**
 * "Recent authentication" (sudo mode): some steps (revealing a signing secret) need the user to
 * have proved it is them within the last few minutes, not just to hold a session cookie. Signing
 * in counts (a session is created by a sign-in), and so does re-entering the password on the
 * re-auth page. `hasRecentAuth` is the one check; another way of proving it (a passkey) only has to
 * call `markRecentAuth`.
 */
export const RECENT_AUTH_MS = 5 * MINUTE;

/** True when the session's user authenticated within `maxAgeMs` (sign-in or re-auth). */
export function hasRecentAuth(session: Pick<SessionRow, "createdAt" | "reauthAt">, now: number, maxAgeMs: number = RECENT_AUTH_MS): boolean {
  const last = Math.max(session.createdAt, session.reauthAt ?? 0);
  return last <= now && now - last <= maxAgeMs;
}

/** Records a fresh proof of identity on the session. */
export async function markRecentAuth(ctx: ServiceContext, sessionId: string): Promise<void> {
  await markSessionReauthenticated(ctx.db, sessionId, ctx.now());
}

/**
 * The signed-in user re-enters their password: checked exactly like a sign-in (the same
 * throttles, counted before the check), and recorded on the session when it matches.
 */
export async function reauthenticateWithPassword(
  ctx: ServiceContext,
  signedIn: SignedIn,
  password: string,
  ip: string | null,
): Promise<Exclude<SignInResult, { ok: true }> | { ok: true }> {
  const result = await signIn(ctx, { email: signedIn.user.email, password, ip });
  if (!result.ok) return result;
  // The password proves the user the session belongs to, not some other one.
  if (result.user.id !== signedIn.user.id) return { ok: false, reason: "invalid" };
  await markRecentAuth(ctx, signedIn.session.id);
  return { ok: true };
}
