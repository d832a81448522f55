import type { Shrinker } from "./inputs";

/**
 * The composite engine's downscaler and converter backed by the Cloudflare
 * Images binding: the transform runs outside the isolate, so a 12 MP or
 * larger photo costs the Worker no decode memory, and WebP and HEIC (which
 * the Worker has no decoder for) come back as JPEG or PNG. The binding
 * applies EXIF orientation, so the copy comes back upright. Locally wrangler
 * implements the binding with sharp.
 */
export function imagesBindingShrinker(images: ImagesBinding): Shrinker {
  return async (bytes, maxSide, format = "jpeg") => {
    const input = new Response(bytes).body;
    if (!input) throw new Error("no image stream");
    const output = format === "png" ? ({ format: "image/png" } as const) : ({ format: "image/jpeg", quality: 90 } as const);
    const result = await images.input(input).transform({ width: maxSide, height: maxSide, fit: "scale-down" }).output(output);
    return new Uint8Array(await result.response().arrayBuffer());
  };
}
