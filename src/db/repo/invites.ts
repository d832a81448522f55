import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { accounts, invites } from "../schema";

export type InviteRow = typeof invites.$inferSelect;

export async function insertInvite(db: Db, row: typeof invites.$inferInsert): Promise<InviteRow> {
  const [created] = await db.insert(invites).values(row).returning();
  if (!created) throw new Error("invite insert returned no row");
  return created;
}

/** A pending invite (not accepted, not revoked, not expired) with its account's name. */
export async function findPendingInvite(db: Db, tokenHash: string, now: number): Promise<{ invite: InviteRow; accountName: string } | undefined> {
  const row = await db
    .select({ invite: invites, accountName: accounts.name })
    .from(invites)
    .innerJoin(accounts, eq(invites.accountId, accounts.id))
    .where(and(eq(invites.tokenHash, tokenHash), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
    .get();
  return row ?? undefined;
}

/** Accepts an invite once (conditional UPDATE): the loser of two racing accepts gets undefined. */
export async function markInviteAccepted(db: Db, id: string, now: number): Promise<InviteRow | undefined> {
  const [row] = await db
    .update(invites)
    .set({ acceptedAt: now })
    .where(and(eq(invites.id, id), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
    .returning();
  return row;
}

/** The account's pending invites, newest first. */
export async function listPendingInvites(db: Db, accountId: string, now: number, limit: number): Promise<InviteRow[]> {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.accountId, accountId), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, now)))
    .orderBy(desc(invites.id))
    .limit(limit)
    .all();
}

/** Revokes a pending invite of the account (its link stops working); undefined when it is not pending. */
export async function revokeInvite(db: Db, accountId: string, id: string, now: number): Promise<InviteRow | undefined> {
  const [row] = await db
    .update(invites)
    .set({ revokedAt: now })
    .where(and(eq(invites.id, id), eq(invites.accountId, accountId), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
    .returning();
  return row;
}
