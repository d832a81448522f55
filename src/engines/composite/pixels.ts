// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loops bounded by the array's own size; a fallback would cost the pixel loops for nothing.
/**
 * Plain-JS pixel operations for the composite engine: area-average resampling,
 * EXIF orientation. All work on RGBA8 buffers and allocate only
 * their outputs (plus one row of accumulators), so a large decoded photo is never
 * copied whole. Deterministic: integer-stable arithmetic, no randomness.
 */

export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Per-axis sampling plan for an area-average resample of the source span
 * [start, start+len) onto `dst` cells: for each destination cell, the source
 * indices it covers and their coverage weights (summing to 1).
 */
interface AxisPlan {
  offsets: Int32Array; // dst+1 entries into idx/w
  idx: Int32Array;
  w: Float32Array;
}

function axisPlan(start: number, len: number, dst: number): AxisPlan {
  const scale = len / dst;
  const offsets = new Int32Array(dst + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let d = 0; d < dst; d++) {
    offsets[d] = idx.length;
    const a = d * scale;
    const b = (d + 1) * scale;
    const first = Math.floor(a);
    const last = Math.min(Math.ceil(b), len) - 1;
    for (let s = first; s <= last; s++) {
      const cover = Math.min(b, s + 1) - Math.max(a, s);
      if (cover <= 0) continue;
      idx.push(start + s);
      w.push(cover / scale);
    }
  }
  offsets[dst] = idx.length;
  return { offsets, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/**
 * Area-average resample of `rect` of `src` to `dw`×`dh`. Works with
 * premultiplied alpha so transparent pixels do not bleed dark fringes.
 * Memory: the output plus two rows of float accumulators.
 */
export function resampleArea(src: Rgba, rect: Rect, dw: number, dh: number): Rgba {
  const xs = axisPlan(rect.x, rect.width, dw);
  const ys = axisPlan(rect.y, rect.height, dh);
  const out = new Uint8ClampedArray(dw * dh * 4);
  const rowH = new Float32Array(dw * 4); // one source row, resampled horizontally
  const acc = new Float32Array(dw * 4); // weighted sum of such rows for one output row
  const s = src.data;
  const sw = src.width;
  for (let dy = 0; dy < dh; dy++) {
    acc.fill(0);
    for (let k = ys.offsets[dy]!; k < ys.offsets[dy + 1]!; k++) {
      const sy = ys.idx[k]!;
      const wy = ys.w[k]!;
      const rowBase = sy * sw * 4;
      for (let dx = 0; dx < dw; dx++) {
        let r = 0,
          g = 0,
          b = 0,
          a = 0;
        for (let j = xs.offsets[dx]!; j < xs.offsets[dx + 1]!; j++) {
          const p = rowBase + xs.idx[j]! * 4;
          const wa = xs.w[j]! * s[p + 3]!;
          r += s[p]! * wa;
          g += s[p + 1]! * wa;
          b += s[p + 2]! * wa;
          a += wa;
        }
        const o = dx * 4;
        rowH[o] = r;
        rowH[o + 1] = g;
        rowH[o + 2] = b;
        rowH[o + 3] = a;
      }
      for (let i = 0; i < acc.length; i++) acc[i]! += rowH[i]! * wy;
    }
    const ob = dy * dw * 4;
    for (let dx = 0; dx < dw; dx++) {
      const o = dx * 4;
      const a = acc[o + 3]!;
      if (a > 0) {
        out[ob + o] = Math.round(acc[o]! / a);
        out[ob + o + 1] = Math.round(acc[o + 1]! / a);
        out[ob + o + 2] = Math.round(acc[o + 2]! / a);
        out[ob + o + 3] = Math.round(a);
      }
    }
  }
  return { data: out, width: dw, height: dh };
}

/** Size that fits `w`×`h` inside a `maxW`×`maxH` box, keeping the aspect ratio (never 0). */
export function fitWithin(w: number, h: number, maxW: number, maxH: number): { width: number; height: number } {
  const s = Math.min(maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Displayed size of a `w`×`h` stored image under EXIF `orientation` (5–8 swap the axes). */
export function orientedSize(w: number, h: number, orientation: number | null): { width: number; height: number } {
  return orientation !== null && orientation >= 5 && orientation <= 8 ? { width: h, height: w } : { width: w, height: h };
}

/**
 * Stored-frame coordinates of displayed-frame point (dx, dy) of a stored `w`×`h`
 * image (continuous coordinates: corners map to corners).
 */
function displayedToStored(dx: number, dy: number, w: number, h: number, o: number): [number, number] {
  switch (o) {
    case 2:
      return [w - dx, dy];
    case 3:
      return [w - dx, h - dy];
    case 4:
      return [dx, h - dy];
    case 5:
      return [dy, dx];
    case 6:
      return [dy, h - dx];
    case 7:
      return [w - dy, h - dx];
    case 8:
      return [w - dy, dx];
    default:
      return [dx, dy];
  }
}

/** A displayed-frame rectangle expressed in the stored (as-encoded) frame. */
export function rectToStored(r: Rect, w: number, h: number, orientation: number | null): Rect {
  const o = orientation ?? 1;
  const [x0, y0] = displayedToStored(r.x, r.y, w, h, o);
  const [x1, y1] = displayedToStored(r.x + r.width, r.y + r.height, w, h, o);
  return { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
}

/** Applies EXIF orientation (2–8) to a (small, already downscaled) image. */
export function applyOrientation(img: Rgba, orientation: number | null): Rgba {
  const o = orientation ?? 1;
  if (o < 2 || o > 8) return img;
  const { width: W, height: H } = img;
  const { width: dw, height: dh } = orientedSize(W, H, o);
  const out = new Uint8ClampedArray(dw * dh * 4);
  for (let dy = 0; dy < dh; dy++) {
    for (let dx = 0; dx < dw; dx++) {
      // Pixel centres: map (dx+0.5, dy+0.5) and take the containing stored pixel.
      const [sx, sy] = displayedToStored(dx + 0.5, dy + 0.5, W, H, o);
      const si = (Math.floor(sy) * W + Math.floor(sx)) * 4;
      const di = (dy * dw + dx) * 4;
      out[di] = img.data[si]!;
      out[di + 1] = img.data[si + 1]!;
      out[di + 2] = img.data[si + 2]!;
      out[di + 3] = img.data[si + 3]!;
    }
  }
  return { data: out, width: dw, height: dh };
}

/** Integer-rounded rectangle clamped inside a `w`×`h` frame, or null if (nearly) empty. */
export function clampRect(r: Rect, w: number, h: number): Rect | null {
  const x0 = Math.max(0, Math.min(w, Math.round(r.x)));
  const y0 = Math.max(0, Math.min(h, Math.round(r.y)));
  const x1 = Math.max(0, Math.min(w, Math.round(r.x + r.width)));
  const y1 = Math.max(0, Math.min(h, Math.round(r.y + r.height)));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
