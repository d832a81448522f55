import { z } from "@hono/zod-openapi";
import { GENERATION_STATUSES } from "../schemas/generation-status";
import { ProductInputSchema } from "../schemas/products";
import { TryOnRequestSchema } from "../schemas/tryon";

/**
 * The MCP tools' input schemas, built from the API's own request schemas (src/schemas/): the
 * same fields, limits and descriptions, with the deprecated aliases left out (agents get the
 * current shape only). The MCP SDK turns them into each tool's JSON Schema and validates
 * arguments with them; the API route then validates the request again, as for any client.
 */

/** The longest a tool holds a try-on (s): under the 60 s default request timeout of MCP clients. */
export const MCP_MAX_WAIT_SECONDS = 50;
export const MCP_DEFAULT_WAIT_SECONDS = 30;

const PersonSource = z.object({
  imageId: z.string().min(1).max(512).optional().describe("An imageId from upload_person_image (recommended)."),
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional()
    .describe("A public http(s) URL of the photo, fetched now."),
});

export const UploadPersonImageInput = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional()
    .describe("A public http(s) URL of the photo. Give `url` or `base64`."),
  base64: z
    .string()
    .min(1)
    .max(14_000_000)
    .optional()
    .describe("The photo's bytes in base64, or as a data: URI (JPEG, PNG, WebP or HEIC, at most 10 MB). Give `url` or `base64`."),
  externalUserId: z.string().min(1).max(256).optional().describe("Your opaque end-user id (no PII), the key of a later GDPR erase."),
  keepForDays: z
    .union([z.literal(1), z.literal(3), z.literal(7)])
    .optional()
    .describe("Days the photo is kept (default: the account's window)."),
});

export const RegisterProductInput = ProductInputSchema.omit({ imageUrls: true }).extend({
  externalId: ProductInputSchema.shape.externalId.unwrap().describe("Your id for the product; later try-ons reference it by this id."),
});

const tryOnFields = TryOnRequestSchema.pick({ externalUserId: true, category: true, mode: true, seed: true, webhookUrl: true }).shape;
export const CreateTryOnInput = z.object({
  product: ProductInputSchema.omit({ imageUrls: true }).describe(
    "`{externalId}` alone references a registered product; with `images` it is registered inline; without `externalId` it is a one-shot product.",
  ),
  person: PersonSource.describe("The person photo: `imageId` (from upload_person_image) or `imageUrl`."),
  ...tryOnFields,
  waitSeconds: z
    .number()
    .int()
    .min(0)
    .max(MCP_MAX_WAIT_SECONDS)
    .default(MCP_DEFAULT_WAIT_SECONDS)
    .describe(
      `Seconds to wait for the result (0–${MCP_MAX_WAIT_SECONDS}, default ${MCP_DEFAULT_WAIT_SECONDS}). If it is not done by then, the generation id comes back: call get_generation.`,
    ),
});

export const GetGenerationInput = z.object({
  generationId: z.string().min(1).max(64).describe("The generationId create_try_on returned."),
});

export const ListGenerationsInput = z.object({
  limit: z.number().int().min(1).max(50).default(10).describe("Generations per page (1–50, default 10)."),
  cursor: z.string().max(512).optional().describe("`nextCursor` of the previous page, unchanged."),
  status: z.enum(GENERATION_STATUSES).optional(),
  externalUserId: z.string().min(1).max(256).optional(),
  productExternalId: z.string().min(1).max(256).optional(),
});

export const GetCreditsInput = z.object({});

export type CreateTryOnArgs = z.infer<typeof CreateTryOnInput>;
