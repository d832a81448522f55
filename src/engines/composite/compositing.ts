// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loops bounded by the array's own size; a fallback would cost the pixel loops for nothing.
import type { Rect, Rgba } from "./pixels";

/**
 * Garment keying and alpha compositing on RGBA buffers: find a uniform
 * background colour, key it out, trim to what is left, and blend the garment
 * over the person.
 */

/** Colour distance (max channel difference) below which a pixel is background, and above which it is garment. */
const KEY_LOW = 28;
const KEY_HIGH = 56;
/** Share of border samples that must sit near the median colour for the border to count as a uniform background. */
const UNIFORM_BORDER_SHARE = 0.8;
/** Less than this share of the garment frame left after keying → no garment. */
export const MIN_GARMENT_SHARE = 0.02;
/** Luminance standard deviation below which an un-keyable garment image is blank. */
export const MIN_GARMENT_STDDEV = 6;

/** Median border colour if the border is near-uniform (a studio/packshot background); null otherwise. */
export function uniformBorderColour(img: Rgba): [number, number, number] | null {
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
export function keyOut(img: Rgba, bg: [number, number, number]): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const dist = colourDistance(d, i, bg);
    if (dist <= KEY_LOW) d[i + 3] = 0;
    else if (dist < KEY_HIGH) d[i + 3] = Math.round((d[i + 3]! * (dist - KEY_LOW)) / (KEY_HIGH - KEY_LOW));
  }
}

export function luminanceStdDev(img: Rgba): number {
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

export function countOpaque(img: Rgba): number {
  let n = 0;
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i]! >= 128) n++;
  return n;
}

export function opaqueBoundingBox(img: Rgba): Rect | null {
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

export function crop(img: Rgba, r: Rect): Rgba {
  const out = new Uint8ClampedArray(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * img.width + r.x) * 4;
    out.set(img.data.subarray(from, from + r.width * 4), y * r.width * 4);
  }
  return { data: out, width: r.width, height: r.height };
}

/** JPEG has no alpha: composite any transparent person pixels onto white. */
export function flattenOnWhite(img: Rgba): void {
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
export function blendOver(base: Rgba, layer: Rgba, left: number, top: number): void {
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
