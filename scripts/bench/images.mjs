// Images the bench builds in memory, so it needs no fixture files.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import encodeJpeg, { init as initJpegEnc } from "@jsquash/jpeg/encode.js";

const require = createRequire(import.meta.url);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, c]);
}

/** An 8-bit RGB PNG of w×h whose pixel (x, y) is `rgb(x, y)`. */
export function png(w, h, rgb) {
  const rowLen = w * 3 + 1;
  const raw = Buffer.alloc(rowLen * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(rgb(x, y), y * rowLen + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", gzipSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The small person photo of the hot-path rows (PNG, 256×320, a gradient). */
export const smallPersonPng = () => png(256, 320, (x, y) => [(x * 7) & 255, (y * 5) & 255, ((x + y) * 3) & 255]);

/**
 * A garment the composite engine accepts: a textured shirt-like block on a uniform white background
 * (the engine keys the garment off a uniform border and refuses a flat one).
 */
export const garmentPng = () =>
  png(600, 600, (x, y) => {
    const inside = x > 120 && x < 480 && y > 90 && y < 540;
    return inside ? [40 + ((x * 3) & 63), 70 + ((y * 5) & 63), 160 + (((x ^ y) * 2) & 63)] : [255, 255, 255];
  });

/** A 1 MP photo-like JPEG (1000×1000, smooth shading with noise, quality 85), as a camera would send. */
export async function onePixelMegaJpeg() {
  const wasmPath = require.resolve("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm");
  await initJpegEnc(await WebAssembly.compile(readFileSync(wasmPath)));
  const w = 1000;
  const h = 1000;
  const data = new Uint8ClampedArray(w * h * 4);
  let seed = 7;
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = (i / w) | 0;
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const noise = (seed >> 16) % 24;
    data[i * 4] = 120 + (((x / 8) | 0) % 80) + noise;
    data[i * 4 + 1] = 90 + (((y / 6) | 0) % 90) + noise;
    data[i * 4 + 2] = 80 + ((((x + y) / 10) | 0) % 70) + noise;
    data[i * 4 + 3] = 255;
  }
  return Buffer.from(await encodeJpeg({ data, width: w, height: h, colorSpace: "srgb" }, { quality: 85 }));
}
