import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { ADMIN_BASE } from "../lib/api-paths";
import { IMAGE_MAX_BYTES, LOGO_LIMITS } from "../lib/image-intake";
import type { FormLimits } from "../lib/multipart-form";
import { PRODUCT_MAX_IMAGES } from "../schemas/products";
import { apiRouteKey, routeKeyOf } from "./route-table";

export const JSON_MAX_BYTES = 1024 * 1024;
export { IMAGE_MAX_BYTES };

/**
 * The most body bytes one request may bring: four 10 MB images and the JSON.
 * A multipart body is held in memory once (its parts), so this bounds what a
 * request costs the 128 MB isolate (docs/limits.md).
 */
export const MULTIPART_CEILING_BYTES = 4 * IMAGE_MAX_BYTES + JSON_MAX_BYTES;
/** Room for an upload's small text fields (crop, externalUserId, keepForDays) and the boundary lines. */
const UPLOAD_FIELDS_BYTES = 64 * 1024;
/** Text fields beside the file parts: `data`, and a few a client may add (ignored and named). */
const EXTRA_PARTS = 16;

/** The routes that take file parts, and how many at most; every other route takes JSON only. */
const FILE_ROUTES: Record<string, { fileParts: number; textBytes: number }> = {
  [apiRouteKey("POST", "/images/upload")]: { fileParts: 1, textBytes: UPLOAD_FIELDS_BYTES },
  [apiRouteKey("POST", "/products")]: { fileParts: PRODUCT_MAX_IMAGES, textBytes: JSON_MAX_BYTES },
  // The person photo and the inline product's images.
  [apiRouteKey("POST", "/try-on")]: { fileParts: 1 + PRODUCT_MAX_IMAGES, textBytes: JSON_MAX_BYTES },
  [apiRouteKey("POST", "/try-on/sync")]: { fileParts: 1 + PRODUCT_MAX_IMAGES, textBytes: JSON_MAX_BYTES },
};

/** The multipart limits of a route, from what it accepts: file parts × 10 MB + its text, within the ceiling. */
export function formLimitsOf(routeKey: string): FormLimits | null {
  const route = FILE_ROUTES[routeKey];
  if (!route) return null;
  return {
    maxBytes: Math.min(route.fileParts * IMAGE_MAX_BYTES + route.textBytes, MULTIPART_CEILING_BYTES),
    maxFileBytes: IMAGE_MAX_BYTES,
    maxTextBytes: Math.min(route.textBytes, JSON_MAX_BYTES),
    maxParts: route.fileParts + EXTRA_PARTS,
  };
}

export function isFormData(contentType: string | undefined | null): boolean {
  return /^multipart\/form-data\b/i.test(contentType ?? "");
}

/** The limits that apply to this request's multipart body; null when it gets the JSON cap. */
export function formLimitsFor(c: Context<AppEnv>): FormLimits | null {
  return isFormData(c.req.header("content-type")) ? formLimitsOf(routeKeyOf(c)) : null;
}

/** Routes whose body is one raw image (neither JSON nor a form), with that image's own cap. */
const RAW_IMAGE_ROUTES: Record<string, number> = {
  [`PUT ${ADMIN_BASE}/accounts/:accountId/logo`]: LOGO_LIMITS.maxBytes,
};

const rawImageLimits = new Map(
  Object.entries(RAW_IMAGE_ROUTES).map(([key, maxSize]) => [
    key,
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("FILE_TOO_LARGE", `The image is over ${maxSize} bytes, this route's limit.`);
      },
    }),
  ]),
);

const jsonLimit = bodyLimit({
  maxSize: JSON_MAX_BYTES,
  onError: () => {
    throw new ApiError("PAYLOAD_TOO_LARGE", `JSON bodies are limited to ${JSON_MAX_BYTES} bytes.`);
  },
});

/**
 * Caps bodies before anything reads them. A multipart body to a route that
 * takes files is checked against that route's cap by Content-Length here, and
 * counted while it streams by the one reader (src/http/request-body.ts), which
 * stops past the cap without buffering the rest. Every other body (any route,
 * any Content-Type, multipart included) gets the 1 MB JSON cap, except a raw image
 * route's (the account logo), which gets that image's cap and FILE_TOO_LARGE.
 */
export const limitBodies: MiddlewareHandler<AppEnv> = (c, next) => {
  // Nothing to cap (every GET, the polled routes among them); hono's bodyLimit would pass it on too.
  if (c.req.raw.body === null) return next();
  const rawImage = rawImageLimits.get(routeKeyOf(c));
  if (rawImage) return rawImage(c, next);
  const limits = formLimitsFor(c);
  if (!limits) return jsonLimit(c, next);
  const declared = Number(c.req.header("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    throw new ApiError(
      "FILE_TOO_LARGE",
      `The request is ${declared} bytes; this route accepts multipart bodies up to ${limits.maxBytes} bytes (10 MB per image).`,
    );
  }
  return next();
};
