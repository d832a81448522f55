/**
 * The fixed memory budget of one in-isolate image decode, and what a decode
 * of a given header costs. A Worker isolate has 128 MB and WASM memory never
 * shrinks, so no decode may start whose header announces more than this: the
 * check runs on the header BEFORE the codec sees a byte (docs/engines.md).
 */
import type { ImageHeader, ImageLayout } from "../../lib/image-header";

/** The most one decode may allocate because a header said so. */
export const DECODE_BUDGET_BYTES = 64 * 1024 * 1024;

/** Every decoder writes RGBA8 into its WASM memory, then hands JS a copy of it. */
const RGBA_OUT_BYTES = 4 + 4;

/**
 * Upper bound of the bytes a decode of `h` allocates in proportion to its
 * size: the RGBA output and its JS copy, plus what the format's decoder keeps
 * for the whole image (multi-scan JPEG: every DCT coefficient; PNG: the
 * expanded raw rows before RGBA conversion; lossless or alpha WebP: a
 * 32-bit pixel plane and an alpha plane).
 */
export function decodeFootprint(h: Pick<ImageHeader, "width" | "height" | "layout">): number {
  const pixels = h.width * h.height;
  return pixels * RGBA_OUT_BYTES + workingBytes(h.width, h.height, h.layout);
}

export function fitsDecodeBudget(h: Pick<ImageHeader, "width" | "height" | "layout">): boolean {
  return decodeFootprint(h) <= DECODE_BUDGET_BYTES;
}

/** Largest pixel count an image of this layout can have and still fit the budget (for messages). */
export function maxPixelsWithinBudget(h: Pick<ImageHeader, "width" | "height" | "layout">): number {
  const pixels = Math.max(1, h.width * h.height);
  return Math.floor((DECODE_BUDGET_BYTES * pixels) / decodeFootprint(h));
}

function workingBytes(width: number, height: number, layout: ImageLayout): number {
  const pixels = width * height;
  switch (layout.kind) {
    case "jpeg":
      return isMultiScan(layout) ? coefficientBytes(width, height, layout.components) : 0;
    case "png": {
      // After EXPAND: palette → RGB(A), low bit depths → 8 bits; grey and RGB may gain alpha from tRNS.
      const channels = layout.colorType === 0 || layout.colorType === 4 ? 2 : 4;
      return pixels * channels * (layout.bitDepth === 16 ? 2 : 1);
    }
    case "webp":
      return (layout.lossless || layout.alpha ? pixels * 4 : 0) + (layout.alpha ? pixels : 0);
    case "heic":
      // Never decoded in the isolate; count it as unaffordable at any size.
      return Number.POSITIVE_INFINITY;
  }
}

const PROGRESSIVE_SOFS = new Set([0xc2, 0xc6, 0xca, 0xce]);

function isMultiScan(layout: Extract<ImageLayout, { kind: "jpeg" }>): boolean {
  return layout.scans > 1 || PROGRESSIVE_SOFS.has(layout.sof);
}

/** libjpeg's whole-image coefficient buffer: 64 × 2 bytes per 8×8 block of each component, padded to its sampling factors. */
function coefficientBytes(width: number, height: number, components: ReadonlyArray<{ h: number; v: number }>): number {
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  let total = 0;
  for (const c of components) {
    const blocksW = roundUp(Math.ceil(Math.ceil((width * c.h) / hMax) / 8), c.h);
    const blocksH = roundUp(Math.ceil(Math.ceil((height * c.v) / vMax) / 8), c.v);
    total += blocksW * blocksH * 128;
  }
  return total;
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
