import { describe, expect, it } from "vitest";
import { DecodeRefused, decodeImage, decodeStats, encodeJpeg } from "../../../src/engines/composite/codecs";
import { readImageHeader } from "../../../src/lib/image-header";
import { cmykJpeg } from "../../helpers/cmyk-jpeg";
import { makeRgba, personPattern, webp } from "../../helpers/engine-images";
import { concat, deflate, makeJpeg, pngChunk, u32 } from "../../helpers/images";

/** Largest per-channel difference (alpha included) between two RGBA buffers of one size. */
function maxChannelDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** A smooth gradient: what a photo looks like to a DCT codec (no sharp edges to ring on). */
const smooth = (w: number, h: number) => makeRgba(w, h, (x, y) => [Math.round((200 * x) / w) + 20, Math.round((180 * y) / h) + 30, 120]);

// ------------------------------------------------------------ a PNG of any colour type and bit depth

/**
 * A non-interlaced PNG from rows of samples (`rows[y]` holds width × channels
 * samples at `depth` bits, packed big-endian as the format stores them).
 */
async function pngOf(opts: { width: number; colorType: number; depth: number; rows: number[][]; plte?: number[][]; trns?: Uint8Array }): Promise<Uint8Array> {
  const { width, colorType, depth, rows } = opts;
  const raw: number[] = [];
  for (const row of rows) {
    raw.push(0); // filter: none
    if (depth === 16) {
      for (const s of row) raw.push(s >>> 8, s & 255);
    } else if (depth === 8) {
      raw.push(...row);
    } else {
      let byte = 0;
      let bits = 0;
      for (const s of row) {
        byte = (byte << depth) | s;
        bits += depth;
        if (bits === 8) {
          raw.push(byte);
          byte = 0;
          bits = 0;
        }
      }
      if (bits > 0) raw.push(byte << (8 - bits));
    }
  }
  const ihdr = concat(u32(width), u32(rows.length), new Uint8Array([depth, colorType, 0, 0, 0]));
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...(opts.plte ? [pngChunk("PLTE", new Uint8Array(opts.plte.flat()))] : []),
    ...(opts.trns ? [pngChunk("tRNS", opts.trns)] : []),
    pngChunk("IDAT", await deflate(new Uint8Array(raw))),
    pngChunk("IEND", new Uint8Array(0)),
  );
}

const rgbaOf = (img: { data: Uint8ClampedArray }) => Array.from(img.data);

describe("JPEG (jpeg-js)", () => {
  it("decodes a progressive JPEG to the pixels it was made from", async () => {
    const src = smooth(160, 120);
    const bytes = await makeJpeg(
      160,
      120,
      (x, y) => {
        const i = (y * 160 + x) * 4;
        return [src.data[i] ?? 0, src.data[i + 1] ?? 0, src.data[i + 2] ?? 0, 255];
      },
      92,
    );
    const layout = readImageHeader(bytes).layout;
    expect(layout.kind === "jpeg" && layout.sof).toBe(0xc2); // mozjpeg's progressive default
    const img = await decodeImage(bytes, "jpeg");
    expect([img.width, img.height]).toEqual([160, 120]);
    expect(maxChannelDiff(img.data, src.data)).toBeLessThanOrEqual(12);
  });

  it("the encoder's output is a baseline JPEG that decodes back within a few levels per channel", async () => {
    const src = smooth(257, 131); // sizes that are not multiples of the 8×8 block
    const bytes = await encodeJpeg(src, 90);
    const header = readImageHeader(bytes);
    expect(header.format).toBe("jpeg");
    expect(header.layout.kind === "jpeg" && header.layout.sof).toBe(0xc0);
    const back = await decodeImage(bytes, "jpeg");
    expect([back.width, back.height]).toEqual([257, 131]);
    expect(maxChannelDiff(back.data, src.data)).toBeLessThanOrEqual(8);
    // Deterministic: equal input, equal bytes.
    expect(await encodeJpeg(src, 90)).toEqual(bytes);
  });

  it("a CMYK (Adobe, four-component) JPEG is refused with DecodeRefused before any codec starts: the binding converts it", async () => {
    const before = decodeStats.started;
    const err = await decodeImage(cmykJpeg()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DecodeRefused);
    expect(String(err)).toContain("there is no CMYK JPEG decoder in the Worker");
    expect(decodeStats.started).toBe(before);
  });

  it("a JPEG cut mid-scan is an error, never a grey-filled image", async () => {
    const full = await encodeJpeg(smooth(200, 200), 90);
    await expect(decodeImage(full.subarray(0, Math.floor(full.length * 0.6)))).rejects.toThrow();
  });
});

describe("PNG (fast-png) → RGBA8 at the header's size", () => {
  it("palette (4-bit) with tRNS alphas", async () => {
    const plte = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const bytes = await pngOf({
      width: 3,
      colorType: 3,
      depth: 4,
      rows: [
        [0, 1, 2],
        [2, 1, 0],
      ],
      plte,
      trns: new Uint8Array([128, 0]),
    });
    const img = await decodeImage(bytes, "png");
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(rgbaOf(img)).toEqual([255, 0, 0, 128, 0, 255, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 255, 0, 0, 255, 0, 0, 128]);
  });

  it("16-bit grey: the high byte of each sample, opaque", async () => {
    const bytes = await pngOf({ width: 2, colorType: 0, depth: 16, rows: [[0x1234, 0xfffe]] });
    expect(rgbaOf(await decodeImage(bytes, "png"))).toEqual([0x12, 0x12, 0x12, 255, 0xff, 0xff, 0xff, 255]);
  });

  it("8-bit grey + alpha", async () => {
    const bytes = await pngOf({ width: 2, colorType: 4, depth: 8, rows: [[10, 255, 200, 0]] });
    expect(rgbaOf(await decodeImage(bytes, "png"))).toEqual([10, 10, 10, 255, 200, 200, 200, 0]);
  });

  it("16-bit grey + alpha", async () => {
    const bytes = await pngOf({ width: 1, colorType: 4, depth: 16, rows: [[0x8000, 0x4000]] });
    expect(rgbaOf(await decodeImage(bytes, "png"))).toEqual([0x80, 0x80, 0x80, 0x40]);
  });

  it("1-bit and 2-bit grey are scaled to 0–255, rows padded to a byte", async () => {
    const one = await pngOf({ width: 9, colorType: 0, depth: 1, rows: [[1, 0, 1, 0, 0, 0, 0, 0, 1]] });
    const got = rgbaOf(await decodeImage(one, "png")).filter((_, i) => i % 4 === 0);
    expect(got).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 255]);
    const two = await pngOf({ width: 4, colorType: 0, depth: 2, rows: [[0, 1, 2, 3]] });
    expect(rgbaOf(await decodeImage(two, "png")).filter((_, i) => i % 4 === 0)).toEqual([0, 85, 170, 255]);
  });

  it("RGB with a tRNS key colour: that colour becomes transparent", async () => {
    const rows = [
      [1, 2, 3, 4, 5, 6],
      [4, 5, 6, 4, 5, 7],
    ];
    const bytes = await pngOf({ width: 2, colorType: 2, depth: 8, rows, trns: new Uint8Array([0, 4, 0, 5, 0, 6]) });
    expect(rgbaOf(await decodeImage(bytes, "png"))).toEqual([1, 2, 3, 255, 4, 5, 6, 0, 4, 5, 6, 0, 4, 5, 7, 255]);
  });

  it("16-bit RGBA", async () => {
    const bytes = await pngOf({ width: 1, colorType: 6, depth: 16, rows: [[0xff00, 0x7f7f, 0x0101, 0x8080]] });
    expect(rgbaOf(await decodeImage(bytes, "png"))).toEqual([0xff, 0x7f, 0x01, 0x80]);
  });
});

describe("WebP has no decoder in the Worker", () => {
  it("decodeImage refuses it with the typed DecodeRefused before any codec starts", async () => {
    const bytes = await webp(makeRgba(64, 48, personPattern(64, 48)));
    const before = decodeStats.started;
    const err = await decodeImage(bytes).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DecodeRefused);
    expect(String(err)).toContain("there is no WebP decoder in the Worker");
    expect(decodeStats.started).toBe(before);
  });
});
