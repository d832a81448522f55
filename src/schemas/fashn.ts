import { z } from "zod";
import { TRY_ON_CATEGORIES, TRY_ON_MODES } from "../lib/try-on-options";

/**
 * FASHN's v1 wire contract, as its official `fashn` SDK sends and parses it
 * (docs/fashn-compat.md). Only try-on (`tryon-v1.6`, and the flat v1.5 body
 * without `model_name`) is served; other models answer BadRequest.
 */

/** An image input: a public http(s) URL or a `data:image/…;base64,` URI. */
const ImageInput = z
  .string()
  .min(1)
  .refine((v) => /^https?:\/\//i.test(v) || /^data:image\/[a-z0-9.+-]+;base64,/i.test(v), {
    message: "must be a public http(s) URL or a data:image/<format>;base64, URI",
  });

export const FASHN_MODEL_NAMES = ["tryon-v1.6", "tryon-v1.5"] as const;

export const FashnTryOnInputsSchema = z.object({
  model_image: ImageInput,
  garment_image: ImageInput,
  category: z.enum(TRY_ON_CATEGORIES).optional(),
  mode: z.enum(TRY_ON_MODES).optional(),
  seed: z.number().int().min(0).max(4294967295).optional(),
  num_samples: z.number().int().min(1).max(4).optional(),
  output_format: z.enum(["png", "jpeg"]).optional(),
  return_base64: z.boolean().optional(),
  // Accepted so FASHN clients need not change; engines that do not use them ignore them.
  garment_photo_type: z.enum(["auto", "flat-lay", "model"]).optional(),
  moderation_level: z.enum(["conservative", "permissive", "none"]).optional(),
  segmentation_free: z.boolean().optional(),
});
export type FashnTryOnInputs = z.infer<typeof FashnTryOnInputsSchema>;

export const FashnRunRequestSchema = z.object({
  model_name: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
});

export const FashnRunQuerySchema = z.object({ webhook_url: z.string().optional() });

export const FASHN_STATUSES = ["starting", "in_queue", "processing", "completed", "failed", "canceled", "time_out"] as const;
export type FashnStatus = (typeof FASHN_STATUSES)[number];

/** Runtime error names, from the SDK's `PredictionStatusResponse.Error["name"]` and FASHN's error page. */
export const FASHN_RUNTIME_ERRORS = [
  "ImageLoadError",
  "ContentModerationError",
  "PoseError",
  "InputValidationError",
  "PipelineError",
  "ThirdPartyError",
  "UnavailableError",
  "InternalServerError",
] as const;
export type FashnRuntimeError = (typeof FASHN_RUNTIME_ERRORS)[number];

export interface FashnStatusView {
  id: string;
  status: FashnStatus;
  output: string[] | null;
  error: { name: FashnRuntimeError; message: string } | null;
}

/** API-level error names (FASHN's error page): the request got no prediction id. */
export const FASHN_API_ERRORS = [
  "BadRequest",
  "UnauthorizedAccess",
  "NotFound",
  "RateLimitExceeded",
  "ConcurrencyLimitExceeded",
  "OutOfCredits",
  "InternalServerError",
] as const;
export type FashnApiErrorName = (typeof FASHN_API_ERRORS)[number];

export interface FashnApiErrorBody {
  error: FashnApiErrorName;
  message: string;
}

export interface FashnCreditsView {
  credits: { total: number; subscription: number; on_demand: number };
}
