import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { createRouter } from "../http/router";
import { now } from "../lib/clock";
import { FILES_PATH_PREFIX, verifyFileSignature } from "../lib/signing";
import { defineRoute } from "../schemas/errors";
import { RETENTION_CLASSES } from "../services/images";

/**
 * GET /tryon/v1/files/<key>?exp=&sig= — public (the signature is the
 * credential), mounted before the API-key middleware. The key must be one of
 * ours in shape (retention class, then plain segments): no `..`, no `.`, no
 * empty or encoded-slash segments, so a URL can never name anything outside
 * the image prefixes, whatever it was signed for.
 */
const filesRoute = defineRoute({
  method: "get",
  path: "/files/{key}",
  operationId: "getFile",
  tags: ["Files"],
  summary: "A signed, expiring image URL served from storage",
  description:
    "URLs come from `imageUrl` / `resultImageUrl`; `key` spans several path segments. Tampered or expired signatures answer 403 FORBIDDEN. Served with the stored Content-Type, an ETag and `Cache-Control: private`.",
  request: {
    params: z.object({ key: z.string().openapi({ param: { name: "key", in: "path" }, example: "r7d/acc_…/person/img_….jpg" }) }),
    query: z.object({
      exp: z.string().openapi({ param: { name: "exp", in: "query" }, description: "Expiry, unix seconds." }),
      sig: z.string().openapi({ param: { name: "sig", in: "query" }, description: "base64url HMAC-SHA256 of key and exp." }),
    }),
  },
  responses: {
    200: { description: "The image bytes", content: { "image/*": { schema: { type: "string", format: "binary" } } } },
    304: { description: "Not modified (If-None-Match matched the ETag)" },
  },
  errors: ["FORBIDDEN", "IMAGE_NOT_FOUND"],
});

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const CLASSES = new Set<string>(RETENTION_CLASSES);

function forbidden(message = "The file URL is invalid or expired; fetch the resource again for a fresh URL."): ApiError {
  return new ApiError("FORBIDDEN", message);
}

/** The object key from the raw path, or null when any segment is unsafe. */
export function keyFromPath(pathname: string): string | null {
  const idx = pathname.indexOf(FILES_PATH_PREFIX);
  if (idx !== 0) return null;
  const rawSegments = pathname.slice(FILES_PATH_PREFIX.length).split("/");
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === "." || seg === ".." || !SEGMENT.test(seg)) return null;
    segments.push(seg);
  }
  if (segments.length < 2 || !CLASSES.has(segments[0] ?? "")) return null;
  return segments.join("/");
}

const router = createRouter();
router.openAPIRegistry.registerPath(filesRoute);

export const fileRoutes = router.get("/files/*", async (c) => {
  const url = new URL(c.req.url);
  const key = keyFromPath(url.pathname);
  if (key === null) throw forbidden("The file path is not valid.");
  const exp = Number(url.searchParams.get("exp") ?? "");
  const sig = url.searchParams.get("sig") ?? "";
  if (!Number.isSafeInteger(exp) || sig === "" || !(await verifyFileSignature(c.env.FILE_SIGNING_SECRET, key, exp, sig))) {
    throw forbidden();
  }
  // Only cache revalidation is honoured (→ 304); If-Match / If-Unmodified-Since on an immutable
  // image would otherwise also surface as a 304, which is wrong for a failed precondition.
  const revalidate = new Headers();
  for (const name of ["if-none-match", "if-modified-since"]) {
    const v = c.req.header(name);
    if (v) revalidate.set(name, v);
  }
  const obj = await c.env.BUCKET.get(key, { onlyIf: revalidate });
  if (obj === null) throw new ApiError("IMAGE_NOT_FOUND", "The file is no longer stored.");
  const maxAge = Math.max(0, Math.min(exp - Math.floor(now() / 1000), 3600));
  const headers = new Headers({
    etag: obj.httpEtag,
    "cache-control": `private, max-age=${maxAge}`,
    "x-content-type-options": "nosniff",
    "content-disposition": "inline",
  });
  if (!("body" in obj) || !obj.body) return new Response(null, { status: 304, headers });
  headers.set("content-type", obj.httpMetadata?.contentType ?? "application/octet-stream");
  headers.set("content-length", String(obj.size));
  return new Response(obj.body, { status: 200, headers });
});
