import type { ServiceContext } from "../../context";
import { consumeEmailToken, type EmailTokenRow, findLiveEmailToken, insertEmailToken, retireEmailTokens } from "../../db/repo/email-tokens";
import type { EmailTokenPurpose } from "../../db/schema";
import { DAY, HOUR } from "../../lib/time";
import { hashToken, newOpaqueToken } from "./tokens";

/** How long an emailed link works. */
export const EMAIL_LINK_TTL_MS: Record<EmailTokenPurpose | "invite", number> = {
  verify_email: 24 * HOUR,
  reset_password: 1 * HOUR,
  invite: 7 * DAY,
};

/** Dashboard paths the links open (the page reads `?token=`). */
const LINK_PATHS: Record<EmailTokenPurpose | "invite", string> = {
  verify_email: "/dashboard/verify-email",
  reset_password: "/dashboard/reset-password",
  invite: "/dashboard/sign-up",
};

/**
 * The absolute URL of an emailed link. Built on PUBLIC_BASE_URL, never on the request's Host:
 * a forged Host header must not make a reset link point at someone else's server.
 */
export function emailLink(ctx: ServiceContext, purpose: EmailTokenPurpose | "invite", token: string): string {
  const url = new URL(LINK_PATHS[purpose], ctx.config.PUBLIC_BASE_URL);
  url.searchParams.set(purpose === "invite" ? "invite" : "token", token);
  return url.toString();
}

/**
 * A new single-use link for `purpose`; older unused links of the same purpose stop working (only
 * the newest email counts). Only the token's hash is stored.
 */
export async function issueEmailToken(ctx: ServiceContext, userId: string, email: string, purpose: EmailTokenPurpose): Promise<string> {
  const token = newOpaqueToken();
  const now = ctx.now();
  await retireEmailTokens(ctx.db, userId, purpose, now);
  await insertEmailToken(ctx.db, {
    tokenHash: hashToken(token),
    userId,
    purpose,
    email,
    createdAt: now,
    expiresAt: now + EMAIL_LINK_TTL_MS[purpose],
    usedAt: null,
  });
  return token;
}

/** Uses a link once; undefined when it is unknown, used, expired or for another purpose. */
export async function useEmailToken(ctx: ServiceContext, purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRow | undefined> {
  if (token.length === 0 || token.length > 100) return undefined;
  return consumeEmailToken(ctx.db, purpose, hashToken(token), ctx.now());
}

/** A live link, not used by reading it. */
export async function peekEmailToken(ctx: ServiceContext, purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRow | undefined> {
  if (token.length === 0 || token.length > 100) return undefined;
  return findLiveEmailToken(ctx.db, purpose, hashToken(token), ctx.now());
}
