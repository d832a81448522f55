/**
 * The "composite" engine: a deterministic try-on PREVIEW computed in the Worker.
 * It is a compositing preview, not a neural try-on: the garment photo is keyed
 * off its background and pasted, scaled, over the torso region of the person.
 *
 * Memory discipline (128 MB isolate, more than one image alive at a time):
 * - inputs above `maxInputPixels` pixels or the decode budget are never
 *   decoded here (jpeg-js has no DCT-scaled JPEG decode): they are first
 *   downscaled outside the isolate by `shrink` (the Cloudflare Images
 *   binding), or, where no downscaler is configured, refused with
 *   IMAGE_PROCESSING_FAILED (inputs.ts holds that gate);
 * - one image is decoded at a time and immediately area-averaged down
 *   (garment to ≤ 512 px, person to ≤ 1024 px long side), then dropped;
 * - everything after that works on ≤ 1024 px buffers.
 */

import { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS } from "../../config";
import type { Engine, EngineImage, EngineInput, EngineResult } from "../types";
import { encodeJpeg } from "./codecs";
import {
  blendOver,
  countOpaque,
  crop,
  flattenOnWhite,
  keyOut,
  luminanceStdDev,
  MIN_GARMENT_SHARE,
  MIN_GARMENT_STDDEV,
  opaqueBoundingBox,
  uniformBorderColour,
} from "./compositing";
import { EngineFailure, fail, type Limits, loadInput, type Shrinker } from "./inputs";
import { applyOrientation, clampRect, fitWithin, orientedSize, type Rect, type Rgba, rectToStored, resampleArea } from "./pixels";

export { PRESHRINK_SIDE, type Shrinker } from "./inputs";

/** Long side of the preview. */
export const COMPOSITE_MAX_SIDE = 1024;
/** Torso box as fractions of the (cropped) person frame. */
export const TORSO_BOX = { widthFrac: 0.4, heightFrac: 0.45, topFrac: 0.22 } as const;
const GARMENT_WORK_SIDE = 512;
const JPEG_QUALITY = 85;

export interface CompositeOptions {
  /** Inputs whose decoded size exceeds this many pixels are shrunk first (or refused without `shrink`). */
  maxInputPixels?: number;
  shrink?: Shrinker;
}

export function createCompositeEngine(opts: CompositeOptions = {}): Engine {
  const limits: Limits = { maxInputPixels: opts.maxInputPixels ?? COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, shrink: opts.shrink ?? null };
  return {
    name: "composite",
    async run(input: EngineInput): Promise<EngineResult> {
      try {
        return await renderPreview(input, limits);
      } catch (err) {
        if (err instanceof EngineFailure) return { kind: "failed", code: err.code, message: err.message };
        // Anything else is a codec crash on bytes that passed the header checks.
        return { kind: "failed", code: "IMAGE_PROCESSING_FAILED", message: "The composite engine could not process the input images." };
      }
    },
  };
}

async function renderPreview(input: EngineInput, limits: Limits): Promise<EngineResult> {
  const garmentInput = input.productImages[0];
  if (!garmentInput) return fail("GARMENT_NOT_DETECTED", "The product has no image to take the garment from.");

  // Garment first: it is the cheap check that most often fails (blank/uniform image).
  const garment = await prepareGarment(garmentInput, limits);

  // Person: decode, crop (displayed frame → stored frame), area-average down, then orient the small buffer.
  const person = await preparePerson(input.person, limits);

  // Torso box in the preview frame; the garment is fitted inside it, centred.
  const box = {
    width: Math.max(1, Math.round(person.width * TORSO_BOX.widthFrac)),
    height: Math.max(1, Math.round(person.height * TORSO_BOX.heightFrac)),
  };
  const fitted = fitWithin(garment.width, garment.height, box.width, box.height);
  const layer = resampleArea(garment, { x: 0, y: 0, width: garment.width, height: garment.height }, fitted.width, fitted.height);
  const left = Math.round((person.width - fitted.width) / 2);
  const top = Math.round(person.height * TORSO_BOX.topFrac + (box.height - fitted.height) / 2);
  blendOver(person, layer, left, top);

  const bytes = await encodeJpeg(person, JPEG_QUALITY);
  return { kind: "completed", bytes, contentType: "image/jpeg", format: "jpeg", width: person.width, height: person.height };
}

async function preparePerson(img: EngineInput["person"], limits: Limits): Promise<Rgba> {
  const loaded = await loadInput(img, "person", limits);
  let full: Rgba | null = loaded.rgba;
  const orientation = loaded.orientation;
  const shown = orientedSize(full.width, full.height, orientation);
  // The crop box is expressed in the original displayed (orientation-applied) frame: scale it to
  // the decoded size, clamp it, map it to the stored frame.
  let region: Rect = { x: 0, y: 0, width: full.width, height: full.height };
  if (img.crop) {
    const s = loaded.scale;
    const scaled = {
      x: Math.round(img.crop.x * s),
      y: Math.round(img.crop.y * s),
      width: Math.round(img.crop.width * s),
      height: Math.round(img.crop.height * s),
    };
    const shownCrop = clampRect(scaled, shown.width, shown.height);
    if (shownCrop) {
      const stored = clampRect(rectToStored(shownCrop, full.width, full.height, orientation), full.width, full.height);
      if (stored) region = stored;
    }
  }
  const target = fitWithin(region.width, region.height, COMPOSITE_MAX_SIDE, COMPOSITE_MAX_SIDE);
  // Never upscale the person: a small photo stays its size.
  const dw = Math.min(target.width, region.width);
  const dh = Math.min(target.height, region.height);
  const small = resampleArea(full, region, dw, dh);
  full = null; // drop the large buffer before anything else allocates
  const oriented = applyOrientation(small, orientation);
  flattenOnWhite(oriented);
  return oriented;
}

/** Decodes the garment, reduces it, keys out a uniform border colour and trims to the garment's bounding box. */
async function prepareGarment(img: EngineImage, limits: Limits): Promise<Rgba> {
  const loaded = await loadInput(img, "garment", limits);
  let full: Rgba | null = loaded.rgba;
  const fullRect = { x: 0, y: 0, width: full.width, height: full.height };
  const t = fitWithin(full.width, full.height, GARMENT_WORK_SIDE, GARMENT_WORK_SIDE);
  const work = resampleArea(full, fullRect, Math.min(t.width, full.width), Math.min(t.height, full.height));
  full = null;
  const g = applyOrientation(work, loaded.orientation);

  const bg = uniformBorderColour(g);
  if (bg) {
    keyOut(g, bg);
  } else if (luminanceStdDev(g) < MIN_GARMENT_STDDEV) {
    fail("GARMENT_NOT_DETECTED", "The garment image is blank or uniform: no garment could be found in it.");
  }
  const bbox = opaqueBoundingBox(g);
  const opaque = bbox ? countOpaque(g) : 0;
  if (!bbox || opaque < g.width * g.height * MIN_GARMENT_SHARE) {
    fail(
      "GARMENT_NOT_DETECTED",
      "No garment could be found in the product image: after removing its background colour almost nothing is left (blank or uniform image).",
    );
  }
  return bbox && (bbox.width < g.width || bbox.height < g.height) ? crop(g, bbox) : g;
}
