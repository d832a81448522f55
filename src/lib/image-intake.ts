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

/**
 * Type, completeness and header-only dimensions + EXIF orientation, within the
 * API's limits. `path` names the request field that held the image in the
 * refusal's `details` ("" when the caller has none to name).
 */
export function inspectImage(bytes: Uint8Array, path = ""): ImageInfo {
  if (bytes.byteLength > IMAGE_MAX_BYTES) {
    throw new ApiError("FILE_TOO_LARGE", `The image is ${bytes.byteLength} bytes; the limit is ${IMAGE_MAX_BYTES} bytes (10 MB).`);
  }
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes);
  } catch (err) {
    if (err instanceof ImageHeaderError) throw intakeError(err, path);
    throw err;
  }
  const { format, width, height } = header;
  if (outOfRange(header)) throw dimensionsError(header, path);
  return { format, contentType: CONTENT_TYPES[format], width, height, orientation: header.orientation, byteSize: bytes.byteLength };
}

/**
 * UNSUPPORTED_IMAGE_TYPE for a type Drape does not take (naming it when it is
 * recognisable, and the accepted ones); INVALID_IMAGE for a broken or cut-short
 * JPEG, PNG, WebP or HEIC.
 */
function intakeError(err: ImageHeaderError, path: string): ApiError {
  // A header that already announced an out-of-range size is refused for that first: it is the actionable part.
  if (err.kind === "invalid" && err.claimed && outOfRange(err.claimed)) return dimensionsError(err.claimed, path);
  if (err.kind === "invalid") return new ApiError("INVALID_IMAGE", err.message, { details: [{ path, message: err.message }] });
  return new ApiError("UNSUPPORTED_IMAGE_TYPE", err.message, {
    details: [
      {
        path,
        message: "not a JPEG, PNG, WebP or HEIC image",
        detectedType: err.detected?.mediaType ?? null,
        detectedName: err.detected?.name ?? null,
        acceptedTypes: Object.values(CONTENT_TYPES),
      },
    ],
  });
}

function outOfRange({ width, height }: { width: number; height: number }): boolean {
  return width < IMAGE_MIN_SIDE || height < IMAGE_MIN_SIDE || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE;
}

function dimensionsError({ width, height }: { width: number; height: number }, path: string): ApiError {
  return new ApiError(
    "IMAGE_DIMENSIONS_OUT_OF_RANGE",
    `The image is ${width}×${height} px; each side must be between ${IMAGE_MIN_SIDE} and ${IMAGE_MAX_SIDE} px.`,
    {
      details: [
        {
          path,
          message: `${width}×${height} px is outside ${IMAGE_MIN_SIDE}–${IMAGE_MAX_SIDE} px per side`,
          width,
          height,
          min: IMAGE_MIN_SIDE,
          max: IMAGE_MAX_SIDE,
        },
      ],
    },
  );
}
