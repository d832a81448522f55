import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { IMAGE_MAX_BYTES } from "../lib/image-intake";

export const JSON_MAX_BYTES = 1024 * 1024;
export { IMAGE_MAX_BYTES };
/** A multipart request may carry a few images plus the `data` JSON. */
export const MULTIPART_MAX_BYTES = 4 * IMAGE_MAX_BYTES + JSON_MAX_BYTES;

const jsonLimit = bodyLimit({
  maxSize: JSON_MAX_BYTES,
  onError: () => {
    throw new ApiError("PAYLOAD_TOO_LARGE", `JSON bodies are limited to ${JSON_MAX_BYTES} bytes.`);
  },
});

const multipartLimit = bodyLimit({
  maxSize: MULTIPART_MAX_BYTES,
  onError: () => {
    throw new ApiError("FILE_TOO_LARGE", `Multipart bodies are limited to ${MULTIPART_MAX_BYTES} bytes (10 MB per image).`);
  },
});

/**
 * Caps bodies by kind before anything reads them: Content-Length is checked
 * first, a chunked body is counted as it streams and abandoned past the cap.
 * Image-specific limits (10 MB per file) are enforced again by image intake.
 */
export const limitBodies: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/")) return multipartLimit(c, next);
  return jsonLimit(c, next);
};
