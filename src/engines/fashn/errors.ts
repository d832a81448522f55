/**
 * THE mapping from FASHN's runtime error names (status "failed", `error.name`)
 * onto Drape's runtime codes (src/errors/catalog.ts). One table; docs/engines.md mirrors it and
 * test/engines/fashn/engine.test.ts walks it row by row.
 */
import type { RuntimeErrorCode } from "../../errors";

export type FashnErrorOutcome =
  | { kind: "failed"; code: RuntimeErrorCode }
  /** Which input failed to load is read from the message (see `imageLoadCode`). */
  | { kind: "image-load" }
  | { kind: "retry" };

export const FASHN_ERROR_TABLE: Readonly<Record<string, FashnErrorOutcome>> = {
  ImageLoadError: { kind: "image-load" },
  ContentModerationError: { kind: "failed", code: "NSFW_CONTENT_BLOCKED" },
  NSFWError: { kind: "failed", code: "NSFW_CONTENT_BLOCKED" },
  PoseError: { kind: "failed", code: "MODEL_POSE_UNSUPPORTED" },
  // FASHN raises it when it cannot tell what kind of photo an input is; the fix is a
  // different input image, not a different pose, so it is a processing failure.
  PhotoTypeError: { kind: "failed", code: "IMAGE_PROCESSING_FAILED" },
  InputValidationError: { kind: "failed", code: "IMAGE_PROCESSING_FAILED" },
  PipelineError: { kind: "failed", code: "GENERATION_FAILED" },
  ThirdPartyError: { kind: "failed", code: "GENERATION_FAILED" },
  UnavailableError: { kind: "retry" },
};

/** Code for names FASHN may add later. */
export const FASHN_UNKNOWN_ERROR_CODE: RuntimeErrorCode = "GENERATION_FAILED";

/**
 * ImageLoadError names neither input in a field, only in prose. "model"/"person"
 * without "garment" → the customer's photo; anything else (including no hint) →
 * the product image, which is the input integrators most often point at a
 * non-public URL.
 */
export function imageLoadCode(message: string): "PRODUCT_IMAGE_FETCH_FAILED" | "CUSTOMER_IMAGE_FETCH_FAILED" {
  if (/garment|product/i.test(message)) return "PRODUCT_IMAGE_FETCH_FAILED";
  if (/model|person|customer/i.test(message)) return "CUSTOMER_IMAGE_FETCH_FAILED";
  return "PRODUCT_IMAGE_FETCH_FAILED";
}

export type MappedFashnError = { kind: "failed"; code: RuntimeErrorCode } | { kind: "retry" };

export function mapFashnRuntimeError(name: string, message: string): MappedFashnError {
  const row = Object.hasOwn(FASHN_ERROR_TABLE, name) ? FASHN_ERROR_TABLE[name] : undefined;
  if (!row) return { kind: "failed", code: FASHN_UNKNOWN_ERROR_CODE };
  if (row.kind === "image-load") return { kind: "failed", code: imageLoadCode(message) };
  return row;
}
