import type { ServiceContext } from "../../context";
import { ApiError } from "../../errors";
import type { FilePart } from "../../lib/multipart-form";
import type { ProductInput } from "../../schemas/products";
import { type CheckedPart, checkProductImages } from "../images";
import { type NormalizedProductImage, normalizeProductImages } from "./images-input";

/** Prefix of the generated ids of one-shot products; no client may choose one. */
export const RESERVED_PREFIX = "_anon_";

/** A product input that passed every check, ready to store without reading anything twice. */
export interface CheckedProductInput {
  /** The image list, normalized; undefined when the input names none (an update then keeps the stored list). */
  images: NormalizedProductImage[] | undefined;
  /** The multipart parts of `images`, read and sniffed, by image index. */
  parts: Map<number, CheckedPart>;
}

/**
 * Every check a product input passes before anything is stored or charged:
 * the reserved `_anon_` prefix, the image aliases, at least one image for a
 * product that does not exist yet (`existsLive` says whether it does), each
 * URL against the safe-fetch rules and each file part found and sniffed.
 * `path` roots `details` paths and messages where the product is nested (a
 * try-on's "products.0").
 */
export async function checkProductInput(
  ctx: ServiceContext,
  input: ProductInput,
  opts: { files: Map<string, FilePart> | null | undefined; existsLive: boolean; path?: string },
): Promise<CheckedProductInput> {
  if (input.externalId?.startsWith(RESERVED_PREFIX)) {
    throw new ApiError(
      "RESERVED_EXTERNAL_ID",
      `External ids starting with "${RESERVED_PREFIX}" are reserved for one-shot products (a try-on references one with {externalId} alone).`,
    );
  }
  let images: NormalizedProductImage[] | undefined;
  try {
    images = normalizeProductImages(input);
  } catch (err) {
    throw opts.path === undefined ? err : reprefix(err, opts.path);
  }
  if (images !== undefined && images.length === 0) {
    throw new ApiError("PRODUCT_IMAGES_REQUIRED", "`images` cannot be empty: a product needs at least one image.");
  }
  if (images === undefined && !opts.existsLive) {
    throw new ApiError(
      "PRODUCT_IMAGES_REQUIRED",
      input.externalId === undefined
        ? "A one-shot product (no externalId) needs at least one image."
        : `Product ${input.externalId} does not exist (or expired): send at least one image.`,
    );
  }
  const { path } = opts;
  const at = (i: number) =>
    path === undefined ? { label: `images[${i}]`, path: `images.${i}` } : { label: `${path}.images.${i}`, path: `${path}.images.${i}` };
  return { images, parts: await checkProductImages(ctx, images ?? [], opts.files, at) };
}

/** Re-roots `details[].path` of a product-level error under `prefix`. */
function reprefix(err: unknown, prefix: string): unknown {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return err;
  const details = (err.details as { path: string; message: string }[]).map((d) => ({ ...d, path: d.path ? `${prefix}.${d.path}` : prefix }));
  return new ApiError(err.code, err.message, { details, headers: err.headers });
}
