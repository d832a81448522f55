import type { ServiceContext } from "../../context";
import { findUserByEmail, type UserRow, updateUser } from "../../db/repo/users";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./passwords";
import { signInSucceeded, takeSignInAttempt } from "./throttle";
import { normalizeEmail } from "./tokens";

export type SignInResult = { ok: true; user: UserRow } | { ok: false; reason: "invalid" } | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Checks an email and password. Every attempt is counted against the email's and the address's
 * throttles before the password is checked; a success takes its attempt back. An unknown email
 * and a wrong password answer the same, after the same PBKDF2 work. A hash with old parameters
 * is replaced now that the password is known.
 */
export async function signIn(ctx: ServiceContext, input: { email: string; password: string; ip: string | null }): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  const throttled = await takeSignInAttempt(ctx, email, input.ip);
  if (throttled) return { ok: false, reason: "throttled", retryAfterSeconds: throttled.retryAfterSeconds };
  const user = email.length <= 254 ? await findUserByEmail(ctx.db, email) : undefined;
  const check = user ? await verifyPassword(input.password, user.passwordHash) : await unknownUserCheck(input.password);
  if (!user || !check.ok) return { ok: false, reason: "invalid" };
  if (check.needsRehash) await updateUser(ctx.db, user.id, { passwordHash: await hashPassword(input.password), updatedAt: ctx.now() });
  await signInSucceeded(ctx, email, input.ip);
  return { ok: true, user };
}

async function unknownUserCheck(password: string): Promise<{ ok: false; needsRehash: false }> {
  await burnPasswordCheck(password);
  return { ok: false, needsRehash: false };
}
