import { base64Encode } from "../lib/base64";

/** The longest side of a result's thumbnail, and its byte cap: agents' context is the budget. */
export const THUMBNAIL_MAX_SIDE = 384;
export const THUMBNAIL_MAX_BYTES = 96 * 1024;

export interface Thumbnail {
  data: string;
  mimeType: string;
}

/**
 * A small JPEG of `bytes` for an image content block, scaled down by the IMAGES binding
 * (Cloudflare Images; locally wrangler's). Null when it cannot be made within the byte cap, so
 * the result carries its signed URL alone rather than a large or broken image.
 */
export async function thumbnailOf(images: ImagesBinding | undefined, bytes: Uint8Array): Promise<Thumbnail | null> {
  if (images) {
    try {
      const source = new Response(bytes).body;
      if (source) {
        const out = await images
          .input(source)
          .transform({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: "scale-down" })
          .output({ format: "image/jpeg", quality: 70 });
        const small = new Uint8Array(await out.response().arrayBuffer());
        if (small.byteLength > 0 && small.byteLength <= THUMBNAIL_MAX_BYTES) return { data: base64Encode(small), mimeType: "image/jpeg" };
      }
    } catch {
      // No downscaler here (or it refused the image): fall back on the original if it is small enough.
    }
  }
  if (bytes.byteLength <= THUMBNAIL_MAX_BYTES && bytes[0] === 0xff && bytes[1] === 0xd8) return { data: base64Encode(bytes), mimeType: "image/jpeg" };
  return null;
}
