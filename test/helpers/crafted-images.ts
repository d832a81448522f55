/**
 * Crafted and foreign image files, generated in the test from real encoder
 * output: headers that lie about the size, files whose structure is
 * inconsistent, truncated files of each accepted format, and small samples of
 * types Drape refuses (GIF, BMP, TIFF, AVIF, SVG, ICO).
 */

import { jpeg as baselineJpeg, makeRgba, personPattern } from "./engine-images";
import { concat, crc32, GIF_BYTES, makeHeic, makePng, makeWebp } from "./images";

const ascii = (s: string) => new TextEncoder().encode(s);
const u16be = (n: number) => new Uint8Array([(n >>> 8) & 255, n & 255]);
const u32be = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const u16le = (n: number) => new Uint8Array([n & 255, (n >>> 8) & 255]);
const u32le = (n: number) => new Uint8Array([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]);

// ---------------------------------------------------------------- JPEG

/** A real baseline JPEG (one scan, no fill bytes) of a person-like gradient. */
export function realJpeg(width = 240, height = 240): Promise<Uint8Array> {
  return baselineJpeg(makeRgba(width, height, personPattern(width, height)));
}

/** Offset of the first marker `code` in a fill-byte-free JPEG's header segments. */
function markerAt(jpeg: Uint8Array, code: number): number {
  let o = 2;
  while (o + 4 <= jpeg.length) {
    if (jpeg[o] !== 0xff) throw new Error(`no marker at ${o}`);
    if (jpeg[o + 1] === code) return o;
    if (jpeg[o + 1] === 0xda) break;
    o += 2 + ((jpeg[o + 2]! << 8) | jpeg[o + 3]!);
  }
  throw new Error(`marker FF${code.toString(16)} not found before the scan`);
}

function eoiAt(jpeg: Uint8Array): number {
  for (let i = jpeg.length - 2; i > 0; i--) if (jpeg[i] === 0xff && jpeg[i + 1] === 0xd9) return i;
  throw new Error("no EOI");
}

function sof0(width: number, height: number): Uint8Array {
  return concat(
    new Uint8Array([0xff, 0xc0, 0x00, 0x11, 0x08]),
    u16be(height),
    u16be(width),
    new Uint8Array([0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]),
  );
}

/**
 * The attack from the issue: one 0xFF fill byte before the SOF (legal, T.81
 * B.1.1.2), whose size is patched to `claimed`; after EOI, 64 KiB of zeros and
 * a fake SOF0 of `decoy` size. A reader that ignores fill bytes (image-size
 * 2.1.0) loses alignment at the SOF, resynchronises byte by byte and reports
 * the decoy; libjpeg/mozjpeg, and Drape's reader, see `claimed`.
 */
export async function jpegFillByteBeforeSof(claimed = { width: 7680, height: 7680 }, decoy = { width: 240, height: 240 }): Promise<Uint8Array> {
  const base = await realJpeg();
  const sof = markerAt(base, 0xc0);
  const patched = base.slice();
  patched.set(u16be(claimed.height), sof + 5);
  patched.set(u16be(claimed.width), sof + 7);
  const end = eoiAt(patched) + 2;
  return concat(
    patched.subarray(0, sof),
    new Uint8Array([0xff]),
    patched.subarray(sof, end),
    new Uint8Array(65_536),
    new Uint8Array([0x00, 0x02]),
    sof0(decoy.width, decoy.height),
    new Uint8Array([0xff, 0xd9]),
  );
}

/** A real JPEG followed, after its EOI, by bytes holding a fake SOF (as appended previews and videos do). */
export async function jpegTrailingFakeSof(width = 300, height = 400, fake = { width: 7000, height: 7000 }): Promise<Uint8Array> {
  const base = await realJpeg(width, height);
  return concat(base, ascii("trailer"), new Uint8Array([0xff, 0xd8]), sof0(fake.width, fake.height), new Uint8Array(32));
}

/** A second SOF after the scan, before EOI. */
export async function jpegSofAfterSos(): Promise<Uint8Array> {
  const base = await realJpeg();
  const eoi = eoiAt(base);
  return concat(base.subarray(0, eoi), sof0(7680, 7680), base.subarray(eoi));
}

/** Two SOF segments before the scan (the second one larger). */
export async function jpegTwoSofs(): Promise<Uint8Array> {
  const base = await realJpeg();
  const sof = markerAt(base, 0xc0);
  return concat(base.subarray(0, sof), sof0(7680, 7680), base.subarray(sof));
}

/** EOI right after SOI/APP0, then the real image. */
export async function jpegEoiBeforeSof(): Promise<Uint8Array> {
  const base = await realJpeg();
  return concat(base.subarray(0, 2), new Uint8Array([0xff, 0xd9]), base.subarray(2));
}

// ---------------------------------------------------------------- PNG

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const td = concat(ascii(type), data);
  return concat(u32be(data.length), td, u32be(crc32(td)));
}

/** A real PNG whose IHDR is rewritten to claim `width`×`height` (valid CRC): the IDAT still holds the original pixels. */
export async function pngIhdrLies(width: number, height: number, real = { width: 240, height: 240 }, flat = true): Promise<Uint8Array> {
  const png = await makePng(real.width, real.height, flat ? () => [40, 90, 160, 255] : undefined);
  const ihdr = concat(u32be(width), u32be(height), png.subarray(24, 29));
  return concat(png.subarray(0, 8), pngChunk("IHDR", ihdr), png.subarray(33));
}

// ---------------------------------------------------------------- WebP

/** An extended (VP8X) WebP whose canvas claims `canvas` around a real `frame`-sized VP8 frame. */
export async function webpCanvasLies(canvas = { width: 7680, height: 7680 }, frame = { width: 300, height: 300 }): Promise<Uint8Array> {
  const simple = await makeWebp(frame.width, frame.height);
  const vp8 = simple.subarray(12); // the "VP8 " chunk of the simple file
  const vp8x = concat(ascii("VP8X"), u32le(10), new Uint8Array([0, 0, 0, 0]), u24le(canvas.width - 1), u24le(canvas.height - 1));
  const body = concat(ascii("WEBP"), vp8x, vp8);
  return concat(ascii("RIFF"), u32le(body.length), body);
}

/** An animated WebP: VP8X with the animation flag (no frames needed to be recognised). */
export function animatedWebp(): Uint8Array {
  const vp8x = concat(ascii("VP8X"), u32le(10), new Uint8Array([0x02, 0, 0, 0]), u24le(299), u24le(299));
  const anim = concat(ascii("ANIM"), u32le(6), new Uint8Array(6));
  const body = concat(ascii("WEBP"), vp8x, anim);
  return concat(ascii("RIFF"), u32le(body.length), body);
}

function u24le(n: number): Uint8Array {
  return new Uint8Array([n & 255, (n >>> 8) & 255, (n >>> 16) & 255]);
}

// ---------------------------------------------------------------- HEIC

/** A HEIC whose primary item points at two size properties (thumbnail's and its own): ambiguous, refused. */
export function heicTwoSizes(): Uint8Array {
  return makeHeic(3000, 4000, "heic", { primaryProps: [1, 2] });
}

// ---------------------------------------------------------------- truncated files

/** Each accepted format, cut short the way an interrupted transfer cuts it. */
export async function truncatedSamples(): Promise<Array<[string, Uint8Array]>> {
  const jpeg = await realJpeg(300, 300);
  const png = await makePng(300, 300);
  const webp = await makeWebp(300, 300);
  const heic = makeHeic(600, 800);
  return [
    ["JPEG cut mid-scan", jpeg.subarray(0, Math.floor(jpeg.length * 0.6))],
    ["JPEG cut in its headers", jpeg.subarray(0, 120)],
    ["PNG without IEND", png.subarray(0, png.length - 12)],
    ["PNG cut mid-IDAT", png.subarray(0, Math.floor(png.length / 2))],
    ["WebP cut short", webp.subarray(0, webp.length - 10)],
    ["HEIC cut short", heic.subarray(0, heic.length - 6)],
  ];
}

// ---------------------------------------------------------------- types Drape refuses

/** A 2×2 24-bit BMP (BITMAPINFOHEADER). */
export function bmpSample(): Uint8Array {
  const pixels = new Uint8Array(16).fill(0x80);
  const dib = concat(u32le(40), u32le(2), u32le(2), u16le(1), u16le(24), u32le(0), u32le(pixels.length), u32le(2835), u32le(2835), u32le(0), u32le(0));
  return concat(ascii("BM"), u32le(14 + dib.length + pixels.length), u32le(0), u32le(14 + dib.length), dib, pixels);
}

/** A little-endian TIFF: header and an IFD with width/length. */
export function tiffSample(): Uint8Array {
  const entry = (tag: number, value: number) => concat(u16le(tag), u16le(3), u32le(1), u16le(value), u16le(0));
  return concat(ascii("II"), u16le(42), u32le(8), u16le(2), entry(0x100, 300), entry(0x101, 300), u32le(0));
}

/** An AVIF header: ftyp avif (compatible mif1, miaf) + a meta box. */
export function avifSample(): Uint8Array {
  const heicLike = makeHeic(600, 800);
  const ftyp = concat(u32be(28), ascii("ftyp"), ascii("avif"), u32be(0), ascii("avif"), ascii("mif1"), ascii("miaf"));
  const ftypLen = (heicLike[0]! << 24) | (heicLike[1]! << 16) | (heicLike[2]! << 8) | heicLike[3]!;
  return concat(ftyp, heicLike.subarray(ftypLen));
}

export const SVG_SAMPLE = ascii(
  '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="red"/></svg>\n',
);

/** An ICO with one 16×16 32-bit entry (PNG payload). */
export async function icoSample(): Promise<Uint8Array> {
  const png = await makePng(16, 16);
  const dir = concat(u16le(0), u16le(1), u16le(1));
  const entry = concat(new Uint8Array([16, 16, 0, 0]), u16le(1), u16le(32), u32le(png.length), u32le(22));
  return concat(dir, entry, png);
}

/** Every refused type with the name and media type the error must give. */
export async function foreignSamples(): Promise<Array<{ name: string; mediaType: string; bytes: Uint8Array }>> {
  return [
    { name: "GIF", mediaType: "image/gif", bytes: GIF_BYTES },
    { name: "BMP", mediaType: "image/bmp", bytes: bmpSample() },
    { name: "TIFF", mediaType: "image/tiff", bytes: tiffSample() },
    { name: "AVIF", mediaType: "image/avif", bytes: avifSample() },
    { name: "SVG", mediaType: "image/svg+xml", bytes: SVG_SAMPLE },
    { name: "ICO", mediaType: "image/vnd.microsoft.icon", bytes: await icoSample() },
    { name: "animated WebP", mediaType: "image/webp", bytes: animatedWebp() },
  ];
}
