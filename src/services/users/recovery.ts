import type { ServiceContext } from "../../context";
import { revokeUserSessions } from "../../db/repo/sessions";
import { findUser, findUserByEmail, type UserRow, updateUser } from "../../db/repo/users";
import { grantSignupCredits } from "./credits";
import { emailLink, issueEmailToken, peekEmailToken, useEmailToken } from "./email-links";
import { resetPasswordMessage, verifyEmailMessage } from "./messages";
import { passwordProblem } from "./password-rules";
import { hashPassword } from "./passwords";
import { sendQuietly } from "./send";
import { type Throttled, takeEmailSend } from "./throttle";
import { normalizeEmail } from "./tokens";

/**
 * Uses a verification link: the address it was sent to becomes verified (if it is still the
 * user's), and an open sign-up's starting credits are granted if the first grant failed.
 */
export async function verifyEmail(ctx: ServiceContext, token: string): Promise<{ ok: true; email: string } | { ok: false }> {
  const used = await useEmailToken(ctx, "verify_email", token);
  const user = used ? await findUser(ctx.db, used.userId) : undefined;
  if (!used || !user || user.email !== used.email) return { ok: false };
  if (user.emailVerifiedAt === null) await updateUser(ctx.db, user.id, { emailVerifiedAt: ctx.now(), updatedAt: ctx.now() });
  if (user.signupAccountId) await grantSignupCredits(ctx, user.signupAccountId);
  return { ok: true, email: user.email };
}

/** Sends a fresh verification link to a signed-in, unverified user. */
export async function resendVerification(ctx: ServiceContext, user: UserRow, ip: string | null): Promise<{ ok: true } | ({ ok: false } & Throttled)> {
  if (user.emailVerifiedAt !== null) return { ok: true };
  const throttled = await takeEmailSend(ctx, user.email, ip);
  if (throttled) return { ok: false, ...throttled };
  const token = await issueEmailToken(ctx, user.id, user.email, "verify_email");
  await sendQuietly(ctx, verifyEmailMessage(user.email, emailLink(ctx, "verify_email", token)), "verify-email");
  return { ok: true };
}

/**
 * "Forgot password": emails a reset link when the address has an account. The answer is the
 * same for every address (throttling included: an unknown address is counted like a known one).
 */
export async function requestPasswordReset(ctx: ServiceContext, rawEmail: string, ip: string | null): Promise<{ ok: true } | ({ ok: false } & Throttled)> {
  const email = normalizeEmail(rawEmail);
  const throttled = await takeEmailSend(ctx, email, ip);
  if (throttled) return { ok: false, ...throttled };
  const user = email.length <= 254 ? await findUserByEmail(ctx.db, email) : undefined;
  if (user) {
    const token = await issueEmailToken(ctx, user.id, user.email, "reset_password");
    await sendQuietly(ctx, resetPasswordMessage(user.email, emailLink(ctx, "reset_password", token)), "reset-password");
  }
  return { ok: true };
}

/** Whether a reset link can still be used (the page shows the form, or says the link is dead). */
export async function isResetLinkLive(ctx: ServiceContext, token: string): Promise<boolean> {
  return (await peekEmailToken(ctx, "reset_password", token)) !== undefined;
}

export type ResetResult = { ok: true; email: string } | { ok: false; reason: "invalid-link" } | { ok: false; reason: "password"; message: string };

/**
 * Sets a new password through a reset link. The password is checked before the link is used, so
 * a refused password leaves the link working. Every session of the user is revoked (whoever
 * knew the old password is out), and the address counts as verified: the link reached it.
 */
export async function resetPassword(ctx: ServiceContext, token: string, newPassword: string): Promise<ResetResult> {
  const live = await peekEmailToken(ctx, "reset_password", token);
  const owner = live ? await findUser(ctx.db, live.userId) : undefined;
  if (!live || !owner) return { ok: false, reason: "invalid-link" };
  const problem = passwordProblem(newPassword, owner.email);
  if (problem) return { ok: false, reason: "password", message: problem };
  const used = await useEmailToken(ctx, "reset_password", token);
  if (!used) return { ok: false, reason: "invalid-link" };
  const now = ctx.now();
  await updateUser(ctx.db, owner.id, {
    passwordHash: await hashPassword(newPassword),
    ...(owner.email === used.email && owner.emailVerifiedAt === null ? { emailVerifiedAt: now } : {}),
    updatedAt: now,
  });
  await revokeUserSessions(ctx.db, owner.id, now);
  return { ok: true, email: owner.email };
}
