/**
 * WASM codecs for the composite engine (@jsquash). The `.wasm` files are
 * imported as compiled modules and handed to `init` — the only style that works
 * with wrangler's bundler and the vitest pool (docs/architecture.md, record 11).
 * Each codec is initialised once per isolate, on first use, so an isolate that
 * never decodes WebP never instantiates (and never grows) that module's memory.
 */

import jpegDecWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import jpegEncWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import decodeJpegRaw, { init as initJpegDec } from "@jsquash/jpeg/decode.js";
import encodeJpegRaw, { init as initJpegEnc } from "@jsquash/jpeg/encode.js";
// @ts-expect-error -- the package ships a .d.ts of the wasm exports; the bundler imports it as a WebAssembly.Module
import pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import decodePngRaw, { init as initPngDec } from "@jsquash/png/decode.js";
import webpDecWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import decodeWebpRaw, { init as initWebpDec } from "@jsquash/webp/decode.js";
import { tryReadImageHeader } from "../../lib/image-header";
import { DECODE_BUDGET_BYTES, decodeFootprint, fitsDecodeBudget } from "./decode-budget";
import type { Rgba } from "./pixels";

type DecodableFormat = "jpeg" | "png" | "webp";

let jpegDecReady: Promise<unknown> | undefined;
let jpegEncReady: Promise<unknown> | undefined;
let pngReady: Promise<unknown> | undefined;
let webpReady: Promise<unknown> | undefined;

/** Copies the bytes into a fresh ArrayBuffer (the codecs take ArrayBuffer, inputs may be views). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return buf;
}

/** Why a decode was not started (the header is unreadable, HEIC, or over the budget). */
export class DecodeRefused extends Error {
  override readonly name = "DecodeRefused";
}

/**
 * Decode accounting, for tests and logs: how many decodes reached a codec,
 * how many were refused before it, and the largest size one was started at.
 */
export const decodeStats = { started: 0, refused: 0, largestStartedPixels: 0 };

/**
 * The only way into the WASM decoders. It reads the header itself (never
 * trusting a caller's idea of the size), refuses before the codec sees a byte
 * when the decode would exceed DECODE_BUDGET_BYTES, hands the codec only the
 * image proper (bytes after JPEG EOI / PNG IEND / the RIFF chunk are dropped,
 * as the header reader ignores them), and checks that the codec produced the
 * size the header announced. `expected`, when given, must be the format the
 * bytes turn out to be. Returns RGBA8 in the stored frame (EXIF
 * orientation is NOT applied here).
 */
export async function decodeImage(bytes: Uint8Array, expected?: DecodableFormat): Promise<Rgba> {
  const header = tryReadImageHeader(bytes);
  if (!header) return refuse("the bytes are not a readable JPEG, PNG or WebP image");
  if (expected && header.format !== expected) return refuse(`the bytes are ${header.format.toUpperCase()}, not ${expected.toUpperCase()}`);
  if (header.format === "heic") return refuse("there is no HEIC decoder in the Worker");
  if (!fitsDecodeBudget(header)) {
    return refuse(
      `a ${header.width}×${header.height} ${header.format.toUpperCase()} needs ${decodeFootprint(header)} bytes to decode; the budget is ${DECODE_BUDGET_BYTES}`,
    );
  }
  decodeStats.started++;
  decodeStats.largestStartedPixels = Math.max(decodeStats.largestStartedPixels, header.width * header.height);
  const img = await runCodec(toArrayBuffer(bytes.subarray(0, header.end)), header.format);
  if (!img?.width || !img.height || img.data.length < img.width * img.height * 4) throw new Error("decoder returned no pixels");
  if (img.width !== header.width || img.height !== header.height) {
    // Cannot happen while the header reader follows the format as the codec does; refuse rather than trust either.
    throw new Error(`the decoder read ${img.width}×${img.height} where the header says ${header.width}×${header.height}`);
  }
  return { data: img.data, width: img.width, height: img.height };
}

function refuse(why: string): never {
  decodeStats.refused++;
  throw new DecodeRefused(why);
}

async function runCodec(buf: ArrayBuffer, format: DecodableFormat): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  if (format === "jpeg") {
    jpegDecReady ??= initJpegDec(jpegDecWasm);
    await jpegDecReady;
    return decodeJpegRaw(buf, { preserveOrientation: false });
  }
  if (format === "png") {
    pngReady ??= initPngDec(pngWasm as WebAssembly.Module);
    await pngReady;
    return decodePngRaw(buf);
  }
  webpReady ??= initWebpDec(webpDecWasm);
  await webpReady;
  return decodeWebpRaw(buf);
}

/** Encodes RGBA8 as a baseline JPEG (alpha ignored: flatten first). Deterministic for equal input. */
export async function encodeJpeg(img: Rgba, quality = 85): Promise<Uint8Array> {
  jpegEncReady ??= initJpegEnc(jpegEncWasm);
  await jpegEncReady;
  const imageData = { data: img.data, width: img.width, height: img.height, colorSpace: "srgb" } as unknown as Parameters<typeof encodeJpegRaw>[0];
  const out = await encodeJpegRaw(imageData, { quality, progressive: false });
  return new Uint8Array(out);
}
