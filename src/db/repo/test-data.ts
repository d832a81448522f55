import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "../client";
import { generations, images, products, webhookAttempts, webhookDefaultSecrets, webhookDeliveries, webhookEndpoints } from "../schema";
import { forgetAccountRefs } from "./refs-cache";

/**
 * Erasing a test twin's data (DELETE /test/data). Only ever called with a test
 * twin's id (services/test-mode checks it): every statement is scoped by that
 * account id, so live data cannot be touched.
 */

/** Deletes up to `limit` of the account's images (rows first) and returns their R2 keys, for the caller to delete next. */
export async function deleteAccountImageBatch(db: Db, accountId: string, limit: number): Promise<string[]> {
  forgetAccountRefs(accountId);
  const batch = db.select({ id: images.id }).from(images).where(eq(images.accountId, accountId)).limit(limit);
  const rows = await db
    .delete(images)
    .where(and(eq(images.accountId, accountId), inArray(images.id, batch)))
    .returning({ r2Key: images.r2Key });
  forgetAccountRefs(accountId);
  return rows.map((r) => r.r2Key);
}

/** Marks the account's remaining images expired at `now`: no longer served, and the retention purge deletes rows and bytes. */
export async function expireAccountImages(db: Db, accountId: string, now: number): Promise<number> {
  forgetAccountRefs(accountId);
  const rows = await db
    .update(images)
    .set({ expiresAt: now })
    .where(and(eq(images.accountId, accountId), or(isNull(images.expiresAt), gt(images.expiresAt, now))))
    .returning({ id: images.id });
  forgetAccountRefs(accountId);
  return rows.length;
}

export interface DeletedRows {
  generations: number;
  products: number;
  webhookEndpoints: number;
  webhookDeliveries: number;
}

/** Deletes the account's generations, products, webhook endpoints, deliveries (and their attempts) and default secret, in one batch. */
export async function deleteAccountRows(db: Db, accountId: string): Promise<DeletedRows> {
  forgetAccountRefs(accountId);
  const deliveries = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.accountId, accountId));
  const [, d, e, g, p] = await db.batch([
    db.delete(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveries)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.accountId, accountId)).returning({ id: webhookDeliveries.id }),
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.accountId, accountId)).returning({ id: webhookEndpoints.id }),
    db.delete(generations).where(eq(generations.accountId, accountId)).returning({ id: generations.id }),
    db.delete(products).where(eq(products.accountId, accountId)).returning({ id: products.externalId }),
    db.delete(webhookDefaultSecrets).where(eq(webhookDefaultSecrets.accountId, accountId)),
  ]);
  forgetAccountRefs(accountId);
  return { generations: g.length, products: p.length, webhookEndpoints: e.length, webhookDeliveries: d.length };
}
