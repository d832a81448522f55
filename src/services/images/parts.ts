import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import { IMAGE_MAX_BYTES, type ImageInfo, inspectImage } from "../../lib/image-intake";
import type { FilePart } from "../../lib/multipart-form";
import { checkUrlSafety } from "../../lib/safe-fetch";

/**
 * Image inputs that arrive as multipart parts (named by `fileKey`) or URLs,
 * validated the same way wherever they appear: POST /products, an inline
 * product of a try-on, a try-on's person photo. `label` names the input in
 * messages (`images[0]`, `products.0.images.0`), `path` in `details`.
 */
export interface InputPlace {
  label: string;
  path: string;
}

/** Where one product image comes from: a URL or the name of a multipart part (exactly one). */
export interface ImageSource {
  url?: string;
  fileKey?: string;
}

/** A part's bytes with what intake learned of them, ready to store. */
export interface CheckedPart {
  bytes: Uint8Array;
  info: ImageInfo;
}

export function missingPart(key: string, at: InputPlace, isMultipart: boolean): ApiError {
  return new ApiError(
    "MULTIPART_FILE_NOT_FOUND",
    isMultipart
      ? `${at.label} names fileKey "${key}" but the request has no file part with that name.`
      : `${at.label} names fileKey "${key}": file parts need a multipart/form-data request.`,
    { details: [{ path: at.path, message: `no part "${key}"` }] },
  );
}

/** Size-checks and sniffs one part (FILE_TOO_LARGE, UNSUPPORTED_IMAGE_TYPE, INVALID_IMAGE, …), naming it in the message. */
export async function inspectPart(file: FilePart, key: string, at: InputPlace): Promise<CheckedPart> {
  const bytes = file.bytes; // the form's own copy: nothing is copied again
  if (bytes.byteLength > IMAGE_MAX_BYTES) throw new ApiError("FILE_TOO_LARGE", `Part "${key}" is ${bytes.byteLength} bytes; an image may be at most 10 MB.`);
  try {
    return { bytes, info: inspectImage(bytes, at.path) };
  } catch (err) {
    if (err instanceof ApiError) throw new ApiError(err.code, `Part "${key}" (${at.label}): ${err.message}`, err.details ? { details: err.details } : {});
    throw err;
  }
}

/**
 * Validates a product's images without storing anything: URLs against the
 * safe-fetch rules (INVALID_IMAGE_INPUT), file parts found and sniffed. The
 * checked parts come back by image index so the caller stores exactly what
 * was validated, once.
 */
export async function checkProductImages(
  ctx: ServiceContext,
  normalized: readonly ImageSource[],
  files: Map<string, FilePart> | null | undefined,
  at: (index: number) => InputPlace,
): Promise<Map<number, CheckedPart>> {
  const parts = new Map<number, CheckedPart>();
  for (const [index, img] of normalized.entries()) {
    const place = at(index);
    if (img.url !== undefined) {
      const check = checkUrlSafety(img.url, { allowLoopback: ctx.config.ALLOW_LOOPBACK_FETCH });
      if (!check.ok)
        throw new ApiError("INVALID_IMAGE_INPUT", `${place.label}: the URL is refused: ${check.reason}.`, {
          details: [{ path: place.path, message: check.reason }],
        });
      continue;
    }
    const key = img.fileKey as string;
    const file = files?.get(key);
    if (!file) throw missingPart(key, place, files != null);
    parts.set(index, await inspectPart(file, key, place));
  }
  return parts;
}
