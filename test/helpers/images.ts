/**
 * Real image bytes for tests, built in the test isolate:
 * - PNG by hand (IHDR + zlib IDAT via CompressionStream("deflate") + IEND, real CRCs),
 * - JPEG and WebP with the @jsquash encoders (wasm imported as modules, then `init`),
 * - a HEIC container by hand (ftyp heic + meta/iprp/ipco/ispe, no image data),
 * plus crafted/forged headers for the rejection cases.
 */

import jpegEncWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import encodeJpegRaw, { init as initJpegEnc } from "@jsquash/jpeg/encode.js";
import webpEncWasm from "@jsquash/webp/codec/enc/webp_enc.wasm";
import encodeWebpRaw, { init as initWebpEnc } from "@jsquash/webp/encode.js";

export type Rgba = [number, number, number, number];
export type ColorFn = (x: number, y: number) => Rgba;

const defaultColor: ColorFn = (x, y) => [(x * 7) & 255, (y * 5) & 255, ((x + y) * 3) & 255, 255];

function pixels(width: number, height: number, color: ColorFn): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = color(x, y);
      const i = (y * width + x) * 4;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = a;
    }
  }
  return data;
}

// ---------------------------------------------------------------- PNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) as PNG chunks need it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A big-endian 32-bit integer's four bytes (PNG lengths, sizes and CRCs). */
export function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const td = concat(ascii(type), data);
  return concat(u32(data.length), td, u32(crc32(td)));
}

/** zlib-wrapped deflate, as a PNG's IDAT holds it. */
export async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A valid RGBA PNG (decodable by any viewer). `rgba` gives each pixel; default a gradient. */
export async function makePng(width: number, height: number, rgba: ColorFn = defaultColor): Promise<Uint8Array> {
  const px = pixels(width, height, rgba);
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    raw.set(px.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const ihdr = concat(u32(width), u32(height), new Uint8Array([8, 6, 0, 0, 0]));
  return concat(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", await deflate(raw)),
    pngChunk("IEND", new Uint8Array(0)),
  );
}

/** Only signature + IHDR + IEND, claiming any size: a forged header (never decodable). */
export function makePngHeader(width: number, height: number): Uint8Array {
  const ihdr = concat(u32(width), u32(height), new Uint8Array([8, 6, 0, 0, 0]));
  return concat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("IEND", new Uint8Array(0)));
}

// ---------------------------------------------------------------- JPEG / WebP

let jpegReady: Promise<unknown> | undefined;
let webpReady: Promise<unknown> | undefined;

/** A real baseline JPEG from mozjpeg. */
export async function makeJpeg(width: number, height: number, colorFn: ColorFn = defaultColor, quality = 80): Promise<Uint8Array> {
  jpegReady ??= initJpegEnc(jpegEncWasm as unknown as Parameters<typeof initJpegEnc>[0]);
  await jpegReady;
  const img = { data: pixels(width, height, colorFn), width, height, colorSpace: "srgb" } as unknown as Parameters<typeof encodeJpegRaw>[0];
  return new Uint8Array(await encodeJpegRaw(img, { quality }));
}

/** A real lossy WebP (VP8) from libwebp; `lossless` gives VP8L. */
export async function makeWebp(width: number, height: number, colorFn: ColorFn = defaultColor, opts: { lossless?: boolean } = {}): Promise<Uint8Array> {
  webpReady ??= initWebpEnc(webpEncWasm as unknown as Parameters<typeof initWebpEnc>[0]);
  await webpReady;
  const img = { data: pixels(width, height, colorFn), width, height, colorSpace: "srgb" } as unknown as Parameters<typeof encodeWebpRaw>[0];
  return new Uint8Array(await encodeWebpRaw(img, { quality: 80, lossless: opts.lossless ? 1 : 0 }));
}

/** Inserts an APP1 Exif segment (little-endian TIFF, IFD0 with Orientation) right after SOI. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = new Uint8Array([
    0x49,
    0x49,
    0x2a,
    0x00,
    0x08,
    0x00,
    0x00,
    0x00, // "II*\0", IFD0 at 8
    0x01,
    0x00, // one entry
    0x12,
    0x01,
    0x03,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00,
    orientation & 255,
    0x00,
    0x00,
    0x00, // 0x0112 SHORT ×1
    0x00,
    0x00,
    0x00,
    0x00, // next IFD
  ]);
  const payload = concat(ascii("Exif\0\0"), tiff);
  const len = payload.length + 2;
  const app1 = concat(new Uint8Array([0xff, 0xe1, (len >> 8) & 255, len & 255]), payload);
  return concat(jpeg.subarray(0, 2), app1, jpeg.subarray(2));
}

/** SOI + SOF0 claiming width×height + SOS + a few bytes + EOI: a structurally complete but forged JPEG. */
export function makeJpegHeader(width: number, height: number): Uint8Array {
  const sof = new Uint8Array([0xff, 0xc0, 0x00, 0x0b, 0x08, (height >> 8) & 255, height & 255, (width >> 8) & 255, width & 255, 0x01, 0x01, 0x11, 0x00]);
  const sos = new Uint8Array([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
  return concat(new Uint8Array([0xff, 0xd8]), sof, sos, new Uint8Array([0x12, 0x34, 0x56, 0xff, 0xd9]));
}

// ---------------------------------------------------------------- HEIC

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(...payload);
  return concat(u32(body.length + 8), ascii(type), body);
}

/**
 * A HEIC header as phones write it: `ftyp` (major brand `brand`; compatible
 * mif1, heic) and `meta` with `hdlr` pict, `pitm` (primary item 1) and
 * `iprp` → `ipco` (a 320×240 thumbnail `ispe` first, then the primary's) +
 * `ipma` (item 1 → property 2, item 2 → property 1). No image data: enough
 * for header-only intake, not for a decoder. `primaryProps` overrides
 * which properties item 1 points at (for crafted files).
 */
export function makeHeic(width: number, height: number, brand = "heic", opts: { primaryProps?: number[] } = {}): Uint8Array {
  const ftyp = box("ftyp", ascii(brand), u32(0), ascii("mif1"), ascii("heic"));
  const thumb = box("ispe", u32(0), u32(320), u32(240));
  const ispe = box("ispe", u32(0), u32(width), u32(height));
  const ipco = box("ipco", thumb, ispe);
  const primary = opts.primaryProps ?? [2];
  const ipma = box(
    "ipma",
    u32(0), // version 0, flags 0: 16-bit item ids, 7-bit property indexes
    u32(2),
    new Uint8Array([0, 1, primary.length, ...primary.map((p) => p & 0x7f)]),
    new Uint8Array([0, 2, 1, 1]),
  );
  const iprp = box("iprp", ipco, ipma);
  const pitm = box("pitm", u32(0), new Uint8Array([0, 1]));
  const hdlr = box("hdlr", u32(0), u32(0), ascii("pict"), u32(0), u32(0), u32(0), new Uint8Array([0]));
  const meta = box("meta", u32(0), hdlr, pitm, iprp);
  return concat(ftyp, meta);
}

// ---------------------------------------------------------------- other types

export const GIF_BYTES = concat(
  ascii("GIF89a"),
  new Uint8Array([0xf0, 0x00, 0x40, 0x01, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0x00, 0x3b]),
);
export const PDF_BYTES = ascii("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

/** Multipart helper: a FormData with `file` and text fields. */
export function uploadForm(bytes: Uint8Array | null, fields: Record<string, string> = {}, filename = "photo.bin"): FormData {
  const form = new FormData();
  if (bytes) form.append("file", new File([bytes], filename, { type: "application/octet-stream" }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}
