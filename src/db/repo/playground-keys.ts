import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { playgroundKeys } from "../schema";

export type PlaygroundKeyRow = typeof playgroundKeys.$inferSelect;
type PlaygroundMode = PlaygroundKeyRow["mode"];

export async function findPlaygroundKey(db: Db, accountId: string, mode: PlaygroundMode): Promise<PlaygroundKeyRow | undefined> {
  return db
    .select()
    .from(playgroundKeys)
    .where(and(eq(playgroundKeys.accountId, accountId), eq(playgroundKeys.mode, mode)))
    .get();
}

/** The first key of an account and mode; false when another request stored one first. */
export async function insertPlaygroundKey(db: Db, row: PlaygroundKeyRow): Promise<boolean> {
  const done = await db.insert(playgroundKeys).values(row).onConflictDoNothing().returning({ keyId: playgroundKeys.keyId });
  return done.length === 1;
}

/** Replaces `previousKeyId` (revoked or rolled); false when another request replaced it first. */
export async function replacePlaygroundKey(db: Db, row: PlaygroundKeyRow, previousKeyId: string): Promise<boolean> {
  const done = await db
    .update(playgroundKeys)
    .set({ keyId: row.keyId, keyEnc: row.keyEnc, createdAt: row.createdAt })
    .where(and(eq(playgroundKeys.accountId, row.accountId), eq(playgroundKeys.mode, row.mode), eq(playgroundKeys.keyId, previousKeyId)))
    .returning({ keyId: playgroundKeys.keyId });
  return done.length === 1;
}
