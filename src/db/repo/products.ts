import { and, desc, eq, gt, gte, isNotNull, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { generations, PRODUCT_KINDS, type ProductImageRef, type ProductKind, products } from "../schema";
import { forgetProduct, rememberProduct } from "./refs-cache";

export type { ProductImageRef, ProductKind };
export { PRODUCT_KINDS };
export type ProductRow = typeof products.$inferSelect;
export type NewProductRow = Omit<typeof products.$inferInsert, "seq">;

/** Scoped by account; expired rows are returned too (the service decides what "expired" means). */
export async function findProduct(db: Db, accountId: string, externalId: string): Promise<ProductRow | undefined> {
  return db
    .select()
    .from(products)
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId)))
    .get();
}

/**
 * Insert or overwrite one product. A new row gets `seq = MAX(seq)+1` for its
 * account computed inside the INSERT statement (atomic in D1: one statement),
 * so the list cursor is stable under concurrent inserts; an update keeps its seq.
 */
export async function writeProduct(db: Db, row: NewProductRow): Promise<ProductRow> {
  const { accountId, externalId, ...rest } = row;
  forgetProduct(accountId, externalId);
  const [written] = await db
    .insert(products)
    .values({
      ...row,
      seq: sql`(select coalesce(max(${products.seq}), 0) + 1 from ${products} where ${products.accountId} = ${accountId})`,
    })
    .onConflictDoUpdate({ target: [products.accountId, products.externalId], set: rest })
    .returning();
  forgetProduct(accountId, externalId);
  if (!written) throw new Error(`product write returned no row (${accountId}/${externalId})`);
  rememberProduct(written);
  return written;
}

/** Listed products of an account (registered + inline, not one-shot, not expired), newest first. */
export async function listProducts(db: Db, accountId: string, now: number, limit: number, beforeSeq?: number): Promise<ProductRow[]> {
  return db
    .select()
    .from(products)
    .where(
      and(
        eq(products.accountId, accountId),
        ne(products.kind, "oneshot"),
        or(isNull(products.expiresAt), gt(products.expiresAt, now)),
        beforeSeq !== undefined ? lt(products.seq, beforeSeq) : undefined,
      ),
    )
    .orderBy(desc(products.seq))
    .limit(limit)
    .all();
}

export async function deleteProductRow(db: Db, accountId: string, externalId: string): Promise<ProductRow | undefined> {
  forgetProduct(accountId, externalId);
  const [row] = await db
    .delete(products)
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId)))
    .returning();
  forgetProduct(accountId, externalId);
  return row;
}

export async function updateProductUsage(db: Db, accountId: string, externalId: string, lastUsedAt: number, expiresAt: number | null): Promise<void> {
  forgetProduct(accountId, externalId);
  await db
    .update(products)
    .set({ lastUsedAt, expiresAt })
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId)));
  forgetProduct(accountId, externalId);
}

/**
 * Replaces the image list only if it is still `expected`, the list as read
 * (optimistic: a concurrent product write wins). The stored JSON text is
 * compared: every list is written by JSON.stringify, which gives the same
 * text again for the list it reads back.
 */
export async function updateProductImagesIf(
  db: Db,
  accountId: string,
  externalId: string,
  expected: ProductImageRef[],
  images: ProductImageRef[],
): Promise<boolean> {
  forgetProduct(accountId, externalId);
  const rows = await db
    .update(products)
    .set({ images })
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId), eq(products.images, expected)))
    .returning({ externalId: products.externalId });
  forgetProduct(accountId, externalId);
  return rows.length > 0;
}

/** Up to `limit` expired products (any account), for the purge. */
export async function listExpiredProducts(db: Db, now: number, limit: number): Promise<Pick<ProductRow, "accountId" | "externalId" | "images">[]> {
  return db
    .select({ accountId: products.accountId, externalId: products.externalId, images: products.images })
    .from(products)
    .where(and(isNotNull(products.expiresAt), lte(products.expiresAt, now)))
    .limit(limit)
    .all();
}

/** Deletes one product only if it is still expired (a concurrent use that slid its expiry wins). */
export async function deleteProductIfExpired(db: Db, accountId: string, externalId: string, now: number): Promise<boolean> {
  forgetProduct(accountId, externalId);
  const rows = await db
    .delete(products)
    .where(and(eq(products.accountId, accountId), eq(products.externalId, externalId), isNotNull(products.expiresAt), lte(products.expiresAt, now)))
    .returning({ externalId: products.externalId });
  forgetProduct(accountId, externalId);
  return rows.length > 0;
}

export interface ProductStatsRow {
  total: number;
  completed: number;
  failed: number;
  avgMs: number | null;
}

/** Per-product generation counts with createdAt in [from, to] (both inclusive); one aggregate query. */
export async function productGenerationStats(db: Db, accountId: string, externalId: string, from?: number, to?: number): Promise<ProductStatsRow> {
  const row = await db
    .select({
      total: sql<number>`count(*)`,
      completed: sql<number>`coalesce(sum(case when ${generations.status} = 'COMPLETED' then 1 else 0 end), 0)`,
      failed: sql<number>`coalesce(sum(case when ${generations.status} = 'FAILED' then 1 else 0 end), 0)`,
      avgMs: sql<number | null>`avg(case when ${generations.status} = 'COMPLETED' then ${generations.durationMs} end)`,
    })
    .from(generations)
    .where(
      and(
        eq(generations.accountId, accountId),
        eq(generations.productExternalId, externalId),
        from !== undefined ? gte(generations.createdAt, from) : undefined,
        to !== undefined ? lte(generations.createdAt, to) : undefined,
      ),
    )
    .get();
  return { total: Number(row?.total ?? 0), completed: Number(row?.completed ?? 0), failed: Number(row?.failed ?? 0), avgMs: row?.avgMs ?? null };
}
