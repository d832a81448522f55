import { and, eq, gt, inArray, isNotNull, isNull, lte, or } from "drizzle-orm";
import type { Db } from "../client";
import { type CropBox, images } from "../schema";
import { forgetImages, forgetImagesExpiredBy, rememberImage } from "./refs-cache";

export type { CropBox };
export type ImageRow = typeof images.$inferSelect;
export type NewImageRow = typeof images.$inferInsert;

export async function insertImage(db: Db, row: NewImageRow): Promise<ImageRow> {
  const [created] = await db.insert(images).values(row).returning();
  if (!created) throw new Error("image insert returned no row");
  rememberImage(created);
  return created;
}

/** Scoped by account: another account's image is simply not found. */
export async function findImage(db: Db, accountId: string, id: string): Promise<ImageRow | undefined> {
  return db
    .select()
    .from(images)
    .where(and(eq(images.accountId, accountId), eq(images.id, id)))
    .get();
}

/** A live product image already fetched from this URL hash (the "fetch once" cache). */
export async function findImageBySourceHash(db: Db, accountId: string, sourceUrlHash: string, now: number): Promise<ImageRow | undefined> {
  return db
    .select()
    .from(images)
    .where(and(eq(images.accountId, accountId), eq(images.sourceUrlHash, sourceUrlHash), or(isNull(images.expiresAt), gt(images.expiresAt, now))))
    .get();
}

/** Sets the expiry of the given images of an account (null = kept while referenced). */
export async function setImagesExpiry(db: Db, accountId: string, ids: string[], expiresAt: number | null): Promise<void> {
  if (ids.length === 0) return;
  forgetImages(accountId, ids);
  await db
    .update(images)
    .set({ expiresAt })
    .where(and(eq(images.accountId, accountId), inArray(images.id, ids)));
  forgetImages(accountId, ids);
}

/**
 * Deletes up to `limit` expired image rows (any account) in one statement (no
 * id list to bind, so D1's 100-parameter cap never applies) and returns their
 * R2 keys for the caller to delete.
 */
export async function deleteExpiredImageBatch(db: Db, now: number, limit: number): Promise<string[]> {
  const expired = db
    .select({ id: images.id })
    .from(images)
    .where(and(isNotNull(images.expiresAt), lte(images.expiresAt, now)))
    .limit(limit);
  const rows = await db.delete(images).where(inArray(images.id, expired)).returning({ r2Key: images.r2Key });
  forgetImagesExpiredBy(now);
  return rows.map((r) => r.r2Key);
}

/** Deletes one image row of an account (its R2 object is the caller's to delete, after the row). */
export async function deleteImage(db: Db, accountId: string, id: string): Promise<void> {
  forgetImages(accountId, [id]);
  await db.delete(images).where(and(eq(images.accountId, accountId), eq(images.id, id)));
  forgetImages(accountId, [id]);
}
