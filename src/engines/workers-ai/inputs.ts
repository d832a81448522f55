/**
 * Input images for FLUX.2 on Workers AI: the model reads at most 512×512 of
 * each input ("512x512 per input image"), so each one is made upright and
 * downscaled to fit that box BEFORE the call — never more pixels than the
 * model uses cross the wire or are billed as input tiles. The Images binding
 * does it outside the isolate when bound; otherwise the composite engine's
 * decode gate (pixel cap, 64 MiB budget) and codecs do it in the isolate.
 */

import { tryReadImageHeader } from "../../lib/image-header";
import { applyOrientation, EngineFailure, encodeJpeg, type Limits, loadInput, orientedSize, type Rgba, resampleArea } from "../composite";
import type { EngineImage } from "../types";

export interface PreparedImage {
  bytes: Uint8Array;
  contentType: "image/jpeg" | "image/png";
  width: number;
  height: number;
}

export type InputRole = "person" | "garment";

const JPEG_QUALITY = 90;

/** Upright JPEG/PNG bytes of `img`, no side above `maxSide`. Throws EngineFailure (IMAGE_PROCESSING_FAILED) when it cannot. */
export async function prepareInput(img: EngineImage, role: InputRole, maxSide: number, limits: Limits): Promise<PreparedImage> {
  const shown = orientedSize(img.width, img.height, img.orientation);
  const upright = img.orientation === null || img.orientation === 1;
  if (upright && (img.format === "jpeg" || img.format === "png") && shown.width <= maxSide && shown.height <= maxSide) {
    const same = sendable(img.bytes, maxSide);
    if (same) return same;
  }
  if (limits.shrink) {
    try {
      const copy = sendable(await limits.shrink(img.bytes, maxSide), maxSide);
      if (copy) return copy;
    } catch {
      // Fall through to the in-isolate path (e.g. a local Images binding without HEIC support).
    }
  }
  const loaded = await loadInput(img, role, limits);
  const uprightRgba = applyOrientation(loaded.rgba, loaded.orientation);
  const scale = Math.min(1, maxSide / uprightRgba.width, maxSide / uprightRgba.height);
  const width = Math.max(1, Math.floor(uprightRgba.width * scale));
  const height = Math.max(1, Math.floor(uprightRgba.height * scale));
  const small = scale < 1 ? resampleArea(uprightRgba, { x: 0, y: 0, width: uprightRgba.width, height: uprightRgba.height }, width, height) : uprightRgba;
  const bytes = await encodeJpeg(flattenOnWhite(small), JPEG_QUALITY);
  return { bytes, contentType: "image/jpeg", width, height };
}

/** The bytes as they are when they are a JPEG/PNG within the box, else null. */
function sendable(bytes: Uint8Array, maxSide: number): PreparedImage | null {
  const h = tryReadImageHeader(bytes);
  if (!h || (h.format !== "jpeg" && h.format !== "png") || h.width > maxSide || h.height > maxSide) return null;
  return { bytes: bytes.subarray(0, h.end), contentType: h.format === "png" ? "image/png" : "image/jpeg", width: h.width, height: h.height };
}

/** JPEG has no alpha: a transparent packshot is composed on white (a studio background), not black. */
function flattenOnWhite(img: Rgba): Rgba {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3] ?? 255;
    if (a === 255) continue;
    const k = a / 255;
    d[i] = Math.round((d[i] ?? 0) * k + 255 * (1 - k));
    d[i + 1] = Math.round((d[i + 1] ?? 0) * k + 255 * (1 - k));
    d[i + 2] = Math.round((d[i + 2] ?? 0) * k + 255 * (1 - k));
    d[i + 3] = 255;
  }
  return img;
}

export { EngineFailure };
