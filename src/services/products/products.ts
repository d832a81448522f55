import type { ServiceContext } from "../../context";
import { findImage, findImageBySourceHash, setImagesExpiry } from "../../db/repo/images";
import {
  deleteProductRow,
  findProduct,
  listProducts as listProductRows,
  type ProductImageRef,
  type ProductKind,
  type ProductRow,
  productGenerationStats,
  updateProductImagesIf,
  updateProductUsage,
  writeProduct,
} from "../../db/repo/products";
import { ApiError } from "../../errors";
import { sha256Hex } from "../../lib/crypto";
import { randomBase62 } from "../../lib/ids";
import { livemodeOf } from "../../lib/modes";
import type { FilePart } from "../../lib/multipart-form";
import { type Page, type PageRequest, pageOf, seqCursor } from "../../lib/pagination";
import { safeFetchImage } from "../../lib/safe-fetch";
import { DAY, isLive, toIso } from "../../lib/time";
import type { ProductInput, ProductView } from "../../schemas/products";
import { type StoredImage, storeImage, toStoredImage } from "../images";
import { type CheckedProductInput, checkProductInput, RESERVED_PREFIX } from "./input-checks";

export type { ProductImageRef };

export interface ProductRecord {
  accountId: string;
  externalId: string;
  kind: ProductKind;
  title: string | null;
  description: string | null;
  metadata: unknown;
  autoDetectImageRoles: boolean;
  images: ProductImageRef[];
  validForDays: number | null;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export const INLINE_TTL_DAYS = 15;
export const ONESHOT_TTL_DAYS = 7;
/** Images dropped from a product stay readable this long (in-flight generations), then the purge takes them. */
export const RELEASED_IMAGE_GRACE_MS = DAY;
const UPLOAD_SCHEME = "upload://";
const KIND_RANK = { oneshot: 0, inline: 1, registered: 2 } as const;

function toRecord(row: ProductRow): ProductRecord {
  return {
    accountId: row.accountId,
    externalId: row.externalId,
    kind: row.kind,
    title: row.title,
    description: row.description,
    metadata: row.metadata,
    autoDetectImageRoles: row.autoDetectImageRoles,
    images: row.images,
    validForDays: row.validForDays,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
  };
}

/** A fresh `_anon_…` id for a one-shot product. */
export function newOneshotExternalId(): string {
  return `${RESERVED_PREFIX}${randomBase62(20)}`;
}

/** Lifetime per kind, counted from `from` (creation, update or last use). */
export function expiryFor(kind: ProductRecord["kind"], validForDays: number | null, from: number): number | null {
  if (kind === "oneshot") return from + ONESHOT_TTL_DAYS * DAY;
  if (kind === "inline") return from + (validForDays ?? INLINE_TTL_DAYS) * DAY;
  return validForDays === null ? null : from + validForDays * DAY;
}

/** The wire shape (Genlook product object). */
export function presentProduct(p: ProductRecord): ProductView {
  return {
    externalId: p.externalId,
    livemode: livemodeOf(p.accountId),
    title: p.title,
    description: p.description,
    metadata: p.metadata ?? null,
    autoDetectImageRoles: p.autoDetectImageRoles,
    validForDays: p.validForDays,
    expiresAt: toIso(p.expiresAt),
    lastUsedAt: toIso(p.lastUsedAt),
    createdAt: toIso(p.createdAt),
    updatedAt: toIso(p.updatedAt),
    images: p.images.map((img) => ({ sourceUrl: img.sourceUrl, role: img.role ?? null, order: img.order, classifications: img.classifications })),
  };
}

/**
 * Create or partial-update (omitted fields kept; images replace the list).
 * kind decides lifetime: registered = validForDays or forever; inline = 15 d
 * from last use; oneshot = `_anon_<id>` generated, 7 d from last use, unlisted.
 * A product never moves down (a registered product used inline stays registered).
 * Everything is validated (files sniffed, URLs checked) before anything is stored.
 */
export async function upsertProduct(
  ctx: ServiceContext,
  accountId: string,
  input: ProductInput,
  opts: {
    kind: ProductRecord["kind"];
    files?: Map<string, FilePart>;
    /** `checkProductInput` of this same input, already made by the caller (skips reading the parts twice). */
    checked?: CheckedProductInput;
    /** A one-shot product's id when the caller had to name it beforehand (a try-on's answer names it before it charges). */
    oneshotId?: string;
  },
): Promise<ProductRecord> {
  const now = ctx.now();
  let externalId: string;
  if (opts.kind === "oneshot") externalId = opts.oneshotId ?? newOneshotExternalId();
  else if (input.externalId) externalId = input.externalId;
  else throw new ApiError("EXTERNAL_ID_REQUIRED", "A product needs an `externalId`.");

  const existingRow = opts.kind === "oneshot" ? undefined : await findProduct(ctx.db, accountId, externalId);
  const existing = existingRow && isLive(existingRow, now) ? toRecord(existingRow) : undefined;
  // Validate everything before storing any image (a try-on passes the checks it already made).
  const { images: normalized, parts } = opts.checked ?? (await checkProductInput(ctx, input, { files: opts.files, existsLive: existing !== undefined }));

  const stored = new Map<number, StoredImage>();
  for (const [index, part] of parts) {
    stored.set(index, await storeImage(ctx, { accountId, bytes: part.bytes, info: part.info, role: "product", keepForDays: null }));
  }

  const previous = existing?.images ?? [];
  const images: ProductImageRef[] = normalized
    ? normalized.map((img, order) => {
        const up = stored.get(order);
        if (up) return { sourceUrl: `${UPLOAD_SCHEME}${up.id}`, imageId: up.id, classifications: img.classifications ?? null, role: img.role ?? null, order };
        const same = previous.find((p) => p.sourceUrl === img.url);
        return { sourceUrl: img.url as string, imageId: same?.imageId ?? null, classifications: img.classifications ?? null, role: img.role ?? null, order };
      })
    : previous;

  const kind = existing && KIND_RANK[existing.kind] > KIND_RANK[opts.kind] ? existing.kind : opts.kind;
  const validForDays = input.validForDays !== undefined ? input.validForDays : (existing?.validForDays ?? null);
  const metadata = input.metadata !== undefined ? input.metadata : existing?.metadata;
  let row: ProductRow;
  try {
    row = await writeProduct(ctx.db, {
      accountId,
      externalId,
      kind,
      title: input.title !== undefined ? input.title : (existing?.title ?? null),
      description: input.description !== undefined ? input.description : (existing?.description ?? null),
      metadata: metadata ?? null,
      autoDetectImageRoles: input.autoDetectImageRoles ?? existing?.autoDetectImageRoles ?? true,
      images,
      validForDays,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      lastUsedAt: existing?.lastUsedAt ?? null,
      expiresAt: expiryFor(kind, validForDays, now),
    });
  } catch (err) {
    await releaseImages(
      ctx,
      accountId,
      [...stored.values()].map((s) => s.id),
      now,
    );
    throw err;
  }

  const kept = new Set(images.map((i) => i.imageId).filter((id): id is string => id !== null));
  const dropped = [...previous, ...(existingRow && !existing ? toRecord(existingRow).images : [])]
    .map((i) => i.imageId)
    .filter((id): id is string => id !== null && !kept.has(id));
  await releaseImages(ctx, accountId, dropped, now);
  return toRecord(row);
}

/** Images no product needs any more expire after a grace period; the purge removes them. */
async function releaseImages(ctx: ServiceContext, accountId: string, ids: string[], now: number): Promise<void> {
  await setImagesExpiry(ctx.db, accountId, [...new Set(ids)], now + RELEASED_IMAGE_GRACE_MS);
}

/** PRODUCT_NOT_FOUND if unknown, expired or another account's. */
export async function getProduct(ctx: ServiceContext, accountId: string, externalId: string): Promise<ProductRecord> {
  const row = await findProduct(ctx.db, accountId, externalId);
  if (!row || !isLive(row, ctx.now())) throw notFound(externalId);
  return toRecord(row);
}

function notFound(externalId: string): ApiError {
  return new ApiError("PRODUCT_NOT_FOUND", `No product "${externalId.slice(0, 256)}" on this account (or it expired).`);
}

/** Refreshes lastUsedAt and slides expiresAt per kind (called on every generation). */
export async function touchProduct(ctx: ServiceContext, accountId: string, externalId: string): Promise<void> {
  const row = await findProduct(ctx.db, accountId, externalId);
  if (!row) return;
  const now = ctx.now();
  await updateProductUsage(ctx.db, accountId, externalId, now, expiryFor(row.kind, row.validForDays, now));
}

/** Deletes the product (generations keep their snapshot); its images expire after the grace period. */
export async function deleteProduct(ctx: ServiceContext, accountId: string, externalId: string): Promise<void> {
  const row = await deleteProductRow(ctx.db, accountId, externalId);
  if (!row) throw notFound(externalId);
  const ids = toRecord(row)
    .images.map((i) => i.imageId)
    .filter((id): id is string => id !== null);
  await releaseImages(ctx, accountId, ids, ctx.now());
  if (!isLive(row, ctx.now())) throw notFound(externalId);
}

const PRODUCT_CURSOR = seqCursor("products");

/** Newest first, keyed by the per-account insertion sequence: stable under concurrent inserts. */
export async function listProducts(ctx: ServiceContext, accountId: string, page: PageRequest): Promise<Page<ProductRecord>> {
  const before = PRODUCT_CURSOR.decode(page.cursor);
  const rows = await listProductRows(ctx.db, accountId, ctx.now(), page.limit + 1, before);
  return pageOf(rows, page.limit, PRODUCT_CURSOR, (row) => row.seq, toRecord);
}

export interface ProductStats {
  livemode: boolean;
  totalGenerations: number;
  completedGenerations: number;
  failedGenerations: number;
  avgGenerationTimeMs: number;
}

/** Counts from the generations table (PRODUCT_NOT_FOUND for an unknown product). */
export async function productStats(ctx: ServiceContext, accountId: string, externalId: string, range: { from?: number; to?: number }): Promise<ProductStats> {
  await getProduct(ctx, accountId, externalId);
  const s = await productGenerationStats(ctx.db, accountId, externalId, range.from, range.to);
  return {
    livemode: livemodeOf(accountId),
    totalGenerations: s.total,
    completedGenerations: s.completed,
    failedGenerations: s.failed,
    avgGenerationTimeMs: s.avgMs === null ? 0 : Math.round(s.avgMs),
  };
}

/**
 * Returns the R2-stored image for a product image: fileKey images directly;
 * URL images fetched ONCE into R2 keyed by URL hash (images.source_url_hash),
 * reused after. Throws ApiError PRODUCT_IMAGE_FETCH_FAILED.
 *
 * With `productExternalId` (the generation's product), the image is recorded on
 * that product's entry and kept (expiresAt null) only while the live product
 * still lists its source, so deleting, changing or expiring the product
 * releases it to the purge like any dropped image. An image the product no
 * longer lists (it changed while the generation waited) is not pinned again.
 */
export async function resolveProductImage(ctx: ServiceContext, accountId: string, ref: ProductImageRef, productExternalId?: string): Promise<StoredImage> {
  const now = ctx.now();
  const keep = (imageId: string) =>
    productExternalId === undefined ? Promise.resolve(true) : linkToProduct(ctx, accountId, productExternalId, ref.sourceUrl, imageId);
  if (ref.sourceUrl.startsWith(UPLOAD_SCHEME)) {
    const id = ref.imageId ?? ref.sourceUrl.slice(UPLOAD_SCHEME.length);
    const row = await findImage(ctx.db, accountId, id);
    if (!row) throw new ApiError("PRODUCT_IMAGE_FETCH_FAILED", "A product image uploaded with the product is no longer stored; register the product again.");
    if (row.expiresAt === null || !(await keep(row.id))) return toStoredImage(row);
    await setImagesExpiry(ctx.db, accountId, [row.id], null);
    return { ...toStoredImage(row), expiresAt: null };
  }
  const hash = sha256Hex(ref.sourceUrl);
  const cached =
    (ref.imageId ? await findImage(ctx.db, accountId, ref.imageId).then((r) => (r && r.sourceUrlHash === hash ? r : undefined)) : undefined) ??
    (await findImageBySourceHash(ctx.db, accountId, hash, now));
  if (cached) {
    // Already kept and recorded on the product when the generation was accepted: nothing to write.
    if (cached.expiresAt === null && ref.imageId === cached.id) return toStoredImage(cached);
    if (!(await keep(cached.id))) return toStoredImage(cached);
    // Re-pin: a copy released by another product is needed again.
    if (cached.expiresAt !== null) await setImagesExpiry(ctx.db, accountId, [cached.id], null);
    return { ...toStoredImage(cached), expiresAt: null };
  }
  const { bytes, info } = await safeFetchImage(ref.sourceUrl, { purpose: "product", allowLoopback: ctx.config.ALLOW_LOOPBACK_FETCH });
  const stored = await storeImage(ctx, { accountId, bytes, info, role: "product", keepForDays: null, sourceUrlHash: hash });
  if (await keep(stored.id)) return stored;
  const expiresAt = now + RELEASED_IMAGE_GRACE_MS;
  await setImagesExpiry(ctx.db, accountId, [stored.id], expiresAt);
  return { ...stored, expiresAt };
}

/**
 * Records `imageId` on the live product's entries for `sourceUrl`; true while
 * the product lists that source. Optimistic against concurrent product writes.
 */
async function linkToProduct(ctx: ServiceContext, accountId: string, externalId: string, sourceUrl: string, imageId: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await findProduct(ctx.db, accountId, externalId);
    if (!row || !isLive(row, ctx.now())) return false;
    const images = row.images;
    if (!images.some((i) => i.sourceUrl === sourceUrl)) return false;
    if (images.every((i) => i.sourceUrl !== sourceUrl || i.imageId === imageId)) return true;
    const next = images.map((i) => (i.sourceUrl === sourceUrl ? { ...i, imageId } : i));
    if (await updateProductImagesIf(ctx.db, accountId, externalId, row.images, next)) return true;
  }
  return true; // still listed after repeated concurrent writes: keep it rather than risk losing it
}
