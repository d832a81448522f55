import type { ErrorCode } from "./catalog";
import { ERROR_CATALOG } from "./catalog";

/** The error envelope of every non-2xx; HTTP status always equals `status`. */
export interface ErrorEnvelope {
  code: ErrorCode;
  message: string;
  status: number;
  requestId: string;
  details?: unknown;
}

export function errorEnvelope(code: ErrorCode, message: string, requestId: string, details?: unknown): ErrorEnvelope {
  const body: ErrorEnvelope = { code, message, status: ERROR_CATALOG[code].status, requestId };
  if (details !== undefined) body.details = details;
  return body;
}

/** A JSON Response carrying the envelope; used outside Hono too (queue-free paths, early exits). */
export function errorResponse(
  code: ErrorCode,
  message: string,
  requestId: string,
  opts: { details?: unknown; headers?: Record<string, string> } = {},
): Response {
  const body = errorEnvelope(code, message, requestId, opts.details);
  const headers = new Headers(opts.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}
