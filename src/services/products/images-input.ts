import { ApiError } from "../../errors";
import { resolveAlias } from "../../lib/aliases";
import type { ProductInput } from "../../schemas/products";

/** One product image as sent, whichever of its accepted forms it came in: a URL or a part name, with its hints. */
export interface NormalizedProductImage {
  url?: string;
  fileKey?: string;
  classifications?: Record<string, unknown>;
  role?: string;
}

/**
 * Normalizes all alias forms into [{url?, fileKey?, classifications?}]:
 * INVALID_IMAGE_INPUT for an entry with neither or both sources,
 * VALIDATION_FAILED when an alias and its replacement disagree (`resolveAlias`:
 * an entry's flat `url`/`fileKey` against its `source`, `imageUrls` against
 * the URLs of `images`). undefined when the input names no images at all
 * (partial update).
 */
export function normalizeProductImages(input: ProductInput): NormalizedProductImage[] | undefined {
  const fromImages = input.images?.map((img, i) => {
    const flat = img.url !== undefined || img.fileKey !== undefined ? { url: img.url, fileKey: img.fileKey } : null;
    const source = resolveAlias(img.source, flat, { alias: `images[${i}].url/fileKey`, current: `images[${i}].source`, path: `images.${i}` });
    const url = source?.url;
    const fileKey = source?.fileKey;
    if ((url === undefined) === (fileKey === undefined)) {
      throw new ApiError(
        "INVALID_IMAGE_INPUT",
        url === undefined ? `images[${i}] has neither a url nor a fileKey.` : `images[${i}] has both a url and a fileKey; send one.`,
        { details: [{ path: `images.${i}`, message: url === undefined ? "neither url nor fileKey" : "both url and fileKey" }] },
      );
    }
    const out: NormalizedProductImage = url !== undefined ? { url } : { fileKey };
    if (img.classifications) out.classifications = img.classifications;
    if (img.role !== undefined) out.role = img.role;
    return out;
  });
  const fromAlias = input.imageUrls?.map((url): NormalizedProductImage => ({ url }));
  const urlsOf = (list: NormalizedProductImage[]) => list.map((img) => img.url ?? null);
  return resolveAlias(fromImages, fromAlias, { alias: "imageUrls", current: "images" }, urlsOf) ?? undefined;
}
