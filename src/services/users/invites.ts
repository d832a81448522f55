import type { ServiceContext } from "../../context";
import { findPendingInvite, type InviteRow, insertInvite, markInviteAccepted } from "../../db/repo/invites";
import { insertMembership, insertUserWithMembership, type UserRow } from "../../db/repo/users";
import type { MemberRole } from "../../db/schema";
import { newId } from "../../lib/ids";
import { EMAIL_LINK_TTL_MS, emailLink } from "./email-links";
import { inviteMessage } from "./messages";
import { sendQuietly } from "./send";
import { hashToken, newOpaqueToken, normalizeEmail } from "./tokens";

export type Invite = InviteRow;

export interface CreateInviteInput {
  accountId: string;
  accountName: string;
  email: string;
  role: MemberRole;
  /** null when an operator invites. */
  invitedByUserId: string | null;
}

/** Creates an invite and emails its link (valid 7 days, single use). The link is returned for the operator console. */
export async function createInvite(ctx: ServiceContext, input: CreateInviteInput): Promise<{ invite: Invite; url: string }> {
  const token = newOpaqueToken();
  const now = ctx.now();
  const email = normalizeEmail(input.email);
  const invite = await insertInvite(ctx.db, {
    id: newId("invite", now),
    accountId: input.accountId,
    email,
    role: input.role,
    tokenHash: hashToken(token),
    invitedByUserId: input.invitedByUserId,
    createdAt: now,
    expiresAt: now + EMAIL_LINK_TTL_MS.invite,
    acceptedAt: null,
    revokedAt: null,
  });
  const url = emailLink(ctx, "invite", token);
  await sendQuietly(ctx, inviteMessage(email, url, input.accountName), "invite");
  return { invite, url };
}

/** A pending invite for a link's token, with the account's name; null when unknown, used, revoked or expired. */
export async function findInvite(ctx: ServiceContext, token: string): Promise<{ invite: Invite; accountName: string } | null> {
  if (token.length === 0 || token.length > 100) return null;
  return (await findPendingInvite(ctx.db, hashToken(token), ctx.now())) ?? null;
}

/**
 * A new user from an invite: created verified (the link reached this inbox) together with the
 * invite's membership, in one batch; then the invite is marked used. "email-taken": the address
 * already has an account (it signs in and accepts instead).
 */
export async function acceptInviteForNewUser(ctx: ServiceContext, invite: Invite, passwordHash: string): Promise<{ userId: string } | "email-taken"> {
  const now = ctx.now();
  const userId = newId("user", now);
  const user = await insertUserWithMembership(
    ctx.db,
    { id: userId, email: invite.email, passwordHash, emailVerifiedAt: now, isOperator: false, signupAccountId: null, createdAt: now, updatedAt: now },
    null,
    { accountId: invite.accountId, role: invite.role },
  );
  if (!user) return "email-taken";
  await markInviteAccepted(ctx.db, invite.id, now);
  return { userId };
}

/** A signed-in user accepts an invite addressed to their email; false when it is not theirs or no longer pending. */
export async function acceptInvite(ctx: ServiceContext, token: string, user: UserRow): Promise<{ accountId: string } | null> {
  const found = await findInvite(ctx, token);
  if (!found || found.invite.email !== user.email) return null;
  const now = ctx.now();
  if (!(await markInviteAccepted(ctx.db, found.invite.id, now))) return null;
  await insertMembership(ctx.db, { accountId: found.invite.accountId, userId: user.id, role: found.invite.role, now });
  return { accountId: found.invite.accountId };
}
