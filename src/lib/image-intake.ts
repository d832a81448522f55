import { ApiError } from "../errors";
import { ACCEPTED_MEDIA_TYPES, type AcceptedFormat, type ImageHeader, ImageHeaderError, readImageHeader } from "./image-header";

/**
 * The one image intake: every route or job that receives image bytes (upload,
 * multipart products/try-on, fetched URLs) runs them through `inspectImage`.
 * Its refusals carry `details` naming the field that held the image.
 * Type, completeness, size and orientation come from `./image-header`, the
 * same reader the engines gate their decodes with; this module adds the
 * API's limits and turns refusals into API errors.
 */
export type ImageFormat = AcceptedFormat;

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

const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = ACCEPTED_MEDIA_TYPES;

export function contentTypeOf(format: ImageFormat): string {
  return CONTENT_TYPES[format];
}

export function extensionOf(format: ImageFormat): string {
  return format === "jpeg" ? "jpg" : format;
}

/** What one kind of image may be: its byte size, each side's pixel range, and the formats taken. */
export interface ImageLimits {
  maxBytes: number;
  minSide: number;
  maxSide: number;
  formats: readonly ImageFormat[];
}

const PHOTO_LIMITS: ImageLimits = { maxBytes: IMAGE_MAX_BYTES, minSide: IMAGE_MIN_SIDE, maxSide: IMAGE_MAX_SIDE, formats: ["jpeg", "png", "webp", "heic"] };

/**
 * An account logo (stamped on watermarked results, docs/try-on.md): small, so its decode beside
 * a result's stays far inside the isolate's memory, and in a format the Worker can decode (no HEIC).
 */
export const LOGO_LIMITS: ImageLimits = { maxBytes: 512 * 1024, minSide: 16, maxSide: 1024, formats: ["jpeg", "png", "webp"] };

/**
 * Type, completeness and header-only dimensions + EXIF orientation, within the
 * API's limits. `path` names the request field that held the image in the
 * refusal's `details` ("" when the caller has none to name).
 */
export function inspectImage(bytes: Uint8Array, path = ""): ImageInfo {
  return inspectWithin(bytes, path, PHOTO_LIMITS);
}

/** `inspectImage` with an account logo's limits (LOGO_LIMITS): the same refusals and codes. */
export function inspectLogo(bytes: Uint8Array, path = ""): ImageInfo & { format: "jpeg" | "png" | "webp" } {
  const info = inspectWithin(bytes, path, LOGO_LIMITS);
  if (info.format === "heic") throw new Error("unreachable: LOGO_LIMITS refuses HEIC");
  return { ...info, format: info.format };
}

function inspectWithin(bytes: Uint8Array, path: string, limits: ImageLimits): ImageInfo {
  if (bytes.byteLength > limits.maxBytes) {
    throw new ApiError("FILE_TOO_LARGE", `The image is ${bytes.byteLength} bytes; the limit is ${limits.maxBytes} bytes (${describeBytes(limits.maxBytes)}).`);
  }
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes);
  } catch (err) {
    if (err instanceof ImageHeaderError) throw intakeError(err, path, limits);
    throw err;
  }
  const { format, width, height } = header;
  if (!limits.formats.includes(format)) throw unsupportedError(`${format.toUpperCase()} is not accepted here.`, path, limits, CONTENT_TYPES[format], null);
  if (outOfRange(header, limits)) throw dimensionsError(header, path, limits);
  return { format, contentType: CONTENT_TYPES[format], width, height, orientation: header.orientation, byteSize: bytes.byteLength };
}

function describeBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${n / 1024} KB`;
}

/**
 * UNSUPPORTED_IMAGE_TYPE for a type Drape does not take (naming it when it is
 * recognisable, and the accepted ones); INVALID_IMAGE for a broken or cut-short
 * JPEG, PNG, WebP or HEIC.
 */
function intakeError(err: ImageHeaderError, path: string, limits: ImageLimits): ApiError {
  // A header that already announced an out-of-range size is refused for that first: it is the actionable part.
  if (err.kind === "invalid" && err.claimed && outOfRange(err.claimed, limits)) return dimensionsError(err.claimed, path, limits);
  if (err.kind === "invalid") return new ApiError("INVALID_IMAGE", err.message, { details: [{ path, message: err.message }] });
  return unsupportedError(err.message, path, limits, err.detected?.mediaType ?? null, err.detected?.name ?? null);
}

function unsupportedError(message: string, path: string, limits: ImageLimits, detectedType: string | null, detectedName: string | null): ApiError {
  const names = limits.formats.map((f) => (f === "webp" ? "WebP" : f.toUpperCase()));
  return new ApiError("UNSUPPORTED_IMAGE_TYPE", message, {
    details: [
      {
        path,
        message: `not a ${names.slice(0, -1).join(", ")} or ${names.at(-1)} image`,
        detectedType,
        detectedName,
        acceptedTypes: limits.formats.map((f) => CONTENT_TYPES[f]),
      },
    ],
  });
}

function outOfRange({ width, height }: { width: number; height: number }, limits: ImageLimits): boolean {
  return width < limits.minSide || height < limits.minSide || width > limits.maxSide || height > limits.maxSide;
}

function dimensionsError({ width, height }: { width: number; height: number }, path: string, limits: ImageLimits): ApiError {
  return new ApiError(
    "IMAGE_DIMENSIONS_OUT_OF_RANGE",
    `The image is ${width}×${height} px; each side must be between ${limits.minSide} and ${limits.maxSide} px.`,
    {
      details: [
        {
          path,
          message: `${width}×${height} px is outside ${limits.minSide}–${limits.maxSide} px per side`,
          width,
          height,
          min: limits.minSide,
          max: limits.maxSide,
        },
      ],
    },
  );
}
