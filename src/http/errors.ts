import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../env";
import { ApiError, type ErrorCode, type ErrorDetail, errorResponse } from "../errors";
import { describeError, log } from "../lib/logger";
import { allowedMethods } from "./route-table";

function requestIdOf(c: Context<AppEnv>): string {
  return c.get("requestId") ?? "req_unknown";
}

/** The origin the client called, so `docUrl` is absolute on every deployment. */
function originOf(c: Context<AppEnv>): string {
  return new URL(c.req.url).origin;
}

/**
 * Three tiers: our ApiError (status from the catalog), then Hono's own
 * HTTPExceptions (malformed JSON, unsupported media type from the OpenAPI
 * gate), then anything else: logged with the request id, answered as a bare
 * INTERNAL_ERROR with no stack.
 */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = requestIdOf(c);
  const origin = originOf(c);
  if (err instanceof ApiError) {
    return errorResponse(err.code, err.message, requestId, { details: err.details, headers: err.headers, origin });
  }
  if (err instanceof HTTPException) {
    const mapped = mapHttpException(err);
    if (mapped) return errorResponse(mapped.code, mapped.message, requestId, { details: mapped.details, origin });
  }
  log("error", "unhandled exception", { requestId, error: describeError(err) });
  return errorResponse("INTERNAL_ERROR", "An unexpected error occurred. It is safe to retry with backoff.", requestId, { origin });
};

function mapHttpException(err: HTTPException): { code: ErrorCode; message: string; details?: ErrorDetail[] } | null {
  switch (err.status) {
    case 400:
      return {
        code: "VALIDATION_FAILED",
        message: "The request body is not valid JSON.",
        details: [{ path: "", message: err.message || "Malformed JSON in request body" }],
      };
    case 413:
      return { code: "PAYLOAD_TOO_LARGE", message: "The request body is too large." };
    case 415:
      return { code: "UNSUPPORTED_MEDIA_TYPE", message: "This route does not accept that Content-Type." };
    case 401:
      return { code: "MISSING_API_KEY", message: err.message || "Authentication required." };
    case 404:
      return { code: "ROUTE_NOT_FOUND", message: err.message || "Not found." };
    default:
      return null;
  }
}

/** Unknown path → ROUTE_NOT_FOUND; known path, other method → METHOD_NOT_ALLOWED with `Allow`. */
export const notFound: NotFoundHandler<AppEnv> = (c) => {
  const requestId = requestIdOf(c);
  const origin = originOf(c);
  const allow = allowedMethods(c.req.path);
  if (allow.length > 0) {
    return errorResponse("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allow.join(", ")}.`, requestId, {
      headers: { allow: allow.join(", ") },
      origin,
    });
  }
  return errorResponse("ROUTE_NOT_FOUND", `No route ${c.req.method} ${c.req.path}.`, requestId, { origin });
};
