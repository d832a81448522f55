import { z } from "zod";
import { PRODUCT_KINDS } from "../../db/repo/products";
import type { ProductRecord } from "../products";

/**
 * The product as it was when a generation was accepted, stored on the
 * generation (`product_snapshot`): the run uses it even if the product is
 * updated or deleted meanwhile, and history keeps it (docs/images-and-products.md).
 */
export type ProductSnapshot = Pick<ProductRecord, "externalId" | "kind" | "title" | "description" | "images">;

const SnapshotSchema = z.object({
  externalId: z.string(),
  kind: z.enum(PRODUCT_KINDS),
  title: z.string().nullable(),
  description: z.string().nullable(),
  images: z.array(
    z.object({
      sourceUrl: z.string(),
      imageId: z.string().nullable(),
      classifications: z.record(z.string(), z.unknown()).nullable(),
      role: z.string().nullable().optional(),
      order: z.number(),
    }),
  ),
}) satisfies z.ZodType<ProductSnapshot>;

export function snapshotOf(p: ProductSnapshot): string {
  return JSON.stringify({ externalId: p.externalId, kind: p.kind, title: p.title, description: p.description, images: p.images } satisfies ProductSnapshot);
}

/** Throws on a corrupt snapshot (the consumer then retries into the DLQ, which fails the generation). */
export function parseProductSnapshot(text: string): ProductSnapshot {
  return SnapshotSchema.parse(JSON.parse(text));
}
