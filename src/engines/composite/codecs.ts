/**
 * The image codecs of the composite engine, watermark and test mark: pure JS
 * (jpeg-js for JPEG, fast-png for PNG), so the deploy carries no WASM and
 * their memory is garbage-collected after each decode. WebP, HEIC and CMYK
 * JPEG are not decoded here: the Images binding converts them first (see
 * upright.ts and inputs.ts), and `decodeImage` refuses them.
 */

import { decode as decodePngRaw } from "fast-png";
import { decode as decodeJpegRaw, encode as encodeJpegRaw } from "jpeg-js";
import { type ImageHeader, tryReadImageHeader } from "../../lib/image-header";
import { DECODE_BUDGET_BYTES, decodeFootprint, fitsDecodeBudget } from "./decode-budget";
import type { Rgba } from "./pixels";
import { pngToRgba8 } from "./png-rgba";

type DecodableFormat = "jpeg" | "png";

/** Why a decode was not started (the header is unreadable, an image `convertedKind` names, or over the budget). */
export class DecodeRefused extends Error {
  override readonly name = "DecodeRefused";
}

/**
 * Decode accounting, for tests and logs: how many decodes reached a codec,
 * how many were refused before it, and the largest size one was started at.
 */
export const decodeStats = { started: 0, refused: 0, largestStartedPixels: 0 };

/**
 * The only way into the decoders. It reads the header itself (never trusting
 * a caller's idea of the size), refuses before the codec sees a byte when the
 * decode would exceed DECODE_BUDGET_BYTES, hands the codec only the image
 * proper (bytes after JPEG EOI / PNG IEND are dropped, as the header reader
 * ignores them), and checks that the codec produced the size the header
 * announced. `expected`, when given, must be the format the bytes turn out to
 * be. Returns RGBA8 in the stored frame (EXIF orientation is NOT applied here).
 */
export async function decodeImage(bytes: Uint8Array, expected?: DecodableFormat): Promise<Rgba> {
  const header = tryReadImageHeader(bytes);
  if (!header) return refuse("the bytes are not a readable JPEG, PNG or WebP image");
  if (expected && header.format !== expected) return refuse(`the bytes are ${header.format.toUpperCase()}, not ${expected.toUpperCase()}`);
  const kind = convertedKind(header);
  if (kind || (header.format !== "jpeg" && header.format !== "png")) return refuse(`there is no ${kind ?? header.format} decoder in the Worker`);
  if (!fitsDecodeBudget(header)) {
    return refuse(
      `a ${header.width}×${header.height} ${header.format.toUpperCase()} needs ${decodeFootprint(header)} bytes to decode; the budget is ${DECODE_BUDGET_BYTES}`,
    );
  }
  decodeStats.started++;
  decodeStats.largestStartedPixels = Math.max(decodeStats.largestStartedPixels, header.width * header.height);
  const img = runCodec(bytes.subarray(0, header.end), header.format, header.width * header.height);
  if (!img.width || !img.height || img.data.length < img.width * img.height * 4) throw new Error("decoder returned no pixels");
  if (img.width !== header.width || img.height !== header.height) {
    // Cannot happen while the header reader follows the format as the codec does; refuse rather than trust either.
    throw new Error(`the decoder read ${img.width}×${img.height} where the header says ${header.width}×${header.height}`);
  }
  return img;
}

/**
 * What the Worker leaves to the Images binding, by name, or null for a JPEG/PNG it decodes: WebP
 * and HEIC (no decoder here), and a four-component (CMYK/YCCK) JPEG, which jpeg-js would turn
 * into RGB without its colour profile — visibly wrong colours — where Cloudflare Images applies it.
 */
export function convertedKind(header: Pick<ImageHeader, "format" | "layout">): "WebP" | "HEIC" | "CMYK JPEG" | null {
  if (header.format === "webp") return "WebP";
  if (header.format === "heic") return "HEIC";
  if (header.layout.kind === "jpeg" && header.layout.components.length === 4) return "CMYK JPEG";
  return null;
}

function refuse(why: string): never {
  decodeStats.refused++;
  throw new DecodeRefused(why);
}

function runCodec(bytes: Uint8Array, format: DecodableFormat, pixels: number): Rgba {
  if (format === "png") {
    const png = decodePngRaw(bytes);
    return { data: pngToRgba8(png), width: png.width, height: png.height };
  }
  const jpeg = decodeJpegRaw(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    // A truncated or corrupt scan is an error, not a grey-filled image.
    tolerantDecoding: false,
    // jpeg-js's own caps, a second line behind the header check above.
    maxResolutionInMP: Math.ceil(pixels / 1e6),
    maxMemoryUsageInMB: DECODE_BUDGET_BYTES / (1024 * 1024),
  });
  return { data: new Uint8ClampedArray(jpeg.data.buffer, jpeg.data.byteOffset, jpeg.data.byteLength), width: jpeg.width, height: jpeg.height };
}

/** Encodes RGBA8 as a baseline 4:4:4 JPEG (alpha ignored: flatten first). Deterministic for equal input. */
export async function encodeJpeg(img: Rgba, quality = 85): Promise<Uint8Array> {
  const out = encodeJpegRaw({ data: img.data, width: img.width, height: img.height }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}
