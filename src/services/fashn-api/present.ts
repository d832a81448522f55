import type { ServiceContext } from "../../context";
import type { GenerationRow } from "../../db/repo/generations";
import type { ErrorCode } from "../../errors";
import { base64Encode } from "../../lib/base64";
import { inspectImage } from "../../lib/image-intake";
import type { FashnRuntimeError, FashnStatus, FashnStatusView } from "../../schemas/fashn";
import { readImageBytes, signedImageUrl } from "../images";

/**
 * Drape's typed failure → FASHN's runtime error name (docs/fashn-compat.md has
 * the table; docs/engines.md has the reverse one the FASHN engine applies).
 */
export const FASHN_ERROR_NAMES: Partial<Record<ErrorCode, FashnRuntimeError>> = {
  CUSTOMER_IMAGE_FETCH_FAILED: "ImageLoadError",
  PRODUCT_IMAGE_FETCH_FAILED: "ImageLoadError",
  IMAGE_NOT_FOUND: "ImageLoadError",
  INVALID_IMAGE: "ImageLoadError",
  UNSUPPORTED_IMAGE_TYPE: "ImageLoadError",
  IMAGE_DIMENSIONS_OUT_OF_RANGE: "ImageLoadError",
  NSFW_CONTENT_BLOCKED: "ContentModerationError",
  MODEL_POSE_UNSUPPORTED: "PoseError",
  GARMENT_NOT_DETECTED: "PoseError",
  MISSING_REQUIRED_CLASSIFICATION: "InputValidationError",
  IMAGE_PROCESSING_FAILED: "PipelineError",
  GENERATION_FAILED: "PipelineError",
  GENERATION_TIMEOUT: "PipelineError",
  GENERATION_CANCELLED: "PipelineError",
  ENGINE_UNAVAILABLE: "UnavailableError",
};

export function fashnErrorName(code: string | null): FashnRuntimeError {
  return (code !== null && FASHN_ERROR_NAMES[code as ErrorCode]) || "InternalServerError";
}

function fashnStatusOf(row: GenerationRow): FashnStatus {
  switch (row.status) {
    case "PENDING":
      return "in_queue";
    case "PROCESSING":
      return "processing";
    case "COMPLETED":
      return "completed";
    default:
      if (row.errorCode === "GENERATION_CANCELLED") return "canceled";
      if (row.errorCode === "GENERATION_TIMEOUT") return "time_out";
      return "failed";
  }
}

/**
 * A generation as FASHN's `/v1/status/{id}` answers it. The output is the
 * signed result URL, or, when the run asked for `return_base64` and `inline`
 * allows it (not in webhook payloads, which are stored), the bytes as a data URI.
 */
export async function presentFashnStatus(ctx: ServiceContext, row: GenerationRow, opts: { inline: boolean }): Promise<FashnStatusView> {
  const status = fashnStatusOf(row);
  let output: string[] | null = null;
  if (row.status === "COMPLETED" && row.resultR2Key) {
    if (opts.inline && row.compat?.returnBase64) {
      const bytes = await readImageBytes(ctx.env, row.resultR2Key);
      output = [`data:${inspectImage(bytes).contentType};base64,${base64Encode(bytes)}`];
    } else {
      output = [signedImageUrl(ctx, { r2Key: row.resultR2Key }).url];
    }
  } else if (row.status === "COMPLETED") {
    output = [];
  }
  const error = row.status === "FAILED" ? { name: fashnErrorName(row.errorCode), message: row.errorMessage ?? "The prediction failed." } : null;
  return { id: row.id, status, output, error };
}
