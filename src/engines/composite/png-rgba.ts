/**
 * fast-png hands back a PNG's samples as stored (1, 2, 4, 8 or 16 bits; grey,
 * grey+alpha, RGB, RGBA or palette indexes; a tRNS key colour or palette
 * alphas aside). The engines work on RGBA8: this expands any of them, as
 * libpng's EXPAND + STRIP_16 would.
 */
import type { DecodedPng } from "fast-png";

export function pngToRgba8(png: DecodedPng): Uint8ClampedArray {
  const { width, height, depth, channels } = png;
  const out = new Uint8ClampedArray(width * height * 4);
  const rowSamples = width * channels;
  // Rows of sub-byte samples are padded to a whole byte; wider samples are not.
  const rowStride = depth < 8 ? Math.ceil((rowSamples * depth) / 8) : rowSamples;
  const max = (1 << depth) - 1;
  const sample = (y: number, i: number): number => {
    if (depth >= 8) return png.data[y * rowStride + i] ?? 0;
    const bit = i * depth;
    const byte = png.data[y * rowStride + (bit >> 3)] ?? 0;
    return (byte >> (8 - depth - (bit & 7))) & max;
  };
  const to8 = (v: number): number => (depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / max));
  const palette = png.palette;
  const key = png.transparency;
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = x * channels;
      if (palette) {
        const entry = palette[sample(y, s)];
        out[o] = entry?.[0] ?? 0;
        out[o + 1] = entry?.[1] ?? 0;
        out[o + 2] = entry?.[2] ?? 0;
        out[o + 3] = entry?.[3] ?? 255;
      } else if (channels <= 2) {
        const g = sample(y, s);
        out[o] = out[o + 1] = out[o + 2] = to8(g);
        out[o + 3] = channels === 2 ? to8(sample(y, s + 1)) : key?.length === 1 && key[0] === g ? 0 : 255;
      } else {
        const r = sample(y, s);
        const g = sample(y, s + 1);
        const b = sample(y, s + 2);
        out[o] = to8(r);
        out[o + 1] = to8(g);
        out[o + 2] = to8(b);
        out[o + 3] = channels === 4 ? to8(sample(y, s + 3)) : key?.length === 3 && key[0] === r && key[1] === g && key[2] === b ? 0 : 255;
      }
      o += 4;
    }
  }
  return out;
}
