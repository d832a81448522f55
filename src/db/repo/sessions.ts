import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { sessions, users } from "../schema";
import type { UserRow } from "./users";

export type SessionRow = typeof sessions.$inferSelect;
export type NewSessionRow = typeof sessions.$inferInsert;

export async function insertSession(db: Db, row: NewSessionRow): Promise<SessionRow> {
  const [created] = await db.insert(sessions).values(row).returning();
  if (!created) throw new Error("session insert returned no row");
  return created;
}

/** The session for a token hash, with its user (null for an operator session). */
export async function findSessionByTokenHash(db: Db, tokenHash: string): Promise<{ session: SessionRow; user: UserRow | null } | undefined> {
  const row = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .leftJoin(users, eq(sessions.userId, users.id))
    .where(eq(sessions.tokenHash, tokenHash))
    .get();
  return row ?? undefined;
}

export async function updateSession(
  db: Db,
  id: string,
  patch: Partial<Pick<NewSessionRow, "lastSeenAt" | "currentAccountId" | "revokedAt" | "reauthAt">>,
): Promise<void> {
  await db.update(sessions).set(patch).where(eq(sessions.id, id)).run();
}

/** Revokes a live session; answers whether it was live. */
export async function revokeSession(db: Db, id: string, now: number): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Revokes every live session of a user ("sign out everywhere", password reset); answers how many. */
export async function revokeUserSessions(db: Db, userId: string, now: number): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length;
}

/** Records that the session's user just proved it is them again (recent-auth steps). */
export async function markSessionReauthenticated(db: Db, id: string, at: number): Promise<void> {
  await db.update(sessions).set({ reauthAt: at }).where(eq(sessions.id, id)).run();
}
