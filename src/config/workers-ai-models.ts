import type { TryOnMode } from "../lib/try-on-options";
import type { WorkersAiModelId } from "./engine-pricing";

/**
 * The `workers-ai` engine's model table and the documented limits of FLUX.2 on
 * Workers AI (docs/engines.md cites the pages). One place, so a model change
 * or a new limit is an edit here, not a hunt through the engine.
 *
 * Sources: https://developers.cloudflare.com/workers-ai/models/flux-2-dev/ ,
 * …/flux-2-klein-4b/ , …/flux-2-klein-9b/ , and the FLUX.2 dev changelog
 * https://developers.cloudflare.com/changelog/2025-11-25-flux-2-dev-workers-ai/
 */
export interface WorkersAiModel {
  id: WorkersAiModelId;
  /** Steps sent with the request; null for models whose step count is fixed (klein: 4, not adjustable). */
  steps: number | null;
  /** Steps the model runs, for per-step pricing. */
  billedSteps: number;
}

export const WORKERS_AI_MODELS: Readonly<Record<TryOnMode, WorkersAiModel>> = {
  performance: { id: "@cf/black-forest-labs/flux-2-klein-4b", steps: null, billedSteps: 4 },
  balanced: { id: "@cf/black-forest-labs/flux-2-klein-9b", steps: null, billedSteps: 4 },
  quality: { id: "@cf/black-forest-labs/flux-2-dev", steps: 28, billedSteps: 28 },
};

/** A try-on without a `mode` runs as `balanced`. */
export const WORKERS_AI_DEFAULT_MODE: TryOnMode = "balanced";

export const WORKERS_AI_LIMITS = {
  /** "supports up to 4 image inputs": the person plus at most three garment images. */
  maxInputImages: 4,
  /** "512x512 per input image": each input is downscaled to fit this box before the call. */
  maxInputSide: 512,
  /** Output width/height range of the model's schema. */
  minOutputSide: 256,
  maxOutputSide: 1920,
  /** Output sides are multiples of this (the latent grid); the model's own defaults (1024×768) are. */
  outputSideMultiple: 16,
  /** Output pixels at most (~1 MP: 1024×1024), which bounds cost and latency. */
  maxOutputPixels: 1024 * 1024,
  /** Pricing unit: one 512×512 tile. */
  tileSide: 512,
} as const;
