import { type ApiError, ERROR_CATALOG, type ErrorCode } from "../../errors";
import type { FashnApiErrorBody, FashnApiErrorName } from "../../schemas/fashn";

/** A refusal in FASHN's API-level format: the status its SDK branches on, `{error, message}`, and headers. */
export interface FashnApiError {
  status: number;
  body: FashnApiErrorBody;
  headers: Record<string, string>;
}

/** Codes whose FASHN answer is not decided by their HTTP status alone. */
const BY_CODE: Partial<Record<ErrorCode, { status: number; error: FashnApiErrorName; retry?: false }>> = {
  // FASHN answers an empty balance 429 OutOfCredits. Its SDK retries every 429, so the answer says not to:
  // credits do not come back within a retry's backoff.
  INSUFFICIENT_CREDITS: { status: 429, error: "OutOfCredits", retry: false },
  QUOTA_EXCEEDED: { status: 429, error: "OutOfCredits", retry: false },
  RATE_LIMITED: { status: 429, error: "RateLimitExceeded" },
  FORBIDDEN: { status: 404, error: "NotFound" },
  METHOD_NOT_ALLOWED: { status: 404, error: "NotFound" },
};

function byStatus(status: number): { status: number; error: FashnApiErrorName } {
  if (status === 401) return { status, error: "UnauthorizedAccess" };
  if (status === 404) return { status, error: "NotFound" };
  if (status === 429) return { status, error: "RateLimitExceeded" };
  if (status >= 500) return { status, error: "InternalServerError" };
  return { status: 400, error: "BadRequest" };
}

/**
 * Drape's error → FASHN's API-level error (docs/fashn-compat.md). The message
 * keeps Drape's code in brackets so a person reading a FASHN client's log can
 * still look it up; `Retry-After` and the rate-limit headers are kept.
 */
export function toFashnApiError(err: ApiError): FashnApiError {
  const mapped = BY_CODE[err.code] ?? byStatus(ERROR_CATALOG[err.code].status);
  const headers: Record<string, string> = { ...err.headers };
  if ("retry" in mapped && mapped.retry === false) headers["x-should-retry"] = "false";
  return { status: mapped.status, body: { error: mapped.error, message: `${err.message} [${err.code}]` }, headers };
}

/** An error that is not an ApiError: FASHN's generic 500 (the caller logs it). */
export function fashnInternalError(): FashnApiError {
  return { status: 500, body: { error: "InternalServerError", message: "An unexpected error occurred. It is safe to retry with backoff." }, headers: {} };
}
