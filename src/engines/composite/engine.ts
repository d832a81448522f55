// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loops bounded by the array's own size; a fallback would cost the pixel loops for nothing.
/**
 * The "composite" engine: a deterministic try-on PREVIEW computed in the Worker.
 * It is a compositing preview, not a neural try-on: the garment photo is keyed
 * off its background and pasted, scaled, over the torso region of the person.
 *
 * Memory discipline (128 MB isolate, wasm memory never shrinks):
 * - inputs above `maxInputPixels` pixels or the decode budget are never
 *   decoded here (@jsquash exposes no DCT-scaled JPEG decode): they are first
 *   downscaled outside the isolate by `shrink` (the Cloudflare Images
 *   binding), or, where no downscaler is configured, refused with
 *   IMAGE_PROCESSING_FAILED (inputs.ts holds that gate);
 * - one image is decoded at a time and immediately area-averaged down
 *   (garment to ≤ 512 px, person to ≤ 1024 px long side), then dropped;
 * - everything after that works on ≤ 1024 px buffers.
 */

import type { Engine, EngineImage, EngineInput, EngineResult } from "../types";
import { encodeJpeg } from "./codecs";
import { EngineFailure, fail, type Limits, loadInput, type Shrinker } from "./inputs";
import { applyOrientation, clampRect, fitWithin, orientedSize, type Rect, type Rgba, rectToStored, resampleArea } from "./pixels";

export { PRESHRINK_SIDE, type Shrinker } from "./inputs";

/** Default decoded-pixel cap (8 MP: 3264×2448 fits, a 12 MP phone photo does not). */
export const COMPOSITE_DEFAULT_MAX_INPUT_PIXELS = 8_000_000;
/** Long side of the preview. */
export const COMPOSITE_MAX_SIDE = 1024;
/** Torso box as fractions of the (cropped) person frame. */
export const TORSO_BOX = { widthFrac: 0.4, heightFrac: 0.45, topFrac: 0.22 } as const;
const GARMENT_WORK_SIDE = 512;
const JPEG_QUALITY = 85;

/** Colour distance (max channel difference) below which a pixel is background, and above which it is garment. */
const KEY_LOW = 28;
const KEY_HIGH = 56;
/** Share of border samples that must sit near the median colour for the border to count as a uniform background. */
const UNIFORM_BORDER_SHARE = 0.8;
/** Less than this share of the garment frame left after keying → no garment. */
const MIN_GARMENT_SHARE = 0.02;
/** Luminance standard deviation below which an un-keyable garment image is blank. */
const MIN_GARMENT_STDDEV = 6;

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

/** Median border colour if the border is near-uniform (a studio/packshot background); null otherwise. */
function uniformBorderColour(img: Rgba): [number, number, number] | null {
  const { width: w, height: h, data } = img;
  const samples: number[] = [];
  const take = (x: number, y: number) => {
    const i = (y * w + x) * 4;
    if (data[i + 3]! >= 128) samples.push(i);
  };
  for (let x = 0; x < w; x++) {
    take(x, 0);
    take(x, h - 1);
  }
  for (let y = 1; y < h - 1; y++) {
    take(0, y);
    take(w - 1, y);
  }
  // A mostly transparent border means the image is already cut out: its alpha is the key.
  if (samples.length < (2 * (w + h) - 4) * 0.5) return null;
  const median = (c: number) => {
    const v = samples.map((i) => data[i + c]!).sort((a, b) => a - b);
    return v[v.length >> 1]!;
  };
  const bg: [number, number, number] = [median(0), median(1), median(2)];
  let near = 0;
  for (const i of samples) if (colourDistance(data, i, bg) < KEY_LOW) near++;
  return near >= samples.length * UNIFORM_BORDER_SHARE ? bg : null;
}

function colourDistance(d: Uint8ClampedArray, i: number, c: [number, number, number]): number {
  return Math.max(Math.abs(d[i]! - c[0]), Math.abs(d[i + 1]! - c[1]), Math.abs(d[i + 2]! - c[2]));
}

/** Multiplies alpha by a soft key: 0 near the background colour, 1 far from it. */
function keyOut(img: Rgba, bg: [number, number, number]): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const dist = colourDistance(d, i, bg);
    if (dist <= KEY_LOW) d[i + 3] = 0;
    else if (dist < KEY_HIGH) d[i + 3] = Math.round((d[i + 3]! * (dist - KEY_LOW)) / (KEY_HIGH - KEY_LOW));
  }
}

function luminanceStdDev(img: Rgba): number {
  const d = img.data;
  let n = 0,
    sum = 0,
    sq = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3]! < 128) continue;
    const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    sum += y;
    sq += y * y;
    n++;
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

function countOpaque(img: Rgba): number {
  let n = 0;
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i]! >= 128) n++;
  return n;
}

function opaqueBoundingBox(img: Rgba): Rect | null {
  const { width: w, height: h, data } = img;
  let x0 = w,
    y0 = h,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[(y * w + x) * 4 + 3]! >= 128) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function crop(img: Rgba, r: Rect): Rgba {
  const out = new Uint8ClampedArray(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * img.width + r.x) * 4;
    out.set(img.data.subarray(from, from + r.width * 4), y * r.width * 4);
  }
  return { data: out, width: r.width, height: r.height };
}

/** JPEG has no alpha: composite any transparent person pixels onto white. */
function flattenOnWhite(img: Rgba): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    d[i] = Math.round((d[i]! * a + 255 * (255 - a)) / 255);
    d[i + 1] = Math.round((d[i + 1]! * a + 255 * (255 - a)) / 255);
    d[i + 2] = Math.round((d[i + 2]! * a + 255 * (255 - a)) / 255);
    d[i + 3] = 255;
  }
}

/** Alpha-blends `layer` onto `base` at (left, top), clipped to `base`. */
function blendOver(base: Rgba, layer: Rgba, left: number, top: number): void {
  const b = base.data;
  const l = layer.data;
  for (let y = 0; y < layer.height; y++) {
    const by = top + y;
    if (by < 0 || by >= base.height) continue;
    for (let x = 0; x < layer.width; x++) {
      const bx = left + x;
      if (bx < 0 || bx >= base.width) continue;
      const li = (y * layer.width + x) * 4;
      const a = l[li + 3]!;
      if (a === 0) continue;
      const bi = (by * base.width + bx) * 4;
      b[bi] = Math.round((l[li]! * a + b[bi]! * (255 - a)) / 255);
      b[bi + 1] = Math.round((l[li + 1]! * a + b[bi + 1]! * (255 - a)) / 255);
      b[bi + 2] = Math.round((l[li + 2]! * a + b[bi + 2]! * (255 - a)) / 255);
    }
  }
}
