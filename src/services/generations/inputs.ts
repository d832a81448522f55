import type { ServiceContext } from "../../context";
import type { GenerationRow } from "../../db/repo/generations";
import type { EngineImage, EngineInput, EngineResult } from "../../engines";
import { isApiError, type RuntimeErrorCode } from "../../errors";
import { type ImageInfo, inspectImage } from "../../lib/image-intake";
import { describeError, log } from "../../lib/logger";
import { livemodeOf } from "../../lib/modes";
import { discardImage, getImage, readImageBytes, signedImageUrl, storeImage } from "../images";
import { resolveProductImage } from "../products";
import { parseProductSnapshot } from "./product-snapshot";
import { applyWatermark } from "./watermark";

/** Product images handed to an engine: the first is the primary garment; more are context (bounded for memory). */
export const MAX_ENGINE_PRODUCT_IMAGES = 3;

export type LoadedInput = { value: EngineInput } | { failure: { code: RuntimeErrorCode; message: string } };

/**
 * Loads what the engine needs from R2: the person photo (with crop and
 * orientation from intake) and the product images of the generation's
 * snapshot (fetched into R2 on first use; an unreachable URL fails the
 * generation with PRODUCT_IMAGE_FETCH_FAILED).
 */
export async function loadEngineInput(ctx: ServiceContext, row: GenerationRow, pollCount: number): Promise<LoadedInput> {
  const snapshot = parseProductSnapshot(row.productSnapshot);

  let person: EngineInput["person"];
  try {
    const image = await getImage(ctx, row.accountId, row.personImageId);
    const bytes = await readImageBytes(ctx.env, image.r2Key);
    const { url } = signedImageUrl(ctx, image);
    person = { bytes, format: image.format, width: image.width, height: image.height, orientation: image.orientation, url, crop: image.crop };
  } catch (err) {
    if (!isApiError(err)) throw err;
    // Purged (retention) or erased (GDPR) between acceptance and processing.
    return { failure: { code: "CUSTOMER_IMAGE_FETCH_FAILED", message: "The person image is no longer stored (expired or erased)." } };
  }

  const productImages: EngineInput["productImages"] = [];
  for (const ref of snapshot.images.slice(0, MAX_ENGINE_PRODUCT_IMAGES)) {
    try {
      const resolved = await resolveProductImage(ctx, row.accountId, ref, row.productExternalId);
      const bytes = await readImageBytes(ctx.env, resolved.r2Key);
      const { url } = signedImageUrl(ctx, resolved);
      const img: EngineImage = { bytes, format: resolved.format, width: resolved.width, height: resolved.height, orientation: resolved.orientation, url };
      productImages.push({ ...img, classifications: ref.classifications ?? null, role: ref.role ?? null });
    } catch (err) {
      if (isApiError(err) && (err.code === "PRODUCT_IMAGE_FETCH_FAILED" || err.code === "IMAGE_NOT_FOUND" || err.status < 500)) {
        const message = err.code === "PRODUCT_IMAGE_FETCH_FAILED" ? err.message : `A product image could not be loaded: ${err.message}`;
        return { failure: { code: "PRODUCT_IMAGE_FETCH_FAILED", message } };
      }
      throw err;
    }
  }
  if (productImages.length === 0) {
    return { failure: { code: "PRODUCT_IMAGE_FETCH_FAILED", message: "The product has no image." } };
  }

  return {
    value: {
      generationId: row.id,
      person,
      productImages,
      productTitle: snapshot.title,
      productDescription: snapshot.description,
      category: row.category ?? "auto",
      mode: row.mode,
      seed: row.seed,
      jobId: row.engineJobId,
      pollCount,
      livemode: livemodeOf(row.accountId),
      test: row.testDirective ? { ...row.testDirective, acceptedAt: row.createdAt } : null,
    },
  };
}

/** The real format and orientation from the bytes (the mock engine hands back the person's own file); the engine's word otherwise. */
function resultInfo(result: Extract<EngineResult, { kind: "completed" }>): ImageInfo {
  try {
    return inspectImage(result.bytes);
  } catch {
    return {
      format: result.format,
      contentType: result.contentType,
      width: result.width,
      height: result.height,
      orientation: null,
      byteSize: result.bytes.byteLength,
    };
  }
}

export interface StoredResult {
  resultImageId: string;
  resultR2Key: string;
  resultExpiresAt: number | null;
  /** Removes the stored result (when the generation was cancelled while the engine ran). */
  discard(): Promise<void>;
}

/**
 * Stores the engine's image as a `result` image kept for the generation's keepForDays, with the
 * account logo stamped in when the generation asked for the watermark (./watermark.ts).
 */
export async function storeResult(ctx: ServiceContext, row: GenerationRow, engineResult: Extract<EngineResult, { kind: "completed" }>): Promise<StoredResult> {
  const original = resultInfo(engineResult);
  const { result, note } = await applyWatermark(ctx, row, engineResult, original.orientation);
  const stored = await storeImage(ctx, {
    accountId: row.accountId,
    bytes: result.bytes,
    info: result === engineResult ? original : resultInfo(result),
    role: "result",
    keepForDays: row.keepForDays,
    externalUserId: row.externalUserId,
    ...(note ? { metadata: { watermark: note.slice(0, 256) } } : {}),
  });
  return {
    resultImageId: stored.id,
    resultR2Key: stored.r2Key,
    resultExpiresAt: stored.expiresAt,
    discard: async () => {
      try {
        await discardImage(ctx, stored);
      } catch (err) {
        log("warn", "could not delete a discarded result (the retention purge will)", { generationId: row.id, error: describeError(err) });
      }
    },
  };
}
