/**
 * The composite engine's decode gate: how one input image gets from stored
 * bytes to RGBA without a header ever deciding how much the isolate allocates.
 *
 * 1. The bytes are read with the same header reader intake used, and must
 *    match what intake recorded (format, width, height) — a stored image whose
 *    bytes say otherwise is refused, never decoded.
 * 2. Within the pixel cap AND the decode budget (decode-budget.ts) it is
 *    decoded as stored; otherwise it is downscaled outside the isolate by the
 *    Images binding first, or refused when there is none. WebP and HEIC,
 *    which have no decoder in the Worker, always go through the binding.
 * 3. The codec entry point (codecs.ts) re-reads the header and enforces the
 *    budget again, so no other path can start an oversized decode either.
 */
import type { RuntimeErrorCode } from "../../errors";
import { type ImageHeader, ImageHeaderError, readImageHeader, tryReadImageHeader } from "../../lib/image-header";
import type { EngineImage } from "../types";
import { convertedKind, DecodeRefused, decodeImage } from "./codecs";
import { copyPixelsWithinBudget, fitsDecodeBudget, maxPixelsWithinBudget } from "./decode-budget";
import { orientedSize, type Rgba } from "./pixels";

/** Long side an over-cap photo is downscaled to outside the isolate before it is decoded. */
export const PRESHRINK_SIDE = 2048;

/**
 * A downscaler and converter that runs outside the isolate (the Cloudflare
 * Images binding): returns the image upright (EXIF orientation applied), no
 * larger than `maxSide` on either side, as `format` bytes (JPEG by default;
 * PNG keeps an alpha channel).
 */
export type Shrinker = (bytes: Uint8Array, maxSide: number, format?: CopyFormat) => Promise<Uint8Array>;

export type CopyFormat = "jpeg" | "png";

export interface Limits {
  /** Inputs above this many pixels are shrunk first (or refused without `shrink`). */
  maxInputPixels: number;
  shrink: Shrinker | null;
}

export type Role = "person" | "garment";

/** A decoded input, in the frame its orientation describes, and the scale from the original displayed frame. */
export interface Loaded {
  rgba: Rgba;
  orientation: number | null;
  /** Decoded displayed width ÷ original displayed width (1 unless shrunk). */
  scale: number;
}

export class EngineFailure extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (code: RuntimeErrorCode, message: string): never => {
  throw new EngineFailure(code, message);
};

const labelOf = (role: Role) => (role === "person" ? "person image" : "garment (first product) image");

/** Checks, (shrinks,) and decodes one input. Every refusal is IMAGE_PROCESSING_FAILED. */
export async function loadInput(img: EngineImage, role: Role, limits: Limits): Promise<Loaded> {
  const label = labelOf(role);
  const header = readRecorded(img, label);
  const kind = convertedKind(header);
  if (kind) return loadConverted(img, header, kind, label, limits);
  if (withinLimits(header, limits)) {
    return { rgba: await decodeOrFail(img.bytes, label), orientation: img.orientation, scale: 1 };
  }
  const pixels = header.width * header.height;
  const cap = Math.min(limits.maxInputPixels, maxPixelsWithinBudget(header));
  const tooBig = `The ${label} is ${header.width}×${header.height} (${(pixels / 1e6).toFixed(1)} MP); the composite engine decodes at most ${(cap / 1e6).toFixed(1)} MP of a ${header.format.toUpperCase()} like this one to stay within Worker memory`;
  const why: Record<ShrinkFailure, string> = {
    unavailable: ", and no image downscaler (IMAGES binding) is configured. Send a smaller image.",
    failed: ", and downscaling it first failed.",
    unusable: ", and the downscaled copy was not usable.",
  };
  const shown = orientedSize(header.width, header.height, img.orientation);
  return shrinkAndDecode(img, label, shown, limits, { checkAspect: true, format: "jpeg" }, (reason) =>
    fail("IMAGE_PROCESSING_FAILED", `${tooBig}${why[reason]}`),
  );
}

/**
 * The header of the stored bytes, which must be what intake recorded for this
 * image. A disagreement means the bytes or the record cannot be trusted (a
 * row written by an older reader, a changed object): nothing is decoded.
 */
function readRecorded(img: EngineImage, label: string): ImageHeader {
  let header: ImageHeader;
  try {
    header = readImageHeader(img.bytes);
  } catch (err) {
    if (err instanceof ImageHeaderError) return fail("IMAGE_PROCESSING_FAILED", `The ${label} could not be read: ${err.message}`);
    throw err;
  }
  if (header.format !== img.format || header.width !== img.width || header.height !== img.height) {
    return fail(
      "IMAGE_PROCESSING_FAILED",
      `The ${label}'s bytes are a ${header.width}×${header.height} ${header.format.toUpperCase()}, but it was recorded as a ${img.width}×${img.height} ${img.format.toUpperCase()}; the composite engine does not decode an image whose size it cannot trust.`,
    );
  }
  return header;
}

function withinLimits(header: ImageHeader, limits: Limits): boolean {
  return header.width * header.height <= limits.maxInputPixels && fitsDecodeBudget(header);
}

/**
 * WebP, HEIC and CMYK JPEG are not decoded in the Worker (codecs.ts,
 * `convertedKind`); the Images binding (Cloudflare Images reads all three)
 * converts them to an upright copy first: PNG when a WebP may carry alpha (a
 * cut-out packshot keeps its transparency), JPEG otherwise. Without a
 * binding, or where it cannot read the image (locally, sharp is built without
 * HEVC), it is a typed failure.
 */
function loadConverted(
  img: EngineImage,
  header: ImageHeader,
  kind: NonNullable<ReturnType<typeof convertedKind>>,
  label: string,
  limits: Limits,
): Promise<Loaded> {
  const why: Record<ShrinkFailure, string> = {
    unavailable: " (no Images binding is configured to convert it)",
    failed: " (the Images binding could not convert it)",
    unusable: " (its converted copy was not usable)",
  };
  const shown = orientedSize(img.width, img.height, img.orientation);
  const format: CopyFormat = header.layout.kind === "webp" && header.layout.alpha ? "png" : "jpeg";
  const instead: Record<typeof kind, string> = {
    WebP: "Send JPEG or PNG",
    HEIC: "Send JPEG, PNG or WebP, or use an engine that accepts HEIC (fashn)",
    "CMYK JPEG": "Send an RGB JPEG, PNG or WebP",
  };
  const article = kind === "CMYK JPEG" ? "a " : "";
  // A WebP's or JPEG's displayed aspect is known from its header; a HEIC's is not (its rotation lives in the container).
  return shrinkAndDecode(img, label, shown, limits, { checkAspect: kind !== "HEIC", format }, (reason) =>
    fail("IMAGE_PROCESSING_FAILED", `The ${label} is ${article}${kind}, which the composite engine cannot decode${why[reason]}. ${instead[kind]}.`),
  );
}

type ShrinkFailure = "unavailable" | "failed" | "unusable";

/**
 * Has the Images binding make an upright `format` copy that fits the pixel cap
 * and the decode budget (long side at most PRESHRINK_SIDE, less when that
 * would still exceed either), reads the copy's header (JPEG or PNG, the
 * displayed aspect, within the cap and the budget) and decodes it. `refuse` turns each way this can fail
 * into the caller's message.
 */
async function shrinkAndDecode(
  img: EngineImage,
  label: string,
  shown: { width: number; height: number },
  limits: Limits,
  opts: { checkAspect: boolean; format: CopyFormat },
  refuse: (reason: ShrinkFailure) => never,
): Promise<Loaded> {
  if (!limits.shrink) return refuse("unavailable");
  const longSide = Math.max(shown.width, shown.height);
  const shortSide = Math.max(1, Math.min(shown.width, shown.height));
  const maxPixels = Math.min(limits.maxInputPixels, copyPixelsWithinBudget(opts.format));
  const maxSide = Math.min(PRESHRINK_SIDE, Math.floor(Math.sqrt((maxPixels * longSide) / shortSide)));
  let copy: Uint8Array;
  try {
    copy = await limits.shrink(img.bytes, maxSide, opts.format);
  } catch {
    return refuse("failed");
  }
  const header = tryReadImageHeader(copy);
  if (!header || (header.format !== "jpeg" && header.format !== "png") || convertedKind(header) || !withinLimits(header, limits)) return refuse("unusable");
  const aspect = (w: number, h: number) => w / Math.max(1, h);
  if (opts.checkAspect && Math.abs(aspect(header.width, header.height) - aspect(shown.width, shown.height)) > 0.02) return refuse("unusable");
  return { rgba: await decodeOrFail(copy, `${label}'s downscaled copy`), orientation: 1, scale: header.width / Math.max(1, shown.width) };
}

async function decodeOrFail(bytes: Uint8Array, label: string): Promise<Rgba> {
  try {
    return await decodeImage(bytes);
  } catch (err) {
    const why = err instanceof DecodeRefused ? err.message : "its data is corrupt or truncated";
    return fail("IMAGE_PROCESSING_FAILED", `The ${label} could not be decoded: ${why}.`);
  }
}
