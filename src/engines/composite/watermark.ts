// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loops bounded by the arrays' own sizes.
/**
 * The account-logo watermark (docs/try-on.md, Watermark): the logo drawn into
 * the bottom-right corner of a result, upright, alpha-blended. Uses the
 * composite engine's codecs, so it has their limits: a result or logo they
 * cannot decode (WebP or HEIC without an Images binding to convert it, or
 * over the decode budget) is not stamped, and the caller keeps the result as
 * it was and records why.
 */
import { DecodeRefused, encodeJpeg } from "./codecs";
import type { Shrinker } from "./inputs";
import { fitWithin, type Rect, type Rgba, resampleArea } from "./pixels";
import { decodeUpright } from "./upright";

/** The logo's box is at most this share of the result's width (and of its height, for a tall logo). */
export const WATERMARK_SCALE = 0.18;
/** Gap between the logo and the result's edges, as a share of the result's shorter side. */
export const WATERMARK_MARGIN = 0.03;

/** Where a `logoW`×`logoH` logo lands on an upright `width`×`height` result: bottom-right, inside the margin. */
export function watermarkBox(width: number, height: number, logoW: number, logoH: number): Rect {
  const size = fitWithin(logoW, logoH, Math.max(1, Math.floor(width * WATERMARK_SCALE)), Math.max(1, Math.floor(height * WATERMARK_SCALE)));
  const margin = Math.round(Math.min(width, height) * WATERMARK_MARGIN);
  return { x: Math.max(0, width - margin - size.width), y: Math.max(0, height - margin - size.height), width: size.width, height: size.height };
}

export type StampOutcome = { stamped: true; bytes: Uint8Array; width: number; height: number } | { stamped: false; reason: string };

/**
 * The result with the logo stamped in, upright (EXIF orientation applied) and
 * re-encoded as a JPEG; or why it was not stamped (a decode was refused).
 * `convert` (the Images binding) reads a WebP or HEIC result or logo. Any
 * other failure throws: the caller decides that a watermark never fails a
 * generation.
 */
export async function stampLogo(result: Uint8Array, orientation: number | null, logo: Uint8Array, convert: Shrinker | null = null): Promise<StampOutcome> {
  let img: Rgba;
  try {
    img = await decodeUpright(result, orientation, convert);
  } catch (err) {
    if (err instanceof DecodeRefused) return { stamped: false, reason: `the result cannot be decoded here: ${err.message}` };
    throw err;
  }
  let mark: Rgba;
  try {
    mark = await decodeUpright(logo, null, convert);
  } catch (err) {
    if (err instanceof DecodeRefused) return { stamped: false, reason: `the logo cannot be decoded here: ${err.message}` };
    throw err;
  }
  flattenOnWhite(img);
  const box = watermarkBox(img.width, img.height, mark.width, mark.height);
  blendOver(img, resampleArea(mark, { x: 0, y: 0, width: mark.width, height: mark.height }, box.width, box.height), box.x, box.y);
  return { stamped: true, bytes: await encodeJpeg(img), width: img.width, height: img.height };
}

/** Checks that logo bytes decode in the Worker, WebP through `convert` (the intake read only their header). */
export async function logoDecodes(logo: Uint8Array, convert: Shrinker | null = null): Promise<boolean> {
  try {
    await decodeUpright(logo, null, convert);
    return true;
  } catch {
    return false;
  }
}

/** JPEG has no alpha: composite a (rare) transparent result onto white, as the composite engine does. */
function flattenOnWhite(img: Rgba): void {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) {
    const a = d[i]!;
    if (a === 255) continue;
    for (let c = 1; c <= 3; c++) d[i - c] = Math.round((d[i - c]! * a + 255 * (255 - a)) / 255);
    d[i] = 255;
  }
}

/** Source-over of `top` onto opaque `base` at (x0, y0), clipped to `base`. */
function blendOver(base: Rgba, top: Rgba, x0: number, y0: number): void {
  const b = base.data;
  const t = top.data;
  for (let y = 0; y < top.height; y++) {
    const by = y0 + y;
    if (by < 0 || by >= base.height) continue;
    for (let x = 0; x < top.width; x++) {
      const bx = x0 + x;
      if (bx < 0 || bx >= base.width) continue;
      const ti = (y * top.width + x) * 4;
      const a = t[ti + 3]!;
      if (a === 0) continue;
      const bi = (by * base.width + bx) * 4;
      for (let c = 0; c < 3; c++) b[bi + c] = Math.round((t[ti + c]! * a + b[bi + c]! * (255 - a)) / 255);
    }
  }
}
