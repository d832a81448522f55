import { apiPath } from "../lib/api-paths";
import type { ErrorDetail } from "./api-error";
import type { ErrorCode } from "./catalog";
import { ERROR_CATALOG } from "./catalog";

/** The error envelope of every non-2xx; HTTP status always equals `status`. */
export interface ErrorEnvelope {
  code: ErrorCode;
  message: string;
  status: number;
  requestId: string;
  /** Where this code is documented (docs/errors.md has the same text). */
  docUrl: string;
  details?: ErrorDetail[];
}

/**
 * The page of `code`, served by this Worker (`GET /tryon/v1/errors/{code}`),
 * so a deployment documents its own errors with no outside site. Absolute
 * when the origin the client called is known.
 */
export function errorDocUrl(code: ErrorCode, origin?: string): string {
  return `${origin ?? ""}${apiPath(`/errors/${code}`)}`;
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  opts: { details?: ErrorDetail[] | undefined; origin?: string } = {},
): ErrorEnvelope {
  const body: ErrorEnvelope = { code, message, status: ERROR_CATALOG[code].status, requestId, docUrl: errorDocUrl(code, opts.origin) };
  if (opts.details !== undefined) body.details = opts.details;
  return body;
}

/** A JSON Response carrying the envelope; used outside Hono too (queue-free paths, early exits). */
export function errorResponse(
  code: ErrorCode,
  message: string,
  requestId: string,
  opts: { details?: ErrorDetail[] | undefined; headers?: Record<string, string>; origin?: string } = {},
): Response {
  const body = errorEnvelope(code, message, requestId, opts);
  const headers = new Headers(opts.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}
