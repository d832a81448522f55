import { getDb } from "../../db/client";
import { deleteExpiredImageBatch, setImagesExpiry } from "../../db/repo/images";
import { deleteProductIfExpired, listExpiredProducts } from "../../db/repo/products";
import { RELEASED_IMAGE_GRACE_MS } from "../products";

/** Rows per batch and batches per run: bounded work per cron tick; the rest waits a minute. */
export const RETENTION_BATCH = 100;
export const RETENTION_MAX_BATCHES = 5;

/**
 * Retention purge (docs/privacy.md), idempotent: expired products are deleted (their
 * images are released with a grace period), then expired images lose their
 * row first and their R2 object second, so no live row ever points at a
 * deleted object; a crash between the two leaves only an unreferenced object,
 * never a dangling row. Deleting a missing R2 key is a no-op.
 */
export async function sweepRetention(env: Env, now: number): Promise<Record<string, number>> {
  const db = getDb(env.DB);
  let productsDeleted = 0;
  let imagesDeleted = 0;

  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
    const expired = await listExpiredProducts(db, now, RETENTION_BATCH);
    for (const p of expired) {
      if (!(await deleteProductIfExpired(db, p.accountId, p.externalId, now))) continue;
      productsDeleted++;
      const ids = p.images.map((i) => i.imageId).filter((id): id is string => id !== null);
      await setImagesExpiry(db, p.accountId, ids, now + RELEASED_IMAGE_GRACE_MS);
    }
    if (expired.length < RETENTION_BATCH) break;
  }

  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
    const keys = await deleteExpiredImageBatch(db, now, RETENTION_BATCH);
    if (keys.length > 0) await env.BUCKET.delete(keys);
    imagesDeleted += keys.length;
    if (keys.length < RETENTION_BATCH) break;
  }
  return { productsDeleted, imagesDeleted };
}
