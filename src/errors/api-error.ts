import { ERROR_CATALOG, type ErrorCode } from "./catalog";

/**
 * One item of an envelope's `details`, always an array: the field at fault
 * (`path`, dotted; "" for the body itself) and what is wrong with it, plus the
 * facts some codes add (docs/errors.md lists them).
 */
export interface ErrorDetail {
  path: string;
  message: string;
  /** IMAGE_DIMENSIONS_OUT_OF_RANGE: the image's size and the accepted range (px per side). */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  /** UNSUPPORTED_IMAGE_TYPE: what the bytes are (null when unrecognised) and what is accepted. */
  detectedType?: string | null;
  detectedName?: string | null;
  acceptedTypes?: string[];
  /** *_FETCH_FAILED: the rule that refused the fetch (`blocked-url`, `http-status`, `timeout`, `intake:<CODE>`…). */
  rule?: string;
  /** ENCRYPTED_DATA_UNREADABLE: the at-rest key that sealed the value, and why it cannot be opened. */
  keyId?: string | null;
  reason?: string;
}

export interface ApiErrorOptions {
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type services and routes throw. Its HTTP status comes from the
 * catalog, so a code can never be sent with the wrong status.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, options: ApiErrorOptions = {}) {
    super(message ?? ERROR_CATALOG[code].description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
