import type { ServiceContext } from "../../context";
import { type CropBox, deleteImage, findImage, type ImageRow, insertImage } from "../../db/repo/images";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { extensionOf, type ImageInfo } from "../../lib/image-intake";
import { livemodeOf } from "../../lib/modes";
import { KEEP_FOR_DAYS_CHOICES, type KeepForDays } from "../../lib/retention-days";
import { signedFileUrl } from "../../lib/signing";
import { DAY, isLive, toIso } from "../../lib/time";
import type { ImageView } from "../../schemas/images";

/** An image in R2 with its row: what intake learned (ImageInfo) plus where and how long it is kept. */
export interface StoredImage extends ImageInfo {
  id: string;
  accountId: string;
  r2Key: string;
  role: "person" | "product" | "result";
  crop: CropBox | null;
  externalUserId: string | null;
  keepForDays: KeepForDays | null;
  createdAt: number;
  expiresAt: number | null;
}

/**
 * First segment of every R2 key: the retention class. `r<days>d` (one per
 * retention choice: r1d, r3d, r7d) holds person uploads and results for that
 * many days; `keep` holds product images, kept
 * while a product references them. Keys are `<class>/<accountId>/<role>/<imageId>.<ext>`,
 * so a bucket lifecycle rule per prefix can back up the cron purge.
 */
export type RetentionClass = `r${KeepForDays}d` | "keep";

export function retentionClass(keepForDays: KeepForDays | null): RetentionClass {
  return keepForDays === null ? "keep" : `r${keepForDays}d`;
}

export const RETENTION_CLASSES: readonly RetentionClass[] = [...KEEP_FOR_DAYS_CHOICES.map(retentionClass), retentionClass(null)];

/**
 * The centered 4:5 (width:height) crop box, in the displayed frame (after the
 * EXIF orientation is applied: orientations 5–8 swap width and height). It is
 * geometry only: no person detection is attempted.
 */
export function centeredCrop(width: number, height: number, orientation: number | null): CropBox {
  const rotated = orientation !== null && orientation >= 5 && orientation <= 8;
  const w = rotated ? height : width;
  const h = rotated ? width : height;
  let cw = w;
  let ch = Math.floor((w * 5) / 4);
  if (ch > h) {
    ch = h;
    cw = Math.floor((h * 4) / 5);
  }
  return { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), width: cw, height: ch };
}

/** Row → StoredImage (the crop box is stored as JSON). */
export function toStoredImage(row: ImageRow): StoredImage {
  return {
    id: row.id,
    accountId: row.accountId,
    r2Key: row.r2Key,
    role: row.role,
    format: row.format,
    contentType: row.contentType,
    width: row.width,
    height: row.height,
    orientation: row.orientation,
    byteSize: row.byteSize,
    crop: row.crop,
    externalUserId: row.externalUserId,
    keepForDays: row.keepForDays,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/**
 * Writes the bytes to R2 (Content-Type from the sniffed format) and records the
 * row. keepForDays null = kept while referenced (product images). If the row
 * cannot be written the object is removed again, so no orphan is left.
 */
export async function storeImage(
  ctx: ServiceContext,
  input: {
    accountId: string;
    bytes: Uint8Array;
    info: ImageInfo;
    role: StoredImage["role"];
    keepForDays: KeepForDays | null;
    externalUserId?: string | null;
    crop?: boolean;
    sourceUrlHash?: string | null;
    /** Extra R2 custom metadata (e.g. a result's `watermark` note). */
    metadata?: Record<string, string>;
  },
): Promise<StoredImage> {
  const now = ctx.now();
  const id = newId("image", now);
  const r2Key = `${retentionClass(input.keepForDays)}/${input.accountId}/${input.role}/${id}.${extensionOf(input.info.format)}`;
  const crop = input.crop ? centeredCrop(input.info.width, input.info.height, input.info.orientation) : null;
  await ctx.env.BUCKET.put(r2Key, input.bytes, {
    httpMetadata: { contentType: input.info.contentType },
    customMetadata: { ...input.metadata, accountId: input.accountId, imageId: id, role: input.role },
  });
  try {
    const row = await insertImage(ctx.db, {
      id,
      accountId: input.accountId,
      r2Key,
      role: input.role,
      format: input.info.format,
      contentType: input.info.contentType,
      width: input.info.width,
      height: input.info.height,
      orientation: input.info.orientation,
      byteSize: input.info.byteSize,
      crop,
      externalUserId: input.externalUserId ?? null,
      sourceUrlHash: input.sourceUrlHash ?? null,
      keepForDays: input.keepForDays,
      createdAt: now,
      expiresAt: input.keepForDays === null ? null : now + input.keepForDays * DAY,
    });
    return toStoredImage(row);
  } catch (err) {
    await ctx.env.BUCKET.delete(r2Key).catch(() => undefined);
    throw err;
  }
}

/** IMAGE_NOT_FOUND if unknown, expired or another account's. */
export async function getImage(ctx: ServiceContext, accountId: string, imageId: string): Promise<StoredImage> {
  const row = imageId.length <= 64 ? await findImage(ctx.db, accountId, imageId) : undefined;
  if (!row || !isLive(row, ctx.now())) {
    throw new ApiError("IMAGE_NOT_FOUND", `No image ${imageId.slice(0, 64)} on this account (or it expired).`);
  }
  return toStoredImage(row);
}

/** The stored bytes; IMAGE_NOT_FOUND when the object is gone (purged). */
export async function readImageBytes(env: Env, r2Key: string): Promise<Uint8Array> {
  const obj = await env.BUCKET.get(r2Key);
  if (!obj) throw new ApiError("IMAGE_NOT_FOUND", "The image bytes are no longer stored.");
  return new Uint8Array(await obj.arrayBuffer());
}

/** An absolute signed URL (ctx.baseUrl + /tryon/v1/files/<key>?exp&sig), valid FILE_URL_TTL_SECONDS. */
export function signedImageUrl(ctx: ServiceContext, image: Pick<StoredImage, "r2Key">): { url: string; expiresAt: number } {
  const signed = signedFileUrl(ctx.env.FILE_SIGNING_SECRET, image.r2Key, ctx.config.FILE_URL_TTL_SECONDS, ctx.now());
  return { url: `${ctx.baseUrl}${signed.url}`, expiresAt: signed.expiresAt };
}

/** The wire shape of an image, with a freshly signed URL. */
export async function presentImage(ctx: ServiceContext, image: StoredImage): Promise<ImageView> {
  const signed = signedImageUrl(ctx, image);
  return {
    imageId: image.id,
    livemode: livemodeOf(image.accountId),
    imageUrl: signed.url,
    imageUrlExpiresAt: toIso(signed.expiresAt),
    width: image.width,
    height: image.height,
    format: image.format,
    contentType: image.contentType,
    byteSize: image.byteSize,
    orientation: image.orientation,
    crop: image.crop,
    externalUserId: image.externalUserId,
    keepForDays: image.keepForDays,
    createdAt: toIso(image.createdAt),
    expiresAt: toIso(image.expiresAt),
  };
}

/**
 * Removes an image that turned out to be unwanted (e.g. a result that arrived
 * after its generation was cancelled): the row first, then the R2 object, so a
 * crash in between leaves at worst an unreferenced object, never a row that
 * points at nothing.
 */
export async function discardImage(ctx: ServiceContext, image: Pick<StoredImage, "id" | "accountId" | "r2Key">): Promise<void> {
  await deleteImage(ctx.db, image.accountId, image.id);
  await ctx.env.BUCKET.delete(image.r2Key);
}
