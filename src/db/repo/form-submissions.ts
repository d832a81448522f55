import { and, eq, gt, isNull, lte } from "drizzle-orm";
import type { Db } from "../client";
import { formSubmissions } from "../schema";

export type FormSubmissionRow = typeof formSubmissions.$inferSelect;

/**
 * Claims a form token for a session (INSERT … ON CONFLICT DO NOTHING): true for the first POST
 * with it, false when another POST already holds it. An expired claim is replaced.
 */
export async function claimFormSubmission(db: Db, sessionId: string, token: string, now: number, expiresAt: number): Promise<boolean> {
  await db
    .delete(formSubmissions)
    .where(and(eq(formSubmissions.sessionId, sessionId), eq(formSubmissions.token, token), lte(formSubmissions.expiresAt, now)))
    .run();
  const rows = await db
    .insert(formSubmissions)
    .values({ sessionId, token, status: null, headers: null, body: null, createdAt: now, expiresAt })
    .onConflictDoNothing()
    .returning({ token: formSubmissions.token });
  return rows.length > 0;
}

export async function findFormSubmission(db: Db, sessionId: string, token: string, now: number): Promise<FormSubmissionRow | undefined> {
  return db
    .select()
    .from(formSubmissions)
    .where(and(eq(formSubmissions.sessionId, sessionId), eq(formSubmissions.token, token), gt(formSubmissions.expiresAt, now)))
    .get();
}

/** Records the first POST's answer (only on the claim it made, still pending). */
export async function recordFormSubmission(
  db: Db,
  sessionId: string,
  token: string,
  outcome: { status: number; headers: Array<[string, string]>; body: string | null },
): Promise<void> {
  await db
    .update(formSubmissions)
    .set(outcome)
    .where(and(eq(formSubmissions.sessionId, sessionId), eq(formSubmissions.token, token), isNull(formSubmissions.status)))
    .run();
}

/** Gives a claim back (the POST changed nothing: refused or failed), so the same form may be sent again. */
export async function releaseFormSubmission(db: Db, sessionId: string, token: string): Promise<void> {
  await db
    .delete(formSubmissions)
    .where(and(eq(formSubmissions.sessionId, sessionId), eq(formSubmissions.token, token), isNull(formSubmissions.status)))
    .run();
}
