/**
 * The fixed memory budget of one in-isolate image decode, and what a decode
 * of a given header costs. A Worker isolate has 128 MB and holds more than
 * one image at a time, so no decode may start whose header announces more
 * than this: the check runs on the header BEFORE the codec sees a byte
 * (docs/engines.md). The costs model the pure-JS codecs of codecs.ts
 * (jpeg-js, fast-png), measured on V8.
 */
import type { ImageHeader, ImageLayout } from "../../lib/image-header";

/** The most one decode may allocate because a header said so. */
export const DECODE_BUDGET_BYTES = 64 * 1024 * 1024;

/** Every decode hands back RGBA8. */
const RGBA_OUT_BYTES = 4;

/**
 * jpeg-js keeps every 8×8 block of every component as its own Int32Array(64):
 * 256 bytes of data plus the V8 typed-array and buffer objects (measured on
 * V8: 450 bytes a block), then writes the block's 64 samples into a plane.
 */
const JPEG_BLOCK_BYTES = 448 + 64;

/**
 * Upper bound of the bytes a decode of `h` allocates in proportion to its
 * size: the RGBA output plus what the format's decoder keeps for the whole
 * image (JPEG: every DCT block and a plane of samples per component; PNG: the
 * inflated rows, their concatenation and the unfiltered samples).
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

/**
 * The costliest layout a copy made by the Images binding can have: a JPEG
 * without chroma subsampling, or an 8-bit RGBA PNG.
 */
const WORST_COPY_LAYOUT: Record<"jpeg" | "png", ImageLayout> = {
  jpeg: {
    kind: "jpeg",
    sof: 0xc0,
    scans: 1,
    components: [
      { h: 1, v: 1 },
      { h: 1, v: 1 },
      { h: 1, v: 1 },
    ],
  },
  png: { kind: "png", bitDepth: 8, colorType: 6, interlaced: false },
};

/** Largest pixel count a binding-made copy in `format` may be asked for and still be decodable here. */
export function copyPixelsWithinBudget(format: "jpeg" | "png"): number {
  // A 1024×1024 sample: big enough that block padding does not skew the per-pixel cost.
  return maxPixelsWithinBudget({ width: 1024, height: 1024, layout: WORST_COPY_LAYOUT[format] });
}

function workingBytes(width: number, height: number, layout: ImageLayout): number {
  switch (layout.kind) {
    case "jpeg":
      return jpegBytes(width, height, layout.components);
    case "png": {
      const channels = [1, 0, 3, 1, 2, 0, 4][layout.colorType] ?? 4;
      const rowBytes = Math.ceil((width * channels * layout.bitDepth) / 8) + 1;
      return 3 * rowBytes * height;
    }
    case "webp":
    case "heic":
      // Never decoded in the isolate (the Images binding converts them); unaffordable at any size.
      return Number.POSITIVE_INFINITY;
  }
}

/** Per component: its blocks (padded to the MCU) and its plane of 8-bit samples. */
function jpegBytes(width: number, height: number, components: ReadonlyArray<{ h: number; v: number }>): number {
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  let total = 0;
  for (const c of components) {
    const blocksW = roundUp(Math.ceil(Math.ceil((width * c.h) / hMax) / 8), c.h);
    const blocksH = roundUp(Math.ceil(Math.ceil((height * c.v) / vMax) / 8), c.v);
    total += blocksW * blocksH * JPEG_BLOCK_BYTES;
  }
  return total;
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
