/**
 * The "TEST" mark on test-mode results (docs/test-mode.md): a red label with
 * the word TEST in white block letters, drawn into the top-left corner of the
 * decoded image, so a screenshot of a test result can never pass for a real
 * one. Uses the composite engine's codecs, so it has the same limits: a photo
 * it cannot decode (WebP or HEIC without an Images binding to convert it, or
 * over the decode budget) gets no mark and the caller keeps the unmarked bytes.
 */
import { DecodeRefused, encodeJpeg } from "./codecs";
import type { Shrinker } from "./inputs";
import type { Rgba } from "./pixels";
import { decodeUpright } from "./upright";

/** 5×7 glyphs, one string per row, `#` = ink. */
const GLYPHS: Record<string, readonly string[]> = {
  T: ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
  E: ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  S: [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
};
const WORD = "TEST";
const GLYPH_W = 5;
const GLYPH_H = 7;
/** Label colour (RGB) behind the white letters. */
export const TEST_MARK_RED = [200, 16, 46] as const;

function fillRect(img: Rgba, x0: number, y0: number, w: number, h: number, rgb: readonly [number, number, number]): void {
  const x1 = Math.min(img.width, x0 + w);
  const y1 = Math.min(img.height, y0 + h);
  for (let y = Math.max(0, y0); y < y1; y++) {
    for (let x = Math.max(0, x0); x < x1; x++) {
      const i = (y * img.width + x) * 4;
      img.data[i] = rgb[0];
      img.data[i + 1] = rgb[1];
      img.data[i + 2] = rgb[2];
      img.data[i + 3] = 255;
    }
  }
}

/** Where the label sits: a box about a sixth of the image's width, one cell of margin from the corner. */
export function testMarkBox(width: number, height: number): { x: number; y: number; width: number; height: number; cell: number } {
  // The word is 4 glyphs of 5 cells + 3 gaps + 2 cells of padding each side = 27 cells wide, 11 cells tall.
  const cell = Math.max(1, Math.floor(Math.min(width / 6, height / 2) / 27));
  return { x: cell, y: cell, width: 27 * cell, height: 11 * cell, cell };
}

/** Draws the mark in place. */
export function drawTestMark(img: Rgba): void {
  const box = testMarkBox(img.width, img.height);
  const { cell } = box;
  fillRect(img, box.x, box.y, box.width, box.height, TEST_MARK_RED);
  let left = box.x + 2 * cell;
  const top = box.y + 2 * cell;
  for (const ch of WORD) {
    const glyph = GLYPHS[ch] ?? [];
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (glyph[gy]?.[gx] === "#") fillRect(img, left + gx * cell, top + gy * cell, cell, cell, [255, 255, 255]);
      }
    }
    left += (GLYPH_W + 1) * cell;
  }
}

/**
 * The photo with the mark drawn in, upright (EXIF orientation applied), as a
 * JPEG; null when the photo cannot be decoded here (the caller then keeps it
 * unmarked). `convert` (the Images binding) reads a WebP or HEIC photo.
 */
export async function markAsTest(
  bytes: Uint8Array,
  orientation: number | null,
  convert: Shrinker | null = null,
): Promise<{ bytes: Uint8Array; width: number; height: number } | null> {
  let img: Rgba;
  try {
    img = await decodeUpright(bytes, orientation, convert);
  } catch (err) {
    if (err instanceof DecodeRefused) return null;
    throw err;
  }
  // JPEG has no alpha: flatten onto white first, as the composite engine does.
  for (let i = 3; i < img.data.length; i += 4) {
    const a = img.data[i] as number;
    if (a === 255) continue;
    for (let c = 1; c <= 3; c++) img.data[i - c] = Math.round(((img.data[i - c] as number) * a + 255 * (255 - a)) / 255);
    img.data[i] = 255;
  }
  drawTestMark(img);
  return { bytes: await encodeJpeg(img), width: img.width, height: img.height };
}
