import { z } from "zod";

/**
 * What upstream engines charge, as read from their public price pages. Prices
 * change without a release of Drape, so the built-in table below is only the
 * default: the `ENGINE_PRICING` var (JSON) overrides any entry field by field,
 * e.g. `{"workersAi":{"@cf/black-forest-labs/flux-2-klein-9b":{"inputTileUsd":0.00008}}}`
 * (docs/engines.md, "Pricing"). Every entry names its source and when it was read.
 */

/** Workers AI FLUX.2 bills per 512×512 tile of every input image and of the output (× steps where `perStep`). */
export const TilePriceSchema = z.object({
  inputTileUsd: z.number().min(0).max(1),
  outputTileUsd: z.number().min(0).max(1),
  /** True when the tile prices are per inference step (flux-2-dev); false for fixed-step models (klein). */
  perStep: z.boolean(),
  source: z.string().min(1),
  /** When the figures were read from `source` (ISO date). */
  readAt: z.string().min(1),
});
export type TilePrice = z.infer<typeof TilePriceSchema>;

/** FASHN bills in credits; the dollar price of one credit depends on the plan, hence configurable. */
export const FashnPriceSchema = z.object({
  usdPerCredit: z.number().min(0).max(100),
  source: z.string().min(1),
  readAt: z.string().min(1),
});
export type FashnPrice = z.infer<typeof FashnPriceSchema>;

export const WORKERS_AI_MODEL_IDS = [
  "@cf/black-forest-labs/flux-2-klein-4b",
  "@cf/black-forest-labs/flux-2-klein-9b",
  "@cf/black-forest-labs/flux-2-dev",
] as const;
export type WorkersAiModelId = (typeof WORKERS_AI_MODEL_IDS)[number];

export interface EnginePricing {
  workersAi: Record<WorkersAiModelId, TilePrice>;
  fashn: FashnPrice;
}

const READ_AT = "2026-12-02";

export const DEFAULT_ENGINE_PRICING: EnginePricing = {
  workersAi: {
    "@cf/black-forest-labs/flux-2-klein-4b": {
      inputTileUsd: 0.000059,
      outputTileUsd: 0.000287,
      perStep: false,
      source: "https://developers.cloudflare.com/workers-ai/models/flux-2-klein-4b/",
      readAt: READ_AT,
    },
    "@cf/black-forest-labs/flux-2-klein-9b": {
      // Not captured from the model page when this table was written: klein-4b's figures stand in
      // (a lower bound) until an operator sets the 9B price through ENGINE_PRICING.
      inputTileUsd: 0.000059,
      outputTileUsd: 0.000287,
      perStep: false,
      source: "not captured — klein-4b figures used; see https://developers.cloudflare.com/workers-ai/models/flux-2-klein-9b/",
      readAt: READ_AT,
    },
    "@cf/black-forest-labs/flux-2-dev": {
      inputTileUsd: 0.00021,
      outputTileUsd: 0.00041,
      perStep: true,
      source: "https://developers.cloudflare.com/workers-ai/models/flux-2-dev/",
      readAt: READ_AT,
    },
  },
  fashn: {
    // FASHN's published pay-as-you-go API price per credit (tryon-v1.6 uses 1 credit per image);
    // plans and volume tiers differ, so operators set their own through ENGINE_PRICING.
    usdPerCredit: 0.075,
    source: "https://fashn.ai/pricing (pay-as-you-go API credit; set your plan's price through ENGINE_PRICING)",
    readAt: READ_AT,
  },
};

export const PricingOverrideSchema = z
  .object({
    workersAi: z.partialRecord(z.enum(WORKERS_AI_MODEL_IDS), TilePriceSchema.partial().strict()).optional(),
    fashn: FashnPriceSchema.partial().strict().optional(),
  })
  .strict();

export type PricingOverride = z.infer<typeof PricingOverrideSchema>;

/** The built-in table with the `ENGINE_PRICING` override (already validated by the config schema) applied. */
export function resolveEnginePricing(override: PricingOverride): EnginePricing {
  const workersAi = { ...DEFAULT_ENGINE_PRICING.workersAi };
  for (const id of WORKERS_AI_MODEL_IDS) {
    const patch = override.workersAi?.[id];
    if (patch) workersAi[id] = { ...workersAi[id], ...patch };
  }
  return { workersAi, fashn: { ...DEFAULT_ENGINE_PRICING.fashn, ...override.fashn } };
}
