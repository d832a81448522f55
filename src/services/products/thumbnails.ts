import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import { getImage, signedImageUrl } from "../images";
import type { ProductRecord } from "./products";

/** A product image for display: its source, and a fresh signed URL of the stored copy (null if none is stored). */
export interface ProductThumbnail {
  sourceUrl: string;
  order: number;
  url: string | null;
}

/** The product's images in order, each with a signed URL of the bytes Drape keeps (the dashboard's thumbnails). */
export async function productThumbnails(ctx: ServiceContext, product: ProductRecord): Promise<ProductThumbnail[]> {
  const sorted = [...product.images].sort((a, b) => a.order - b.order);
  return Promise.all(
    sorted.map(async (img) => {
      if (!img.imageId) return { sourceUrl: img.sourceUrl, order: img.order, url: null };
      try {
        const stored = await getImage(ctx, product.accountId, img.imageId);
        return { sourceUrl: img.sourceUrl, order: img.order, url: signedImageUrl(ctx, stored).url };
      } catch (err) {
        if (err instanceof ApiError && err.code === "IMAGE_NOT_FOUND") return { sourceUrl: img.sourceUrl, order: img.order, url: null };
        throw err;
      }
    }),
  );
}
