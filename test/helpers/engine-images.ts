/**
 * Real test images built in-test: JPEG (mozjpeg encoder), PNG (hand-built with
 * CompressionStream("deflate")), WebP (libwebp encoder), plus a HEIC-shaped blob.
 * Also an EngineInput builder for engine tests.
 */

import webpEncWasm from "@jsquash/webp/codec/enc/webp_enc_simd.wasm";
import encodeWebpRaw, { init as initWebpEnc } from "@jsquash/webp/encode.js";
import { decodeImage, encodeJpeg } from "../../src/engines/composite/codecs";
import type { Rgba } from "../../src/engines/composite/pixels";
import type { EngineImage, EngineInput } from "../../src/engines/types";
import { crc32, makeHeic } from "./images";

export type Px = [number, number, number, number?];

export function makeRgba(width: number, height: number, fn: (x: number, y: number) => Px): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = fn(x, y);
      const i = (y * width + x) * 4;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = a;
    }
  }
  return { data, width, height };
}

/** A "person": a smooth blue/green gradient (non-uniform, nothing red). */
export const personPattern =
  (w: number, h: number) =>
  (x: number, y: number): Px => [20, Math.round(60 + (120 * x) / w), Math.round(120 + (100 * y) / h)];

/** A "garment": a red shirt-ish block on a white studio background. */
export const garmentPattern =
  (w: number, h: number) =>
  (x: number, y: number): Px => {
    const inside = x > w * 0.2 && x < w * 0.8 && y > h * 0.15 && y < h * 0.9;
    return inside ? [200, 20 + ((x * 7) % 20), 30] : [250, 250, 250];
  };

export async function jpeg(img: Rgba, quality = 90): Promise<Uint8Array> {
  return encodeJpeg(img, quality);
}

let webpReady: Promise<unknown> | undefined;
export async function webp(img: Rgba): Promise<Uint8Array> {
  webpReady ??= initWebpEnc(webpEncWasm as unknown as Parameters<typeof initWebpEnc>[0]);
  await webpReady;
  const out = await encodeWebpRaw({ data: img.data, width: img.width, height: img.height } as unknown as Parameters<typeof encodeWebpRaw>[0], { quality: 90 });
  return new Uint8Array(out);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  const typeAndData = new Uint8Array(4 + data.length);
  typeAndData.set(new TextEncoder().encode(type), 0);
  typeAndData.set(data, 4);
  out.set(typeAndData, 4);
  dv.setUint32(8 + data.length, crc32(typeAndData));
  return out;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** RGBA8 PNG (colour type 6, filter 0 on every row). */
export async function png(img: Rgba): Promise<Uint8Array> {
  const raw = new Uint8Array(img.height * (1 + img.width * 4));
  for (let y = 0; y < img.height; y++) {
    raw.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), y * (1 + img.width * 4) + 1);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, img.width);
  dv.setUint32(4, img.height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", await deflate(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A HEIC header (no image data) of the given primary-image size: what intake accepts and records. */
export function heicLike(width = 3024, height = 4032): Uint8Array {
  return makeHeic(width, height);
}

/** Rewrites the SOF0/SOF2 dimensions of a JPEG (to test header-based refusals without encoding huge images). */
export function patchJpegSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      const dv = new DataView(out.buffer, out.byteOffset);
      dv.setUint16(i + 5, height);
      dv.setUint16(i + 7, width);
      return out;
    }
  }
  throw new Error("no SOF marker");
}

export async function decode(bytes: Uint8Array): Promise<Rgba> {
  const f = bytes[0] === 0xff ? "jpeg" : "png";
  return decodeImage(bytes, f);
}

export function pixel(img: Rgba, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * img.width + Math.floor(x)) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

/** Max channel difference between two colours. */
export function colourDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0]! - b[0]!), Math.abs(a[1]! - b[1]!), Math.abs(a[2]! - b[2]!));
}

export function engineImage(bytes: Uint8Array, format: EngineImage["format"], width: number, height: number, extra: Partial<EngineImage> = {}): EngineImage {
  return { bytes, format, width, height, orientation: null, ...extra };
}

export function engineInput(over: Partial<EngineInput> & Pick<EngineInput, "person" | "productImages">): EngineInput {
  return {
    generationId: "gen_test",
    productTitle: null,
    category: "tops",
    mode: null,
    seed: null,
    jobId: null,
    pollCount: 0,
    ...over,
  };
}
