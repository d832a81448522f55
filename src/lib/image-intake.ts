import { HEIF } from "image-size/types/heif";
import { ApiError } from "../errors";

/**
 * The one image intake (docs/images-and-products.md): every route or job that receives image
 * bytes (upload, multipart products/try-on, fetched URLs) runs them through
 * `inspectImage`. The type is judged by magic bytes only; dimensions come from
 * the header (no pixel decode, no allocation proportional to the claimed size),
 * so a header claiming 60000×60000 costs a few byte reads.
 */
export type ImageFormat = "jpeg" | "png" | "webp" | "heic";

export interface ImageInfo {
  format: ImageFormat;
  contentType: string;
  width: number;
  height: number;
  /** EXIF orientation 1–8 (JPEG only), null when absent. */
  orientation: number | null;
  byteSize: number;
}

export const IMAGE_MIN_SIDE = 240;
export const IMAGE_MAX_SIDE = 7680;
/** 10 MB per image; src/http/body-limit.ts re-exports this one value. */
export const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
};

export function contentTypeOf(format: ImageFormat): string {
  return CONTENT_TYPES[format];
}

export function extensionOf(format: ImageFormat): string {
  return format === "jpeg" ? "jpg" : format;
}

/** Reads a stream, aborting as soon as more than maxBytes arrived; throws the ApiError returned by onTooLarge. */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop pulling: the rest of the body is never buffered.
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Magic-byte sniff + header-only dimensions + EXIF orientation. */
export function inspectImage(bytes: Uint8Array): ImageInfo {
  if (bytes.byteLength > IMAGE_MAX_BYTES) {
    throw new ApiError("FILE_TOO_LARGE", `The image is ${bytes.byteLength} bytes; the limit is ${IMAGE_MAX_BYTES} bytes (10 MB).`);
  }
  if (bytes.byteLength < 16) {
    throw new ApiError("INVALID_IMAGE", `The image is ${bytes.byteLength} bytes long: too short to be a JPEG, PNG, WebP or HEIC image.`);
  }
  const format = sniffFormat(bytes);
  if (!format) {
    throw new ApiError("UNSUPPORTED_IMAGE_TYPE", `The bytes are not a JPEG, PNG, WebP or HEIC image${describeKnown(bytes)}.`);
  }
  let dims: { width: number; height: number; orientation: number | null };
  try {
    dims = PARSERS[format](bytes);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw invalid(format, err instanceof Error ? err.message : "unreadable header");
  }
  const { width, height } = dims;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw invalid(format, "the header has no usable width/height");
  }
  if (width < IMAGE_MIN_SIDE || height < IMAGE_MIN_SIDE || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) {
    throw new ApiError(
      "IMAGE_DIMENSIONS_OUT_OF_RANGE",
      `The image is ${width}×${height} px; each side must be between ${IMAGE_MIN_SIDE} and ${IMAGE_MAX_SIDE} px.`,
      { details: { width, height, min: IMAGE_MIN_SIDE, max: IMAGE_MAX_SIDE } },
    );
  }
  return { format, contentType: CONTENT_TYPES[format], width, height, orientation: dims.orientation, byteSize: bytes.byteLength };
}

function invalid(format: ImageFormat, why: string): ApiError {
  return new ApiError("INVALID_IMAGE", `The ${format.toUpperCase()} image is truncated or malformed: ${why}.`);
}

// ---------------------------------------------------------------- sniffing

const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis"]);
const HEIF_GENERIC_BRANDS = new Set(["mif1", "msf1"]);

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b[0] === 0x89 && ascii(b, 1, 4) === "PNG" && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return "png";
  // RIFF alone also matches WAV/AVI: the form type at 8 must be WEBP.
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "webp";
  if (ascii(b, 4, 8) === "ftyp") {
    const size = u32be(b, 0);
    const major = ascii(b, 8, 12);
    if (HEIC_BRANDS.has(major)) return "heic";
    // Generic HEIF brands are shared with AVIF: look at the compatible brands.
    if (HEIF_GENERIC_BRANDS.has(major)) {
      const end = Math.min(size, b.length);
      for (let i = 16; i + 4 <= end; i += 4) if (HEIC_BRANDS.has(ascii(b, i, i + 4))) return "heic";
    }
  }
  return null;
}

/** A hint for the error message when the bytes are a well-known other type. */
function describeKnown(b: Uint8Array): string {
  const head = ascii(b, 0, 8);
  if (head.startsWith("GIF8")) return " (it looks like a GIF)";
  if (head.startsWith("%PDF")) return " (it looks like a PDF)";
  if (ascii(b, 4, 8) === "ftyp" && ascii(b, 8, 12).startsWith("avi")) return " (it looks like AVIF)";
  if (head.startsWith("BM")) return " (it looks like a BMP)";
  if (head.startsWith("II*") || head.startsWith("MM\u0000*")) return " (it looks like a TIFF)";
  return "";
}

// ---------------------------------------------------------------- parsers

type Dims = { width: number; height: number; orientation: number | null };

const PARSERS: Record<ImageFormat, (b: Uint8Array) => Dims> = { jpeg: parseJpeg, png: parsePng, webp: parseWebp, heic: parseHeic };

function u16be(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new Error("unexpected end of data");
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
function u32be(b: Uint8Array, o: number): number {
  if (o + 4 > b.length) throw new Error("unexpected end of data");
  return (((b[o] ?? 0) << 24) >>> 0) + (((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0));
}
function u16le(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) throw new Error("unexpected end of data");
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function u32le(b: Uint8Array, o: number): number {
  return (u16le(b, o) + u16le(b, o + 2) * 65536) >>> 0;
}

/**
 * Walks the JPEG marker segments up to the start of scan. SOFn (C0–CF except
 * C4, C8, CC) gives height then width; APP1 "Exif" gives the orientation. The
 * file must then end its entropy-coded data with an EOI marker (FFD9):
 * a file cut mid-transfer has none.
 */
function parseJpeg(b: Uint8Array): Dims {
  let o = 2;
  let width = 0;
  let height = 0;
  let orientation: number | null = null;
  let sos = -1;
  while (o < b.length) {
    if (b[o] !== 0xff) throw new Error(`expected a marker at byte ${o}`);
    const marker = b[o + 1];
    if (marker === undefined) throw new Error("unexpected end of data");
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2;
      continue;
    }
    if (marker === 0xd9) throw new Error("end of image before any scan");
    const len = u16be(b, o + 2);
    if (len < 2 || o + 2 + len > b.length) throw new Error("a segment runs past the end of the data");
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (len < 7) throw new Error("short SOF segment");
      height = u16be(b, o + 5);
      width = u16be(b, o + 7);
    } else if (marker === 0xe1 && orientation === null && ascii(b, o + 4, o + 8) === "Exif") {
      orientation = exifOrientation(b.subarray(o + 10, o + 2 + len));
    } else if (marker === 0xda) {
      sos = o + 2 + len;
      break;
    }
    o += 2 + len;
  }
  if (!width || !height) throw new Error("no frame header (SOF) found");
  if (sos < 0) throw new Error("no scan data");
  let eoi = -1;
  for (let i = b.length - 2; i >= sos; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) {
      eoi = i;
      break;
    }
  }
  if (eoi < 0) throw new Error("no end-of-image marker: the file is cut short");
  return { width, height, orientation };
}

/** TIFF header + IFD0 search for tag 0x0112 (Orientation, SHORT, count 1). */
function exifOrientation(tiff: Uint8Array): number | null {
  try {
    const order = ascii(tiff, 0, 2);
    const le = order === "II";
    if (!le && order !== "MM") return null;
    const r16 = (o: number) => (le ? u16le(tiff, o) : u16be(tiff, o));
    const r32 = (o: number) => (le ? u32le(tiff, o) : u32be(tiff, o));
    const ifd = r32(4);
    const count = r16(ifd);
    for (let i = 0; i < count && i < 512; i++) {
      const entry = ifd + 2 + i * 12;
      if (r16(entry) === 0x0112) {
        const v = r16(entry + 8);
        return v >= 1 && v <= 8 ? v : null;
      }
    }
  } catch {
    // A broken EXIF block does not make the picture unusable: no orientation.
  }
  return null;
}

/** Signature, IHDR first (width/height u32 BE at 16/20), then a chunk walk that must reach IEND. */
function parsePng(b: Uint8Array): Dims {
  if (b.length < 33 || ascii(b, 12, 16) !== "IHDR") throw new Error("missing IHDR chunk");
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  let o = 8;
  for (let n = 0; ; n++) {
    if (o + 12 > b.length) throw new Error("the chunk list ends before IEND: the file is cut short");
    const len = u32be(b, o);
    if (len > 0x7fffffff) throw new Error("chunk length out of range");
    const type = ascii(b, o + 4, o + 8);
    if (o + 12 + len > b.length) throw new Error(`chunk ${type} runs past the end of the data`);
    if (type === "IEND") break;
    o += 12 + len;
    if (n > 1_000_000) throw new Error("too many chunks");
  }
  return { width, height, orientation: null };
}

/** RIFF size must fit the data; VP8 / VP8L / VP8X each store the canvas size differently. */
function parseWebp(b: Uint8Array): Dims {
  const riffSize = u32le(b, 4);
  if (riffSize + 8 > b.length) throw new Error("the RIFF container is longer than the data: the file is cut short");
  const chunk = ascii(b, 12, 16);
  if (chunk === "VP8 ") {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw new Error("bad VP8 start code");
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, orientation: null };
  }
  if (chunk === "VP8L") {
    if (b[20] !== 0x2f) throw new Error("bad VP8L signature");
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: null };
  }
  if (chunk === "VP8X") {
    const w = (b[24] ?? 0) | ((b[25] ?? 0) << 8) | ((b[26] ?? 0) << 16);
    const h = (b[27] ?? 0) | ((b[28] ?? 0) << 8) | ((b[29] ?? 0) << 16);
    if (b.length < 30) throw new Error("unexpected end of data");
    return { width: w + 1, height: h + 1, orientation: null };
  }
  throw new Error(`unknown WebP chunk "${chunk}"`);
}

/**
 * Top-level ISOBMFF boxes must all fit in the data (a cut file fails here);
 * the `ispe` property inside meta/iprp/ipco is read by image-size's HEIF parser.
 */
function parseHeic(b: Uint8Array): Dims {
  let o = 0;
  let sawMeta = false;
  while (o < b.length) {
    if (o + 8 > b.length) throw new Error("a box header is cut short");
    let size = u32be(b, o);
    const type = ascii(b, o + 4, o + 8);
    if (size === 1) {
      const hi = u32be(b, o + 8);
      const lo = u32be(b, o + 12);
      size = hi * 2 ** 32 + lo;
    } else if (size === 0) {
      size = b.length - o;
    }
    if (size < 8 || o + size > b.length) throw new Error(`box "${type}" runs past the end of the data`);
    if (type === "meta") sawMeta = true;
    o += size;
  }
  if (!sawMeta) throw new Error("no meta box");
  const r = HEIF.calculate(b);
  return { width: r.width, height: r.height, orientation: null };
}
