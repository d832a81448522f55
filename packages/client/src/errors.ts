import { type ApiErrorCode, ERROR_CODES } from "./generated/error-codes.js";

/**
 * Codes the client itself raises, beside the API's own:
 * - `NETWORK_ERROR`: no answer (connection refused or reset, DNS), after the retries;
 * - `TIMEOUT`: an attempt outlived `timeout`, or `waitFor` its deadline;
 * - `INVALID_RESPONSE`: an answer that is not the API's (a proxy's HTML page, say).
 */
export type ClientErrorCode = "NETWORK_ERROR" | "TIMEOUT" | "INVALID_RESPONSE";

/** Every code a `DrapeError` can carry. Unknown codes of a newer server come through as plain strings. */
export type DrapeErrorCode = ApiErrorCode | ClientErrorCode;

export interface DrapeErrorInit {
  code: DrapeErrorCode | (string & {});
  message: string;
  /** The HTTP status; 0 when no answer came back. */
  status: number;
  requestId?: string | undefined;
  details?: unknown;
  docUrl?: string | undefined;
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  retryAfter?: number | undefined;
  cause?: unknown;
}

/**
 * A failed call: the API's error envelope (`{code, message, status, requestId, details?, docUrl}`),
 * or a client-side failure with one of the `ClientErrorCode`s. Branch on `code`.
 */
export class DrapeError extends Error {
  override readonly name = "DrapeError";
  readonly code: DrapeErrorCode | (string & {});
  readonly status: number;
  readonly requestId: string | undefined;
  readonly details: unknown;
  readonly docUrl: string | undefined;
  readonly retryAfter: number | undefined;
  /**
   * True when the same call may succeed if simply sent again later (the catalog's retry class
   * `yes`, or a network failure or timeout). The client already retried such calls before throwing.
   */
  readonly retryable: boolean;

  constructor(init: DrapeErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
    this.docUrl = init.docUrl;
    this.retryAfter = init.retryAfter;
    this.retryable = isRetryableCode(init.code, init.status);
  }

  /** `details` of a VALIDATION_FAILED: each field the API refused, with why. */
  get fieldErrors(): Array<{ path: string; message: string }> {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is { path: string; message: string } => typeof d === "object" && d !== null && typeof d.path === "string" && typeof d.message === "string",
    );
  }
}

function isKnownCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** The catalog's retry class decides; an unknown code falls back on its status (429 and 5xx but 500). */
export function isRetryableCode(code: string, status: number): boolean {
  if (code === "NETWORK_ERROR" || code === "TIMEOUT") return true;
  if (isKnownCode(code)) return ERROR_CODES[code].retryable === "yes";
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Parses an error answer into a DrapeError (the envelope when it is one, INVALID_RESPONSE otherwise). */
export async function errorFromResponse(res: Response): Promise<DrapeError> {
  const text = await res.text().catch(() => "");
  const requestId = res.headers.get("x-request-id") ?? undefined;
  const retryAfter = parseRetryAfterHeader(res.headers.get("retry-after"));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isEnvelope(body)) {
    return new DrapeError({
      code: body.code,
      message: body.message,
      status: res.status,
      requestId: typeof body.requestId === "string" ? body.requestId : requestId,
      details: body.details,
      docUrl: typeof body.docUrl === "string" ? body.docUrl : undefined,
      retryAfter,
    });
  }
  return new DrapeError({
    code: res.status === 429 || res.status >= 500 ? statusCode(res.status) : "INVALID_RESPONSE",
    message: `HTTP ${res.status} without the API's error envelope${text ? `: ${text.slice(0, 200)}` : ""}`,
    status: res.status,
    requestId,
    retryAfter,
  });
}

/** A 429/5xx from something in front of the API (a proxy, a load balancer) keeps its retry meaning. */
function statusCode(status: number): string {
  if (status === 429) return "RATE_LIMITED";
  if (status === 503) return "SERVICE_UNAVAILABLE";
  return "INVALID_RESPONSE";
}

function isEnvelope(v: unknown): v is { code: string; message: string; requestId?: unknown; details?: unknown; docUrl?: unknown } {
  return typeof v === "object" && v !== null && typeof (v as { code?: unknown }).code === "string" && typeof (v as { message?: unknown }).message === "string";
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterHeader(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - nowMs) / 1000);
}
