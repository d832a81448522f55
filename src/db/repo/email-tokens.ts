import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { type EmailTokenPurpose, emailTokens } from "../schema";

export type EmailTokenRow = typeof emailTokens.$inferSelect;

export async function insertEmailToken(db: Db, row: typeof emailTokens.$inferInsert): Promise<void> {
  await db.insert(emailTokens).values(row).run();
}

/**
 * Uses a token once: one conditional UPDATE marks it used only if it is unused and unexpired, so
 * two clicks racing on the same link cannot both succeed.
 */
export async function consumeEmailToken(db: Db, purpose: EmailTokenPurpose, tokenHash: string, now: number): Promise<EmailTokenRow | undefined> {
  const [row] = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
    .returning();
  return row;
}

/** Marks every unused token of this purpose used (a newer link, or a completed reset, supersedes them). */
export async function retireEmailTokens(db: Db, userId: string, purpose: EmailTokenPurpose, now: number): Promise<void> {
  await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)))
    .run();
}

/** A live token, read without using it (a reset form checks the new password before spending the link). */
export async function findLiveEmailToken(db: Db, purpose: EmailTokenPurpose, tokenHash: string, now: number): Promise<EmailTokenRow | undefined> {
  return db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
    .get();
}
