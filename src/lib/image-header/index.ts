/**
 * The one image-header reader. Intake, the composite engine's decode gate,
 * its shrink step, the codec entry point and the FASHN result check all ask
 * this module what an image is and how large it is, so no two places can read
 * the same bytes differently (see docs/images-and-products.md).
 *
 * It sniffs the type from magic bytes, walks the format's structure far enough
 * to know the file is complete and consistent, and reads the stored size and
 * (JPEG) EXIF orientation. Nothing is decoded; nothing is allocated in
 * proportion to what a header claims.
 */
import { ImageHeaderError, Malformed } from "./bytes";
import { parseHeic } from "./heic";
import { parseJpeg } from "./jpeg";
import { parsePng } from "./png";
import { ACCEPTED_MEDIA_TYPES, sniff } from "./sniff";
import type { AcceptedFormat, ImageHeader, ParsedHeader } from "./types";
import { parseWebp } from "./webp";

export { ImageHeaderError } from "./bytes";
export { ACCEPTED_MEDIA_TYPES } from "./sniff";
export type { AcceptedFormat, ImageHeader, ImageLayout } from "./types";

/** Shorter than any real JPEG, PNG, WebP or HEIC file. */
export const MIN_IMAGE_BYTES = 16;

export const ACCEPTED_NAMES = "JPEG, PNG, WebP and HEIC";

const PARSERS: Record<AcceptedFormat, (b: Uint8Array) => ParsedHeader> = { jpeg: parseJpeg, png: parsePng, webp: parseWebp, heic: parseHeic };

/** Reads an image's header or throws ImageHeaderError ("unsupported" type or "invalid" structure). */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.byteLength < MIN_IMAGE_BYTES) {
    throw new ImageHeaderError("invalid", `The image is ${bytes.byteLength} bytes long: too short to be a JPEG, PNG, WebP or HEIC image.`);
  }
  const sniffed = sniff(bytes);
  if (sniffed.kind === "unknown") {
    throw new ImageHeaderError("unsupported", `The bytes are not an image type Drape recognises; Drape accepts ${ACCEPTED_NAMES}.`);
  }
  if (sniffed.kind === "other") {
    const detected = { name: sniffed.name, mediaType: sniffed.mediaType };
    throw new ImageHeaderError(
      "unsupported",
      `The file is ${article(sniffed.name)} ${sniffed.name} (${sniffed.mediaType}); Drape accepts ${ACCEPTED_NAMES}.`,
      null,
      detected,
    );
  }
  const format = sniffed.format;
  let parsed: ParsedHeader;
  try {
    parsed = PARSERS[format](bytes);
  } catch (err) {
    if (err instanceof ImageHeaderError) throw err;
    if (err instanceof Malformed)
      throw new ImageHeaderError("invalid", `The ${format.toUpperCase()} image is truncated or malformed: ${err.message}.`, format, null, err.claimed);
    throw err;
  }
  return { format, ...parsed };
}

/** The header, or null when the bytes are not a readable accepted image. */
export function tryReadImageHeader(bytes: Uint8Array): ImageHeader | null {
  try {
    return readImageHeader(bytes);
  } catch (err) {
    if (err instanceof ImageHeaderError) return null;
    throw err;
  }
}

export function mediaTypeOf(format: AcceptedFormat): string {
  return ACCEPTED_MEDIA_TYPES[format];
}

function article(name: string): string {
  // Said as letters or words: "an AVIF", "an SVG", "an ICO", "an animated WebP", but "a GIF", "a HEIF".
  return /^[AEIOS]/.test(name) ? "an" : "a";
}
