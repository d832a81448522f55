import { and, eq, gt, inArray, isNotNull, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client";
import { generations, images, webhookDeliveries } from "../schema";
import { forgetAccountImages } from "./refs-cache";

/**
 * Queries behind DELETE /customers/:externalUserId (GDPR erase). Every one is
 * scoped by account and binds only a handful of parameters: the user's images
 * are selected by subqueries, never by a bound id list, so D1's
 * 100-parameter cap never applies however many images the user has.
 */

/** The user's generations (the link from a person photo or result to its user). */
function userGenerations(accountId: string, externalUserId: string): SQL {
  return and(eq(generations.accountId, accountId), eq(generations.externalUserId, externalUserId)) as SQL;
}

/**
 * Images that belong to the user: tagged with their id, or the person photo /
 * result of one of their generations. Product images are never matched: they
 * belong to the shop, even when a product was created inline by the user's try-on.
 */
function userImages(db: Db, accountId: string, externalUserId: string): SQL {
  const personIds = db.select({ id: generations.personImageId }).from(generations).where(userGenerations(accountId, externalUserId));
  const resultIds = db
    .select({ id: generations.resultImageId })
    .from(generations)
    .where(and(userGenerations(accountId, externalUserId), isNotNull(generations.resultImageId)));
  return and(
    eq(images.accountId, accountId),
    ne(images.role, "product"),
    or(eq(images.externalUserId, externalUserId), inArray(images.id, personIds), inArray(images.id, resultIds)),
  ) as SQL;
}

/** Up to `limit` PENDING/PROCESSING generations of the user (to cancel before erasing). */
export async function listActiveUserGenerations(db: Db, accountId: string, externalUserId: string, limit: number): Promise<Array<{ id: string }>> {
  return db
    .select({ id: generations.id })
    .from(generations)
    .where(and(userGenerations(accountId, externalUserId), inArray(generations.status, ["PENDING", "PROCESSING"])))
    .limit(limit)
    .all();
}

/**
 * Drops the result reference (URL source) of every generation whose result is
 * about to be erased: the user's generations, and any generation whose result
 * image is tagged with the user. Runs BEFORE the images are deleted, so no
 * generation ever points at a deleted object. Returns the rows changed.
 */
export async function clearUserResultRefs(db: Db, accountId: string, externalUserId: string): Promise<number> {
  const taggedResults = db
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.accountId, accountId), eq(images.role, "result"), eq(images.externalUserId, externalUserId)));
  const rows = await db
    .update(generations)
    .set({ resultImageId: null, resultR2Key: null, resultExpiresAt: null })
    .where(
      and(
        eq(generations.accountId, accountId),
        or(isNotNull(generations.resultImageId), isNotNull(generations.resultR2Key)),
        or(eq(generations.externalUserId, externalUserId), inArray(generations.resultImageId, taggedResults)),
      ),
    )
    .returning({ id: generations.id });
  return rows.length;
}

/**
 * Deletes up to `limit` of the user's image rows in one statement and returns
 * their R2 keys: the caller deletes the objects AFTER the rows (a crash leaves
 * an unreferenced object for the retention purge, never a dangling row).
 */
export async function deleteUserImageBatch(db: Db, accountId: string, externalUserId: string, limit: number): Promise<string[]> {
  forgetAccountImages(accountId);
  const batch = db
    .select({ id: images.id })
    .from(images)
    .where(userImages(db, accountId, externalUserId))
    .limit(limit);
  const rows = await db
    .delete(images)
    .where(and(eq(images.accountId, accountId), inArray(images.id, batch)))
    .returning({ r2Key: images.r2Key });
  forgetAccountImages(accountId);
  return rows.map((r) => r.r2Key);
}

/**
 * Marks every remaining image of the user as expired at `now` (one statement):
 * they stop being served at once (an expired image is not found) and the
 * retention purge deletes rows then objects within minutes. Used when a user
 * has more images than one request erases inline. Returns the rows changed.
 */
export async function expireUserImages(db: Db, accountId: string, externalUserId: string, now: number): Promise<number> {
  forgetAccountImages(accountId);
  const rows = await db
    .update(images)
    .set({ expiresAt: now })
    .where(and(userImages(db, accountId, externalUserId), or(isNull(images.expiresAt), gt(images.expiresAt, now))))
    .returning({ id: images.id });
  forgetAccountImages(accountId);
  return rows.length;
}

/**
 * Unlinks the user's generations from their id (`external_user_id` → NULL).
 * They keep their status, product and timings, so stats and credit history
 * survive. Runs LAST: the image subqueries above follow this link.
 */
export async function anonymizeUserGenerations(db: Db, accountId: string, externalUserId: string): Promise<number> {
  const rows = await db.update(generations).set({ externalUserId: null }).where(userGenerations(accountId, externalUserId)).returning({ id: generations.id });
  return rows.length;
}

/**
 * Blanks the user id inside stored webhook payloads of the user's generations
 * (the delivery log keeps what was sent for 30 days; a retry re-renders the
 * payload from the anonymized generation anyway). Must run before the
 * generations are anonymized, which removes the link.
 */
export async function scrubUserWebhookPayloads(db: Db, accountId: string, externalUserId: string): Promise<number> {
  const ids = db.select({ id: generations.id }).from(generations).where(userGenerations(accountId, externalUserId));
  const rows = await db
    .update(webhookDeliveries)
    // A generation without a user omits the field (never null), so the erased id is removed, not blanked.
    .set({ payload: sql`json_remove(${webhookDeliveries.payload}, '$.data.externalUserId')` })
    .where(and(eq(webhookDeliveries.accountId, accountId), inArray(webhookDeliveries.generationId, ids), sql`json_valid(${webhookDeliveries.payload})`))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}
