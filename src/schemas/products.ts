import { z } from "@hono/zod-openapi";
import { JSON_MAX_DEPTH, nestsDeeperThan } from "../lib/json-depth";
import { ClientIdSchema, IsoDate, LivemodeSchema, paginated } from "./common";

const encoder = new TextEncoder();

/**
 * The checks of a free-form JSON field, depth first: only a value known to be
 * at most JSON_MAX_DEPTH deep is serialized to measure it, so no nesting a
 * client can send makes JSON.stringify overflow the stack (a 500).
 */
function freeFormJson(label: string, maxBytes: number) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    if (value === undefined) return;
    if (nestsDeeperThan(value, JSON_MAX_DEPTH)) {
      ctx.addIssue({ code: "custom", message: `too deeply nested (max ${JSON_MAX_DEPTH})` });
      return;
    }
    const size = encoder.encode(JSON.stringify(value) ?? "").byteLength;
    if (size > maxBytes) ctx.addIssue({ code: "custom", message: `${label} is ${size} bytes serialized; the limit is ${maxBytes}` });
  };
}

/** Serialized `metadata` is capped so a product row stays small (D1 rows, list pages). */
export const METADATA_MAX_BYTES = 16 * 1024;
export const PRODUCT_MAX_IMAGES = 10;

const ImageUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .openapi({
    description: "A public http(s) URL of the image; fetched once into storage when first needed.",
    example: "https://cdn.example.com/shirt-42-front.jpg",
  });
const FileKey = z.string().min(1).max(200).openapi({ description: "Multipart only: the name of the form part holding this image's bytes.", example: "front" });
/** Serialized `classifications` of one image is capped like `metadata`: hints, not documents. */
export const CLASSIFICATIONS_MAX_BYTES = 4 * 1024;
const Classifications = z
  .record(z.string(), z.unknown())
  .superRefine(freeFormJson("classifications", CLASSIFICATIONS_MAX_BYTES))
  .openapi({
    description: `Free-form image classification hints for engines (e.g. \`{"view":"front","on_model":false}\`), at most ${CLASSIFICATIONS_MAX_BYTES} bytes serialized and ${JSON_MAX_DEPTH} levels deep.`,
    example: { view: "front" },
  });

/** Genlook's per-image role hint: which garment and which side the image shows. */
const ImageRole = z
  .string()
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, "lowercase words joined by - or _ (e.g. top-back)")
  .max(64)
  .openapi({
    description: 'What the image shows, as Genlook names it (e.g. "top-front", "top-back"). Kept with the image and handed to engines.',
    example: "top-front",
  });

/**
 * One product image in any accepted form: `{source:{url|fileKey}, classifications?}`
 * (current), or the deprecated flat `{url}` / `{fileKey, classifications?}`.
 * One permissive object is parsed, then the products service's
 * `normalizeProductImages` decides; so an
 * entry with neither or both sources is INVALID_IMAGE_INPUT, as Genlook answers.
 */
export const ProductImageInputSchema = z
  .object({
    source: z.object({ url: ImageUrl.optional(), fileKey: FileKey.optional() }).optional(),
    url: ImageUrl.optional().openapi({ deprecated: true, description: "Deprecated: use `source.url`." }),
    fileKey: FileKey.optional().openapi({ deprecated: true, description: "Deprecated: use `source.fileKey`." }),
    classifications: Classifications.optional(),
    role: ImageRole.optional(),
  })
  .openapi("ProductImageInput");

const Metadata = z
  .unknown()
  .superRefine(freeFormJson("metadata", METADATA_MAX_BYTES))
  .openapi({
    description: `Free-form JSON kept with the product (at most ${METADATA_MAX_BYTES} bytes serialized and ${JSON_MAX_DEPTH} levels deep).`,
    example: { sku: "SH-42", color: "navy" },
  });

/**
 * A product as sent to POST /products, or inline in a try-on. `externalId` is
 * optional here because one-shot try-on products omit it; POST /products
 * enforces EXTERNAL_ID_REQUIRED itself.
 */
export const ProductInputSchema = z
  .object({
    externalId: ClientIdSchema.optional().openapi({
      description: "Your id for the product; products are matched on (account, externalId). `_anon_…` is reserved.",
      example: "shirt-42",
    }),
    title: z.string().max(500).nullable().optional().openapi({ example: "Oxford shirt" }),
    description: z.string().max(5000).nullable().optional().openapi({ example: "Slim-fit cotton oxford shirt, navy." }),
    images: z.array(ProductImageInputSchema).max(PRODUCT_MAX_IMAGES).optional().openapi({ description: "Replaces the whole list on update." }),
    imageUrls: z.array(ImageUrl).max(PRODUCT_MAX_IMAGES).optional().openapi({ deprecated: true, description: "Deprecated alias: plain image URLs." }),
    metadata: Metadata.optional(),
    autoDetectImageRoles: z
      .boolean()
      .optional()
      .openapi({ description: "Genlook's flag: let the engine work out the role of images sent without one (default true; kept on update when omitted)." }),
    validForDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .nullable()
      .optional()
      .openapi({ description: "Days the product lives after its last use; null (default) = forever.", example: null }),
  })
  .openapi("ProductInput");

export type ProductInput = z.infer<typeof ProductInputSchema>;

export const ProductImageSchema = z
  .object({
    sourceUrl: z.string().openapi({
      description: "The image URL, or an opaque `upload://<imageId>` for bytes sent in a multipart request.",
      example: "https://cdn.example.com/shirt-42-front.jpg",
    }),
    role: z.string().nullable().openapi({ description: "The role sent with the image; null when none was given.", example: "top-front" }),
    order: z.number().int().openapi({ example: 0 }),
    classifications: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .openapi("ProductImage");

export const ProductSchema = z
  .object({
    externalId: z.string().openapi({ example: "shirt-42" }),
    livemode: LivemodeSchema,
    title: z.string().nullable(),
    description: z.string().nullable(),
    metadata: z.unknown().nullable().openapi({ description: "As sent; null when none." }),
    autoDetectImageRoles: z.boolean(),
    validForDays: z.number().int().nullable(),
    expiresAt: IsoDate.nullable().openapi({ description: "Null when kept forever; moves forward with each use." }),
    lastUsedAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    images: z.array(ProductImageSchema),
  })
  .openapi("Product");

export type ProductView = z.infer<typeof ProductSchema>;

export const ProductStatsSchema = z
  .object({
    livemode: LivemodeSchema,
    totalGenerations: z.number().int().openapi({ description: "All generations, pending and processing included." }),
    completedGenerations: z.number().int(),
    failedGenerations: z.number().int(),
    avgGenerationTimeMs: z.number().int().openapi({ description: "Average over completed generations; 0 when none." }),
  })
  .openapi("ProductStats");

/** A stats bound: a date-time, or a plain date (a UTC day) as Genlook accepts. */
const StatsBound = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * Milliseconds of a stats bound. A plain date covers its whole UTC day, so
 * `from=2026-11-01&to=2026-11-30` is all of November (`to` is inclusive).
 */
export function statsBoundMs(value: string, edge: "from" | "to"): number {
  const ms = Date.parse(value);
  const plainDate = !value.includes("T");
  return plainDate && edge === "to" ? ms + 86_400_000 - 1 : ms;
}

export const ProductStatsQuerySchema = z.object({
  from: StatsBound.optional().openapi({
    param: { name: "from", in: "query" },
    description: "Start (inclusive): a date-time, or a plain date meaning 00:00 UTC that day.",
    example: "2026-11-01",
  }),
  to: StatsBound.optional().openapi({
    param: { name: "to", in: "query" },
    description: "End (inclusive): a date-time, or a plain date meaning the whole of that UTC day.",
    example: "2026-11-30T23:59:59Z",
  }),
});

export const ProductIdParamSchema = z.object({
  externalId: ClientIdSchema.openapi({ param: { name: "externalId", in: "path" }, example: "shirt-42" }),
});

export const ProductDeletedSchema = z.object({ externalId: z.string(), livemode: LivemodeSchema, deleted: z.literal(true) }).openapi("ProductDeleted");

export const ProductListSchema = paginated(ProductSchema, "ProductList");
