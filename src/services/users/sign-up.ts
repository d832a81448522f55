import { z } from "zod";
import type { ServiceContext } from "../../context";
import { insertUserWithMembership } from "../../db/repo/users";
import { newId } from "../../lib/ids";
import { grantSignupCredits } from "./credits";
import { emailLink, issueEmailToken } from "./email-links";
import { acceptInviteForNewUser, findInvite } from "./invites";
import { alreadyRegisteredMessage, verifyEmailMessage } from "./messages";
import { passwordProblem } from "./password-rules";
import { hashPassword } from "./passwords";
import { sendQuietly } from "./send";
import { takeSignUp } from "./throttle";
import { normalizeEmail } from "./tokens";

export const EmailSchema = z.email({ message: "Enter a valid email address." }).max(254, { message: "Enter a valid email address." });
/** Shown in headers and email subjects: no control characters (a newline there would be a header break). */
const AccountNameSchema = z
  .string()
  .trim()
  .max(200, { message: "Use at most 200 characters." })
  .regex(/^[^\p{Cc}]*$/u, { message: "Use letters, digits, spaces and punctuation only." });

export interface SignUpInput {
  email: string;
  password: string;
  accountName?: string;
  /** The token of an invite link: the user joins that account instead of creating one. */
  inviteToken?: string;
  ip: string | null;
}

export type SignUpResult =
  /** Open sign-up: the same answer whether the address was new or taken (an email tells which). */
  | { ok: true; kind: "check-inbox" }
  /** Sign-up through an invite: verified at once (the link proves the inbox), ready to sign in. */
  | { ok: true; kind: "joined"; userId: string; accountId: string }
  | { ok: false; reason: "invalid"; fields: Record<string, string> }
  | { ok: false; reason: "invite-only" | "invite-invalid" | "invite-existing-user" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** Field messages for an email and a new password (empty when both are acceptable). */
export function credentialProblems(email: string, password: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const parsed = EmailSchema.safeParse(normalizeEmail(email));
  if (!parsed.success) fields.email = parsed.error.issues[0]?.message ?? "Enter a valid email address.";
  const pw = passwordProblem(password, parsed.success ? parsed.data : undefined);
  if (pw) fields.password = pw;
  return fields;
}

/**
 * Sign-up (docs/dashboard.md → Identity). Open mode: a new user owning a new account with the
 * starting credits, and a verification email; an address that already has an account gets an
 * email saying so, and the page answers the same. Invite mode (or any invite link): the user
 * joins the invite's account with its role.
 */
export async function signUp(ctx: ServiceContext, input: SignUpInput): Promise<SignUpResult> {
  if (input.inviteToken) return signUpWithInvite(ctx, input, input.inviteToken);
  if (ctx.config.SIGNUP_MODE !== "open") return { ok: false, reason: "invite-only" };
  const fields = credentialProblems(input.email, input.password);
  const accountName = AccountNameSchema.safeParse(input.accountName ?? "");
  if (!accountName.success) fields.accountName = accountName.error.issues[0]?.message ?? "Invalid name.";
  if (Object.keys(fields).length > 0) return { ok: false, reason: "invalid", fields };
  const throttled = await takeSignUp(ctx, input.ip);
  if (throttled) return { ok: false, reason: "throttled", retryAfterSeconds: throttled.retryAfterSeconds };

  const email = normalizeEmail(input.email);
  const now = ctx.now();
  const userId = newId("user", now);
  const accountId = newId("account", now);
  const user = await insertUserWithMembership(
    ctx.db,
    { id: userId, email, passwordHash: await hashPassword(input.password), isOperator: false, signupAccountId: accountId, createdAt: now, updatedAt: now },
    { id: accountId, name: accountName.data || email, status: "active", retentionDays: ctx.config.DEFAULT_RETENTION_DAYS, createdAt: now, updatedAt: now },
    { accountId, role: "owner" },
  );
  if (!user) {
    await sendQuietly(ctx, alreadyRegisteredMessage(email, new URL("/dashboard/sign-in", ctx.config.PUBLIC_BASE_URL).toString()), "already-registered");
    return { ok: true, kind: "check-inbox" };
  }
  await grantSignupCredits(ctx, accountId);
  const token = await issueEmailToken(ctx, user.id, email, "verify_email");
  await sendQuietly(ctx, verifyEmailMessage(email, emailLink(ctx, "verify_email", token)), "verify-email");
  return { ok: true, kind: "check-inbox" };
}

async function signUpWithInvite(ctx: ServiceContext, input: SignUpInput, inviteToken: string): Promise<SignUpResult> {
  const found = await findInvite(ctx, inviteToken);
  if (!found) return { ok: false, reason: "invite-invalid" };
  // The invite names the address; the submitted one is ignored (the link proves this inbox).
  const fields = credentialProblems(found.invite.email, input.password);
  if (Object.keys(fields).length > 0) return { ok: false, reason: "invalid", fields };
  const joined = await acceptInviteForNewUser(ctx, found.invite, await hashPassword(input.password));
  if (joined === "email-taken") return { ok: false, reason: "invite-existing-user" };
  return { ok: true, kind: "joined", userId: joined.userId, accountId: found.invite.accountId };
}
