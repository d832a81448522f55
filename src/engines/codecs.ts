/**
 * WASM codecs for the composite engine (@jsquash). The `.wasm` files are
 * imported as compiled modules and handed to `init` — the only style that works
 * with wrangler's bundler and the vitest pool (reference/workerd-libraries.md §1).
 * Each codec is initialised once per isolate, on first use, so an isolate that
 * never decodes WebP never instantiates (and never grows) that module's memory.
 */
import decodeJpegRaw, { init as initJpegDec } from "@jsquash/jpeg/decode.js";
import encodeJpegRaw, { init as initJpegEnc } from "@jsquash/jpeg/encode.js";
import decodePngRaw, { init as initPngDec } from "@jsquash/png/decode.js";
import decodeWebpRaw, { init as initWebpDec } from "@jsquash/webp/decode.js";
import jpegDecWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import jpegEncWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
// @ts-expect-error -- the package ships a .d.ts of the wasm exports; the bundler imports it as a WebAssembly.Module
import pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import webpDecWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import { imageSize } from "image-size";
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

/** Stored (as-encoded) dimensions read from the header only; null when the header is unreadable. */
export function headerSize(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    const s = imageSize(bytes);
    if (!s.width || !s.height) return null;
    return { width: s.width, height: s.height };
  } catch {
    return null;
  }
}

/**
 * True when a JPEG's entropy-coded data ends with an EOI marker. mozjpeg decodes
 * truncated files "successfully" (grey fill), so the engine checks this itself:
 * walk the segments to the first top-level SOS (skipping APP1/EXIF thumbnails,
 * which carry their own markers), then look for FF D9 after it.
 */
export function jpegLooksComplete(b: Uint8Array): boolean {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (marker === 0xda) {
      for (let j = i + 2 + len; j + 1 < b.length; j++) if (b[j] === 0xff && b[j + 1] === 0xd9) return true;
      return false;
    }
    i += 2 + len;
  }
  return false;
}

/** Decodes to RGBA8 in the stored frame (EXIF orientation is NOT applied here). Throws on bad bytes. */
export async function decodeImage(bytes: Uint8Array, format: DecodableFormat): Promise<Rgba> {
  let img: { data: Uint8ClampedArray; width: number; height: number };
  if (format === "jpeg") {
    if (!jpegLooksComplete(bytes)) throw new Error("truncated JPEG");
    jpegDecReady ??= initJpegDec(jpegDecWasm);
    await jpegDecReady;
    img = await decodeJpegRaw(toArrayBuffer(bytes), { preserveOrientation: false });
  } else if (format === "png") {
    pngReady ??= initPngDec(pngWasm as WebAssembly.Module);
    await pngReady;
    img = await decodePngRaw(toArrayBuffer(bytes));
  } else {
    webpReady ??= initWebpDec(webpDecWasm);
    await webpReady;
    img = await decodeWebpRaw(toArrayBuffer(bytes));
  }
  if (!img || !img.width || !img.height || img.data.length < img.width * img.height * 4) {
    throw new Error("decoder returned no pixels");
  }
  return { data: img.data, width: img.width, height: img.height };
}

/** Encodes RGBA8 as a baseline JPEG (alpha ignored: flatten first). Deterministic for equal input. */
export async function encodeJpeg(img: Rgba, quality = 85): Promise<Uint8Array> {
  jpegEncReady ??= initJpegEnc(jpegEncWasm);
  await jpegEncReady;
  const imageData = { data: img.data, width: img.width, height: img.height, colorSpace: "srgb" } as unknown as Parameters<typeof encodeJpegRaw>[0];
  const out = await encodeJpegRaw(imageData, { quality, progressive: false });
  return new Uint8Array(out);
}
