import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../client";
import { passkeys, webauthnChallenges } from "../schema";

export type PasskeyRow = typeof passkeys.$inferSelect;
export type ChallengeRow = typeof webauthnChallenges.$inferSelect;
export type ChallengePurpose = ChallengeRow["purpose"];

export async function insertChallenge(db: Db, row: ChallengeRow): Promise<void> {
  await db.insert(webauthnChallenges).values(row).run();
}

/** Uses a challenge once (DELETE … RETURNING): the loser of two racing uses, or a late one, gets undefined. */
export async function consumeChallenge(db: Db, id: string, purpose: ChallengePurpose, now: number): Promise<ChallengeRow | undefined> {
  const [row] = await db
    .delete(webauthnChallenges)
    .where(and(eq(webauthnChallenges.id, id), eq(webauthnChallenges.purpose, purpose), gt(webauthnChallenges.expiresAt, now)))
    .returning();
  return row;
}

export async function insertPasskey(db: Db, row: PasskeyRow): Promise<boolean> {
  const rows = await db.insert(passkeys).values(row).onConflictDoNothing().returning({ id: passkeys.id });
  return rows.length > 0;
}

export async function findPasskey(db: Db, id: string): Promise<PasskeyRow | undefined> {
  return db.select().from(passkeys).where(eq(passkeys.id, id)).get();
}

/** Oldest first (the order they were added). */
export async function listUserPasskeys(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id)).all();
}

/**
 * Records a use: the counter moves only from the value the check saw (a conditional UPDATE), so of
 * two assertions racing with the same counter only one is accepted.
 */
export async function recordPasskeyUse(db: Db, id: string, seenCounter: number, newCounter: number, now: number): Promise<boolean> {
  const rows = await db
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: now })
    .where(and(eq(passkeys.id, id), eq(passkeys.counter, seenCounter)))
    .returning({ id: passkeys.id });
  return rows.length > 0;
}

export async function deletePasskey(db: Db, userId: string, id: string): Promise<PasskeyRow | undefined> {
  const [row] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}
