import { inArray, isNotNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { devOutbox, emailTokens, formSubmissions, sessions, webauthnChallenges } from "../schema";

/**
 * Bounded deletes of dashboard state nothing can use any more (the sweep's `dashboardState`
 * step): each call removes at most `limit` rows, oldest first by its index, and answers how many.
 */

/** Sessions past their absolute expiry, idle since `idleBefore`, or revoked. */
export async function pruneSessions(db: Db, now: number, idleBefore: number, limit: number): Promise<number> {
  const ids = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, idleBefore), isNotNull(sessions.revokedAt)))
    .limit(limit);
  const rows = await db.delete(sessions).where(inArray(sessions.id, ids)).returning({ id: sessions.id });
  return rows.length;
}

/** Emailed links that were used or expired. */
export async function pruneEmailTokens(db: Db, now: number, limit: number): Promise<number> {
  const ids = db
    .select({ h: emailTokens.tokenHash })
    .from(emailTokens)
    .where(or(lte(emailTokens.expiresAt, now), isNotNull(emailTokens.usedAt)))
    .limit(limit);
  const rows = await db.delete(emailTokens).where(inArray(emailTokens.tokenHash, ids)).returning({ h: emailTokens.tokenHash });
  return rows.length;
}

export async function pruneWebauthnChallenges(db: Db, now: number, limit: number): Promise<number> {
  const ids = db.select({ id: webauthnChallenges.id }).from(webauthnChallenges).where(lte(webauthnChallenges.expiresAt, now)).limit(limit);
  const rows = await db.delete(webauthnChallenges).where(inArray(webauthnChallenges.id, ids)).returning({ id: webauthnChallenges.id });
  return rows.length;
}

export async function pruneDevOutbox(db: Db, createdBefore: number, limit: number): Promise<number> {
  const ids = db.select({ id: devOutbox.id }).from(devOutbox).where(lte(devOutbox.createdAt, createdBefore)).limit(limit);
  const rows = await db.delete(devOutbox).where(inArray(devOutbox.id, ids)).returning({ id: devOutbox.id });
  return rows.length;
}

/** Remembered form answers past their time (the table's key is composite: rows go by rowid). */
export async function pruneFormSubmissions(db: Db, now: number, limit: number): Promise<number> {
  const rows = await db.all<{ n: number }>(
    sql`delete from ${formSubmissions} where rowid in (select rowid from ${formSubmissions} where ${formSubmissions.expiresAt} <= ${now} limit ${limit}) returning 1 as n`,
  );
  return rows.length;
}
