/**
 * The single error catalog. Every non-2xx the Worker returns and every
 * runtime failure stored on a generation uses a code from here; `/errors`, the
 * OpenAPI document and the README table are generated from this object.
 */
export type Retryable = "no" | "yes" | "after-fix" | "after-top-up";
export type ErrorKind = "api" | "runtime" | "both";

interface CatalogEntry {
  readonly status: number;
  readonly retryable: Retryable;
  readonly kind: ErrorKind;
  readonly description: string;
}

export const ERROR_CATALOG = {
  MISSING_API_KEY: {
    status: 401,
    retryable: "after-fix",
    kind: "api",
    description: "No API key was sent: use the `x-api-key` header or `Authorization: Bearer`.",
  },
  INVALID_API_KEY: {
    status: 401,
    retryable: "after-fix",
    kind: "api",
    description: "The API key is unknown, revoked or malformed, or its account is disabled.",
  },
  FORBIDDEN: {
    status: 403,
    retryable: "no",
    kind: "api",
    description: "The resource belongs to another account, the key lacks the permission, or a signed URL is invalid or expired.",
  },
  VALIDATION_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: 'The request did not match the schema; `details[]` lists each `{path, message}` (path "" for malformed JSON).',
  },
  EXTERNAL_ID_REQUIRED: { status: 400, retryable: "after-fix", kind: "api", description: "POST /products needs an `externalId`." },
  PRODUCT_IMAGES_REQUIRED: { status: 400, retryable: "after-fix", kind: "api", description: "A new or one-shot product needs at least one image." },
  CUSTOMER_IMAGE_REQUIRED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A try-on needs a person image (`person.image.source` or the deprecated `customer`).",
  },
  FILE_REQUIRED: { status: 400, retryable: "after-fix", kind: "api", description: "The upload has no `file` part." },
  MULTIPART_FILE_NOT_FOUND: { status: 400, retryable: "after-fix", kind: "api", description: "A `fileKey` names no part of the multipart request." },
  INVALID_IMAGE_INPUT: { status: 400, retryable: "after-fix", kind: "api", description: "An image entry has neither `url` nor `fileKey`, or both." },
  INVALID_IMAGE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A JPEG, PNG, WebP or HEIC that is too small, truncated, or structurally inconsistent (e.g. its header's size disagrees with its data).",
  },
  UNSUPPORTED_IMAGE_TYPE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description:
      "Not a JPEG, PNG, WebP or HEIC image (judged by its bytes, not its name or Content-Type); `details` gives `detectedType`/`detectedName` (null when unrecognised) and `acceptedTypes`.",
  },
  IMAGE_DIMENSIONS_OUT_OF_RANGE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "Either side of the image is under 240 px or over 7680 px; `details` gives width, height, min and max.",
  },
  CUSTOMER_IMAGE_FETCH_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "both",
    description: "The person image URL could not be fetched (blocked address, non-2xx, timeout, too large, not an image).",
  },
  PRODUCT_IMAGE_FETCH_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "runtime",
    description: "A product image URL could not be fetched while the generation ran.",
  },
  MISSING_REQUIRED_CLASSIFICATION: {
    status: 422,
    retryable: "after-fix",
    kind: "both",
    description: "The engine needs an image classification the product lacks; `details.key` names it.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retryable: "no",
    kind: "api",
    description: "This Idempotency-Key was used with a different request (method, path or body).",
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    retryable: "yes",
    kind: "api",
    description: "A request with this Idempotency-Key is still being processed; retry shortly.",
  },
  RESERVED_EXTERNAL_ID: {
    status: 409,
    retryable: "after-fix",
    kind: "api",
    description: "External ids starting with `_anon_` are reserved for one-shot products.",
  },
  GENERATION_NOT_CANCELLABLE: { status: 409, retryable: "no", kind: "api", description: "The generation is already COMPLETED or FAILED." },
  FILE_TOO_LARGE: { status: 413, retryable: "after-fix", kind: "api", description: "An image is over 10 MB." },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: "after-fix", kind: "api", description: "The JSON body is over 1 MB." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: "after-fix", kind: "api", description: "The route does not take this Content-Type." },
  INSUFFICIENT_CREDITS: { status: 402, retryable: "after-top-up", kind: "api", description: "The account's credit balance cannot cover the generation." },
  QUOTA_EXCEEDED: { status: 402, retryable: "after-top-up", kind: "api", description: "A spend cap on the account or key is reached." },
  RATE_LIMITED: { status: 429, retryable: "yes", kind: "api", description: "The key's request budget is exhausted; wait for `Retry-After` seconds." },
  PRODUCT_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "No such product on this account, or it expired." },
  GENERATION_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "No such generation on this account." },
  IMAGE_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "No such image on this account, or it expired." },
  WEBHOOK_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "No such webhook endpoint (or delivery) on this account." },
  ACCOUNT_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "Operator API: no such account." },
  API_KEY_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "Operator API: no such API key." },
  ROUTE_NOT_FOUND: { status: 404, retryable: "no", kind: "api", description: "No such path." },
  METHOD_NOT_ALLOWED: { status: 405, retryable: "no", kind: "api", description: "The path exists but not with this method; see the `Allow` header." },
  INTERNAL_ERROR: { status: 500, retryable: "yes", kind: "api", description: "Unexpected failure on our side; safe to retry with exponential backoff." },
  SERVICE_UNAVAILABLE: { status: 503, retryable: "yes", kind: "api", description: "Maintenance mode or a dependency is down; wait for `Retry-After` seconds." },
  SERVICE_MISCONFIGURED: {
    status: 503,
    retryable: "yes",
    kind: "api",
    description:
      "The deployment refuses to serve until its operator fixes its configuration (e.g. a localhost `PUBLIC_BASE_URL`, a missing or weak secret); `details[]` names each setting, never its value.",
  },
  ENCRYPTED_DATA_UNREADABLE: {
    status: 503,
    retryable: "no",
    kind: "api",
    description:
      "A value stored encrypted (a webhook signing secret, or an Idempotency-Key's stored response) was sealed with an at-rest key this deployment no longer has. Rotate the webhook secret, or ask the operator to restore the key as `AT_REST_KEY_PREVIOUS`.",
  },
  GARMENT_NOT_DETECTED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "No garment could be found in the product image (e.g. a blank or uniform image).",
  },
  MODEL_POSE_UNSUPPORTED: { status: 422, retryable: "after-fix", kind: "runtime", description: "The person's pose or framing is not supported by the engine." },
  NSFW_CONTENT_BLOCKED: { status: 422, retryable: "after-fix", kind: "runtime", description: "An input was blocked by content moderation." },
  IMAGE_PROCESSING_FAILED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "An input image could not be decoded or processed by the engine.",
  },
  ENGINE_UNAVAILABLE: { status: 503, retryable: "yes", kind: "runtime", description: "The try-on engine stayed unavailable after retries." },
  GENERATION_TIMEOUT: { status: 504, retryable: "yes", kind: "runtime", description: "The generation did not finish before its deadline." },
  GENERATION_CANCELLED: { status: 409, retryable: "no", kind: "runtime", description: "The generation was cancelled by the client." },
  GENERATION_FAILED: { status: 500, retryable: "yes", kind: "runtime", description: "The pipeline failed mid-way for another reason; usually transient." },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** Codes that a FAILED generation may carry as `errorCode`. */
export type RuntimeErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CATALOG)[K]["kind"] extends "runtime" | "both" ? K : never;
}[ErrorCode];

export function catalogEntry(code: ErrorCode): CatalogEntry {
  return ERROR_CATALOG[code];
}

/** `retryable` as the boolean a generation carries: transient causes are worth retrying as-is. */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CATALOG[code].retryable === "yes";
}
