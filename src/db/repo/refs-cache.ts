import { LruCache } from "../../lib/lru-cache";
import type { images, products } from "../schema";

type ProductRow = typeof products.$inferSelect;
type ImageRow = typeof images.$inferSelect;

/**
 * Per-isolate cache of the two rows a try-on references before it charges: the product (by
 * account + externalId) and the person image (by account + id), so POST /try-on's accept path
 * needs no D1 read for a product and photo it has seen (docs/performance.md, "Hot paths").
 *
 * It lives in the repo layer because every write to `products` and `images` goes through a repo
 * function: each one that changes or removes a row updates or drops its entry here (before and
 * after the write, so a read racing the write cannot put the old row back). Rows are filled by
 * `findTryOnRefs` and by this isolate's own inserts.
 *
 * Only a POSITIVE, live answer is taken from here: a cached row that is expired (or missing) is
 * read from D1 again, since another isolate may have extended it. A change made by ANOTHER isolate
 * (a delete, an erase, a shorter expiry) is seen here within REFS_CACHE_TTL_MS (30 s, the bound
 * of a revoked key). Using a stale row is safe: the generation keeps its own product snapshot,
 * and its person photo is loaded from D1 + R2 by the consumer, so an image erased meanwhile fails
 * the generation (CUSTOMER_IMAGE_FETCH_FAILED, credit refunded); nothing erased is ever used.
 */
export const REFS_CACHE_TTL_MS = 30_000;
const productCache = new LruCache<string, ProductRow>({ maxEntries: 5_000, ttlMs: REFS_CACHE_TTL_MS });
const imageCache = new LruCache<string, ImageRow>({ maxEntries: 5_000, ttlMs: REFS_CACHE_TTL_MS });

const keyOf = (accountId: string, id: string) => `${accountId}\u0000${id}`;
const isLive = (row: { expiresAt: number | null }, at: number) => row.expiresAt === null || row.expiresAt > at;

/** The cached product when it is live at `at`; undefined means "ask D1". */
export function cachedProduct(accountId: string, externalId: string, at: number): ProductRow | undefined {
  const row = productCache.get(keyOf(accountId, externalId), at);
  return row && isLive(row, at) ? row : undefined;
}

/** The cached image when it is live at `at`; undefined means "ask D1". */
export function cachedImage(accountId: string, id: string, at: number): ImageRow | undefined {
  const row = imageCache.get(keyOf(accountId, id), at);
  return row && isLive(row, at) ? row : undefined;
}

/** `at` defaults to the isolate's clock (a request's clock when it has one). */
export function rememberProduct(row: ProductRow, at?: number): void {
  productCache.set(keyOf(row.accountId, row.externalId), row, at === undefined ? {} : { at });
}

export function rememberImage(row: ImageRow, at?: number): void {
  imageCache.set(keyOf(row.accountId, row.id), row, at === undefined ? {} : { at });
}

export function forgetProduct(accountId: string, externalId: string): void {
  productCache.delete(keyOf(accountId, externalId));
}

export function forgetImages(accountId: string, ids: readonly string[]): void {
  for (const id of ids) imageCache.delete(keyOf(accountId, id));
}

/** Every cached image of the account (an erase or a reset changes rows it cannot name one by one). */
export function forgetAccountImages(accountId: string): void {
  imageCache.deleteWhere((row) => row.accountId === accountId);
}

/** Every cached product and image of the account. */
export function forgetAccountRefs(accountId: string): void {
  productCache.deleteWhere((row) => row.accountId === accountId);
  forgetAccountImages(accountId);
}

/** Images that expire by `at` (the retention purge deletes expired rows of any account). */
export function forgetImagesExpiredBy(at: number): void {
  imageCache.deleteWhere((row) => row.expiresAt !== null && row.expiresAt <= at);
}

/** Tests: an empty cache, as in a fresh isolate. */
export function clearRefsCache(): void {
  productCache.clear();
  imageCache.clear();
}
