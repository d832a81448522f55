import { describe, expect, it } from "vitest";
import { applyOrientation, type Rgba, rectToStored, resampleArea } from "../../../src/engines/composite/pixels";

// Independent reference transforms (EXIF semantics written as rotations/flips).
type Grid = number[][]; // [y][x]
const rotCW = (g: Grid): Grid => g[0]!.map((_, x) => g.map((row) => row[x]!).reverse());
const rotCCW = (g: Grid): Grid => g[0]!.map((_, x) => g.map((row) => row[row.length - 1 - x]!));
const flipH = (g: Grid): Grid => g.map((row) => [...row].reverse());
const flipV = (g: Grid): Grid => [...g].reverse();
const EXPECTED: Record<number, (g: Grid) => Grid> = {
  1: (g) => g,
  2: flipH,
  3: (g) => flipH(flipV(g)),
  4: flipV,
  5: (g) => flipH(rotCW(g)),
  6: rotCW,
  7: (g) => flipH(rotCCW(g)),
  8: rotCCW,
};

function fromGrid(g: Grid): Rgba {
  const h = g.length,
    w = g[0]!.length;
  const data = new Uint8ClampedArray(w * h * 4);
  for (const [y, row] of g.entries()) for (const [x, v] of row.entries()) data.set([v, v, v, 255], (y * w + x) * 4);
  return { data, width: w, height: h };
}
const toGrid = (img: Rgba): Grid =>
  Array.from({ length: img.height }, (_, y) => Array.from({ length: img.width }, (_, x) => img.data[(y * img.width + x) * 4]!));

describe("pixel helpers", () => {
  const grid: Grid = [
    [10, 20, 30],
    [40, 50, 60],
  ];

  for (const o of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`EXIF orientation ${o} matches its rotation/flip`, () => {
      expect(toGrid(applyOrientation(fromGrid(grid), o))).toEqual(EXPECTED[o]!(grid));
    });
  }

  it("a displayed-frame crop maps back to the stored pixels it shows (orientation 6)", () => {
    // Stored 3×2; displayed (rotated CW) 2×3. Displayed column 0 = stored row 1 (bottom row), read upwards.
    const shownTopLeft = { x: 0, y: 0, width: 1, height: 1 };
    const stored = rectToStored(shownTopLeft, 3, 2, 6);
    expect(stored).toEqual({ x: 0, y: 1, width: 1, height: 1 });
    expect(EXPECTED[6]!(grid)[0]![0]).toBe(grid[1]![0]);
  });

  it("area-average resampling averages exactly and keeps flat colours flat", () => {
    const src = fromGrid([
      [0, 100, 200, 40],
      [100, 200, 40, 0],
    ]);
    const out = resampleArea(src, { x: 0, y: 0, width: 4, height: 2 }, 2, 1);
    expect(toGrid(out)).toEqual([[100, 70]]);
    const flat = fromGrid(Array.from({ length: 7 }, () => Array(9).fill(77) as number[]));
    expect(
      toGrid(resampleArea(flat, { x: 0, y: 0, width: 9, height: 7 }, 4, 3))
        .flat()
        .every((v) => v === 77),
    ).toBe(true);
  });
});
