import { ApiError } from "../../errors";
import type { ProductInput } from "../../schemas/products";

/** One product image as sent, whichever of its accepted forms it came in: a URL or a part name, with its hints. */
export interface NormalizedProductImage {
  url?: string;
  fileKey?: string;
  classifications?: Record<string, unknown>;
}

/**
 * Normalizes all alias forms into [{url?, fileKey?, classifications?}]:
 * INVALID_IMAGE_INPUT for an entry with neither or both sources,
 * VALIDATION_FAILED when an alias and its replacement disagree.
 * undefined when the input names no images at all (partial update).
 */
export function normalizeProductImages(input: ProductInput): NormalizedProductImage[] | undefined {
  let fromImages: NormalizedProductImage[] | undefined;
  if (input.images) {
    fromImages = input.images.map((img, i) => {
      const src = img.source;
      if (src && (img.url !== undefined || img.fileKey !== undefined)) {
        const same = (img.url === undefined || img.url === src.url) && (img.fileKey === undefined || img.fileKey === src.fileKey);
        if (!same) {
          throw new ApiError("VALIDATION_FAILED", "An image entry gives both `source` and a deprecated flat `url`/`fileKey` with different values.", {
            details: [{ path: `images.${i}`, message: "source and the deprecated url/fileKey disagree" }],
          });
        }
      }
      const url = src?.url ?? img.url;
      const fileKey = src?.fileKey ?? img.fileKey;
      if ((url === undefined) === (fileKey === undefined)) {
        throw new ApiError(
          "INVALID_IMAGE_INPUT",
          url === undefined ? `images[${i}] has neither a url nor a fileKey.` : `images[${i}] has both a url and a fileKey; send one.`,
          { details: [{ path: `images.${i}`, message: url === undefined ? "neither url nor fileKey" : "both url and fileKey" }] },
        );
      }
      const out: NormalizedProductImage = url !== undefined ? { url } : { fileKey: fileKey as string };
      if (img.classifications) out.classifications = img.classifications;
      return out;
    });
  }
  if (input.imageUrls) {
    const fromAlias = input.imageUrls.map((url) => ({ url }));
    if (fromImages) {
      const same = fromImages.length === fromAlias.length && fromImages.every((img, i) => img.url === fromAlias[i]?.url);
      if (!same) {
        throw new ApiError("VALIDATION_FAILED", "`imageUrls` (deprecated) and `images` were both sent with different images.", {
          details: [{ path: "imageUrls", message: "conflicts with images" }],
        });
      }
      return fromImages;
    }
    return fromAlias;
  }
  return fromImages;
}
