import type { ServiceContext } from "../../context";
import * as repo from "../../db/repo/sessions";
import { listMemberships, type MembershipWithAccount, type UserRow } from "../../db/repo/users";
import { newId } from "../../lib/ids";
import { DAY, HOUR, MINUTE } from "../../lib/time";
import { hashToken, newOpaqueToken } from "./tokens";

export type SessionRow = repo.SessionRow;
export type Membership = MembershipWithAccount;

export const SESSION_IDLE_MS = 12 * HOUR;
export const SESSION_ABSOLUTE_MS = 30 * DAY;
/** `last_seen_at` is written at most this often: a page view is not a D1 write. */
export const SESSION_TOUCH_MS = 5 * MINUTE;
/** An operator session minted with ADMIN_TOKEN lives one hour, whatever its use. */
export const OPERATOR_SESSION_MS = 1 * HOUR;

/** A signed-in request: the session, its user, the accounts they may use and the one selected. */
export interface SignedIn {
  session: SessionRow;
  user: UserRow;
  /** Memberships of active accounts only: a disabled account loses access on the next request. */
  memberships: Membership[];
  current: Membership | null;
}

export async function createSession(ctx: ServiceContext, userId: string, currentAccountId: string | null): Promise<{ token: string; session: SessionRow }> {
  const token = newOpaqueToken();
  const now = ctx.now();
  const session = await repo.insertSession(ctx.db, {
    id: newId("session", now),
    tokenHash: hashToken(token),
    userId,
    kind: "user",
    currentAccountId,
    csrfToken: newOpaqueToken(),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + SESSION_ABSOLUTE_MS,
    revokedAt: null,
    reauthAt: null,
  });
  return { token, session };
}

/**
 * A session minted by the operator console's ADMIN_TOKEN sign-in: no user behind it, one hour,
 * opening /dashboard/operator only (`loadSession` never accepts it as a user's).
 */
export async function createOperatorSession(ctx: ServiceContext): Promise<{ token: string; session: SessionRow }> {
  const token = newOpaqueToken();
  const now = ctx.now();
  const session = await repo.insertSession(ctx.db, {
    id: newId("session", now),
    tokenHash: hashToken(token),
    userId: null,
    kind: "operator",
    currentAccountId: null,
    csrfToken: newOpaqueToken(),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + OPERATOR_SESSION_MS,
    revokedAt: null,
    reauthAt: null,
  });
  return { token, session };
}

/** The live operator session a cookie token opens, or null (any user session is not one). */
export async function loadOperatorSession(ctx: ServiceContext, token: string): Promise<SessionRow | null> {
  const found = await repo.findSessionByTokenHash(ctx.db, hashToken(token));
  if (found?.session.kind !== "operator" || !isSessionLive(found.session, ctx.now())) return null;
  return found.session;
}

/** A live session: not revoked, within its absolute lifetime, and used within the idle window. */
export function isSessionLive(session: SessionRow, now: number): boolean {
  return session.revokedAt === null && now < session.expiresAt && now < session.lastSeenAt + SESSION_IDLE_MS;
}

/**
 * The signed-in state a cookie token opens, or null (unknown, revoked, expired, idle, or a user
 * session whose user is gone). Memberships are read on every request, so a removed member or a
 * disabled account loses access at once. The selected account falls back to the first one left.
 */
export async function loadSession(ctx: ServiceContext, token: string): Promise<SignedIn | null> {
  const found = await repo.findSessionByTokenHash(ctx.db, hashToken(token));
  const now = ctx.now();
  if (!found?.user || found.session.kind !== "user" || !isSessionLive(found.session, now)) return null;
  const memberships = (await listMemberships(ctx.db, found.user.id)).filter((m) => m.accountStatus === "active");
  const current = memberships.find((m) => m.accountId === found.session.currentAccountId) ?? memberships[0] ?? null;
  const patch: Parameters<typeof repo.updateSession>[2] = {};
  if (now - found.session.lastSeenAt >= SESSION_TOUCH_MS) patch.lastSeenAt = now;
  if ((current?.accountId ?? null) !== found.session.currentAccountId) patch.currentAccountId = current?.accountId ?? null;
  if (Object.keys(patch).length > 0) await repo.updateSession(ctx.db, found.session.id, patch);
  return { session: { ...found.session, ...patch }, user: found.user, memberships, current };
}

/**
 * A new session replacing `previous` (revoked): sign-in and privilege changes never keep a token
 * that existed before them, so a planted cookie (session fixation) is worthless.
 */
export async function rotateSession(
  ctx: ServiceContext,
  previous: SessionRow | null,
  userId: string,
  currentAccountId: string | null,
): Promise<{ token: string; session: SessionRow }> {
  if (previous) await repo.revokeSession(ctx.db, previous.id, ctx.now());
  return createSession(ctx, userId, currentAccountId);
}

export async function endSession(ctx: ServiceContext, sessionId: string): Promise<void> {
  await repo.revokeSession(ctx.db, sessionId, ctx.now());
}

/** "Sign out everywhere": every session of the user, this one included. */
export async function endAllSessions(ctx: ServiceContext, userId: string): Promise<number> {
  return repo.revokeUserSessions(ctx.db, userId, ctx.now());
}

/** Selects another of the user's accounts; false when they are not a member of it (any more). */
export async function switchAccount(ctx: ServiceContext, signedIn: SignedIn, accountId: string): Promise<boolean> {
  if (!signedIn.memberships.some((m) => m.accountId === accountId)) return false;
  await repo.updateSession(ctx.db, signedIn.session.id, { currentAccountId: accountId });
  return true;
}
