/**
 * Decoding a whole image upright, for the watermark and the test mark: JPEG
 * and PNG in the isolate (then their EXIF orientation applied); WebP, HEIC
 * and CMYK JPEG converted by the Images binding first (its copy comes back
 * upright), since the Worker does not decode them (codecs.ts, `convertedKind`).
 */
import { tryReadImageHeader } from "../../lib/image-header";
import { convertedKind, DecodeRefused, decodeImage } from "./codecs";
import type { CopyFormat, Shrinker } from "./inputs";
import { applyOrientation, type Rgba } from "./pixels";

/** Upright RGBA of `bytes` at their full size. Throws DecodeRefused when it cannot be decoded here. */
export async function decodeUpright(bytes: Uint8Array, orientation: number | null, convert: Shrinker | null): Promise<Rgba> {
  const header = tryReadImageHeader(bytes);
  const name = header ? convertedKind(header) : null;
  if (!header || !name) return applyOrientation(await decodeImage(bytes), orientation);
  if (!convert) throw new DecodeRefused(`there is no ${name} decoder in the Worker and no Images binding to convert it`);
  // PNG keeps a WebP's alpha (a transparent logo); an opaque image converts to the smaller JPEG.
  const format: CopyFormat = header.layout.kind === "webp" && !header.layout.alpha ? "jpeg" : "png";
  let copy: Uint8Array;
  try {
    copy = await convert(bytes, Math.max(header.width, header.height), format);
  } catch {
    throw new DecodeRefused(`the Images binding could not convert the ${name}`);
  }
  const copyHeader = tryReadImageHeader(copy);
  if (copyHeader?.format !== format) throw new DecodeRefused(`the Images binding did not return a ${format.toUpperCase()} copy of the ${name}`);
  return decodeImage(copy, format);
}
