import { z } from "zod";
import type { ServiceContext } from "../../context";
import { listPendingInvites, revokeInvite } from "../../db/repo/invites";
import { revokeUserSessions } from "../../db/repo/sessions";
import { type AccountMember, changeMembershipRole, deleteMembership, findUserByEmail, listAccountMembers } from "../../db/repo/users";
import { MEMBER_ROLES, type MemberRole } from "../../db/schema";
import { createInvite, type Invite } from "./invites";
import { can } from "./roles";
import type { SignedIn } from "./sessions";
import { EmailSchema } from "./sign-up";
import { normalizeEmail } from "./tokens";

export type { AccountMember };

/** The members page's invite form: an address and a role (owner or developer). */
export const InviteMemberBody = z.object({
  email: z.preprocess((v) => (typeof v === "string" ? normalizeEmail(v) : v), EmailSchema),
  role: z.enum(MEMBER_ROLES, { message: "Choose owner or developer." }),
});
export const ChangeRoleBody = z.object({ role: z.enum(MEMBER_ROLES, { message: "Choose owner or developer." }) });

export type MemberRefusal =
  | { ok: false; reason: "forbidden" | "not-found" | "last-owner" | "already-member" }
  | { ok: false; reason: "invalid"; fields: Record<string, string> };

/** The acting member may manage members of their current account (owners only); the account id, else a refusal. */
function ownerAccount(actor: SignedIn): { ok: true; accountId: string; accountName: string } | MemberRefusal {
  if (!actor.current || !can(actor.current.role, "members")) return { ok: false, reason: "forbidden" };
  return { ok: true, accountId: actor.current.accountId, accountName: actor.current.accountName };
}

export async function listMembers(ctx: ServiceContext, actor: SignedIn): Promise<{ members: AccountMember[]; invites: Invite[] } | MemberRefusal> {
  const owner = ownerAccount(actor);
  if (!owner.ok) return owner;
  const [members, invites] = await Promise.all([listAccountMembers(ctx.db, owner.accountId), listPendingInvites(ctx.db, owner.accountId, ctx.now(), 200)]);
  return { members, invites };
}

/**
 * Invites an address to the actor's account with a role (the same invite service and emailed
 * link as everywhere). An address that is already a member is refused; one that has a user but
 * no membership gets the link and accepts it after signing in.
 */
export async function inviteMember(
  ctx: ServiceContext,
  actor: SignedIn,
  input: z.infer<typeof InviteMemberBody>,
): Promise<{ ok: true; invite: Invite } | MemberRefusal> {
  const owner = ownerAccount(actor);
  if (!owner.ok) return owner;
  const existing = await findUserByEmail(ctx.db, input.email);
  if (existing && (await listAccountMembers(ctx.db, owner.accountId)).some((m) => m.userId === existing.id)) return { ok: false, reason: "already-member" };
  const { invite } = await createInvite(ctx, {
    accountId: owner.accountId,
    accountName: owner.accountName,
    email: input.email,
    role: input.role,
    invitedByUserId: actor.user.id,
  });
  return { ok: true, invite };
}

export async function revokeMemberInvite(ctx: ServiceContext, actor: SignedIn, inviteId: string): Promise<{ ok: true; invite: Invite } | MemberRefusal> {
  const owner = ownerAccount(actor);
  if (!owner.ok) return owner;
  const invite = await revokeInvite(ctx.db, owner.accountId, inviteId.slice(0, 64), ctx.now());
  return invite ? { ok: true, invite } : { ok: false, reason: "not-found" };
}

/**
 * Changes a member's role. The last owner cannot be demoted: the check is the UPDATE's own
 * condition, so concurrent demotions of two owners leave one. A change of privilege ends every
 * session of the affected user (they sign in again with their new role); `selfRotated` tells the
 * page that the actor's own session was one of them.
 */
export async function changeMemberRole(
  ctx: ServiceContext,
  actor: SignedIn,
  userId: string,
  role: MemberRole,
): Promise<{ ok: true; changed: boolean; selfRotated: boolean } | MemberRefusal> {
  const owner = ownerAccount(actor);
  if (!owner.ok) return owner;
  const result = await changeMembershipRole(ctx.db, owner.accountId, userId.slice(0, 64), role, ctx.now());
  if (!result.ok) return result;
  if (result.previous === role) return { ok: true, changed: false, selfRotated: false };
  await revokeUserSessions(ctx.db, userId, ctx.now());
  return { ok: true, changed: true, selfRotated: userId === actor.user.id };
}

/** Removes a member (they lose access on their next request); the last owner stays. */
export async function removeMember(ctx: ServiceContext, actor: SignedIn, userId: string): Promise<{ ok: true; self: boolean } | MemberRefusal> {
  const owner = ownerAccount(actor);
  if (!owner.ok) return owner;
  const result = await deleteMembership(ctx.db, owner.accountId, userId.slice(0, 64));
  if (!result.ok) return result;
  return { ok: true, self: userId === actor.user.id };
}
