/**
 * The single error catalog. Every non-2xx the Worker returns and every
 * runtime failure stored on a generation uses a code from here; `/errors`,
 * `/errors/{code}` (each envelope's `docUrl`), the OpenAPI document,
 * docs/errors.md and the README table are generated from this object.
 * It imports nothing, so scripts/gen-error-table.mjs can load it with Node.
 */
export type Retryable = "no" | "yes" | "after-fix" | "after-top-up";
export type ErrorKind = "api" | "runtime" | "both";

interface CatalogEntry {
  readonly status: number;
  readonly retryable: Retryable;
  readonly kind: ErrorKind;
  readonly description: string;
  /** What the client (or operator) should do about it: the "what to do" of docs/errors.md. */
  readonly action: string;
}

export const ERROR_CATALOG = {
  MISSING_API_KEY: {
    status: 401,
    retryable: "after-fix",
    kind: "api",
    description: "No API key was sent: use the `x-api-key` header or `Authorization: Bearer`.",
    action: "Send the key as `x-api-key: <key>` or `Authorization: Bearer <key>`; operator routes take `Authorization: Bearer <ADMIN_TOKEN>`.",
  },
  INVALID_API_KEY: {
    status: 401,
    retryable: "after-fix",
    kind: "api",
    description: "The API key is unknown, revoked or malformed, or its account is disabled.",
    action: "Check the key for typos; if it was revoked or its account disabled, ask the operator for a new key. Retrying the same key will not help.",
  },
  FORBIDDEN: {
    status: 403,
    retryable: "no",
    kind: "api",
    description: "The resource belongs to another account, the key lacks the permission, or a signed URL is invalid or expired.",
    action:
      "For a file URL, read the image or generation again: it carries a freshly signed URL. Otherwise call with a key of the account that owns the resource.",
  },
  TEST_MODE_ONLY: {
    status: 403,
    retryable: "no",
    kind: "api",
    description: "The endpoint exists in test mode only (`/test/…`), and the request used a live key.",
    action: "Call it with a `dr_test_` key of the same account (docs/test-mode.md). Live data and credits cannot be changed this way.",
  },
  VALIDATION_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: 'The request did not match the schema; `details[]` lists each `{path, message}` (path "" for malformed JSON).',
    action: 'Fix each field named in `details[].path` (`""` means the body is not valid JSON) and send the request again.',
  },
  EXTERNAL_ID_REQUIRED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "POST /products needs an `externalId`.",
    action: "Add `externalId` (your own product id) to the body.",
  },
  PRODUCT_IMAGES_REQUIRED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A new or one-shot product needs at least one image.",
    action: "Send at least one image in `images`, each with a `url` or a multipart `fileKey`.",
  },
  CUSTOMER_IMAGE_REQUIRED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A try-on needs a person image (`person.image.source` or the deprecated `customer`).",
    action: "Send `person.image.source`: the `imageId` of an upload, a `url`, or a multipart `fileKey`.",
  },
  FILE_REQUIRED: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "The upload has no `file` part.",
    action: "Send the photo as a multipart file part named `file` (with a filename).",
  },
  MULTIPART_FILE_NOT_FOUND: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A `fileKey` names no part of the multipart request.",
    action: "Make every `fileKey` the name of a file part of the same multipart request.",
  },
  INVALID_IMAGE_INPUT: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "An image entry has neither `url` nor `fileKey`, or both.",
    action: "Give each image exactly one of `url` or `fileKey`.",
  },
  INVALID_IMAGE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "A JPEG, PNG, WebP or HEIC that is too small, truncated, or structurally inconsistent (e.g. its header's size disagrees with its data).",
    action: "Send a complete JPEG, PNG, WebP or HEIC file; re-export the image if it came out of a broken pipeline.",
  },
  UNSUPPORTED_IMAGE_TYPE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description:
      "Not a JPEG, PNG, WebP or HEIC image (judged by its bytes, not its name or Content-Type); `details` gives `detectedType`/`detectedName` (null when unrecognised) and `acceptedTypes`.",
    action: "Convert the image to JPEG, PNG, WebP or HEIC; `details.detectedType` says what the bytes were.",
  },
  IMAGE_DIMENSIONS_OUT_OF_RANGE: {
    status: 400,
    retryable: "after-fix",
    kind: "api",
    description: "Either side of the image is under 240 px or over 7680 px; `details` gives width, height, min and max.",
    action: "Resize the image so that each side is between 240 and 7680 px.",
  },
  CUSTOMER_IMAGE_FETCH_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "both",
    description: "The person image URL could not be fetched (blocked address, non-2xx, timeout, too large, not an image).",
    action: "Serve the photo from a public HTTPS URL that answers 200 with the image, or upload it (POST /tryon/v1/images/upload) and send its `imageId`.",
  },
  PRODUCT_IMAGE_FETCH_FAILED: {
    status: 400,
    retryable: "after-fix",
    kind: "runtime",
    description: "A product image URL could not be fetched while the generation ran.",
    action: "Serve the product images from public HTTPS URLs, or send them as multipart files; then start a new try-on (the failed one was refunded).",
  },
  MISSING_REQUIRED_CLASSIFICATION: {
    status: 422,
    retryable: "after-fix",
    kind: "both",
    description: "The engine needs an image classification the product lacks; `details.key` names it.",
    action: "Add the classification named in `details.key` to the product's images, then retry.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retryable: "no",
    kind: "api",
    description: "This Idempotency-Key was used with a different request (method, path or body).",
    action: "Use a new Idempotency-Key for a different request; reuse a key only to retry exactly the same request.",
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    retryable: "yes",
    kind: "api",
    description: "A request with this Idempotency-Key is still being processed; retry shortly.",
    action: "Wait `Retry-After` seconds and retry with the same key: you get the first request's response once it is done.",
  },
  RESERVED_EXTERNAL_ID: {
    status: 409,
    retryable: "after-fix",
    kind: "api",
    description: "External ids starting with `_anon_` are reserved for one-shot products.",
    action: "Choose an `externalId` that does not start with `_anon_`.",
  },
  GENERATION_NOT_CANCELLABLE: {
    status: 409,
    retryable: "no",
    kind: "api",
    description: "The generation is already COMPLETED or FAILED.",
    action: "Nothing to cancel: read the finished generation with GET /tryon/v1/generations/{id}.",
  },
  FILE_TOO_LARGE: {
    status: 413,
    retryable: "after-fix",
    kind: "api",
    description: "An image is over 10 MB.",
    action: "Compress or resize each image below 10 MB (and the whole multipart request below the route's limit).",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    retryable: "after-fix",
    kind: "api",
    description: "The JSON body is over 1 MB.",
    action: "Send a smaller body: JSON up to 1 MB, multipart text fields up to 64 KB; send images as files or URLs.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryable: "after-fix",
    kind: "api",
    description: "The route does not take this Content-Type.",
    action: "Send `Content-Type: application/json`, or `multipart/form-data` on the routes that take files.",
  },
  INSUFFICIENT_CREDITS: {
    status: 402,
    retryable: "after-top-up",
    kind: "api",
    description: "The account's credit balance cannot cover the generation.",
    action: "Ask the operator to grant credits, then retry; nothing was charged.",
  },
  QUOTA_EXCEEDED: {
    status: 402,
    retryable: "after-top-up",
    kind: "api",
    description: "A spend cap on the account or key is reached.",
    action: "An account's daily cap resets at 00:00 UTC; a key's total cap does not. Ask the operator to raise the cap, or wait for the next day.",
  },
  RATE_LIMITED: {
    status: 429,
    retryable: "yes",
    kind: "api",
    description: "The key's request budget is exhausted; wait for `Retry-After` seconds.",
    action: "Wait `Retry-After` seconds, then retry; spread requests out (the `RateLimit` headers show the budget), or ask for a higher limit.",
  },
  PRODUCT_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "No such product on this account, or it expired.",
    action: "Check the `externalId`; create the product with POST /tryon/v1/products, or send it inline with the try-on.",
  },
  GENERATION_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "No such generation on this account.",
    action: "Check the id, and that the key belongs to the account that created the generation.",
  },
  IMAGE_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "No such image on this account, or it expired.",
    action: "The image may have expired with its retention: upload it again and use the new id (or read the resource again for a fresh URL).",
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "No such webhook endpoint (or delivery) on this account.",
    action: "Check the endpoint (and delivery) id; GET /tryon/v1/webhooks lists the account's endpoints.",
  },
  ACCOUNT_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "Operator API: no such account.",
    action: "Check the account id; GET /admin/v1/accounts lists the accounts.",
  },
  API_KEY_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "Operator API: no such API key.",
    action: "Check the key id; GET /admin/v1/accounts/{accountId}/keys lists the account's keys.",
  },
  API_KEY_NOT_ROLLABLE: {
    status: 409,
    retryable: "no",
    kind: "api",
    description: "The API key cannot be rolled: it is revoked, expired, or was already rolled (it has an expiry).",
    action: "Roll the key that replaced it, or issue a new key; GET /admin/v1/accounts/{accountId}/keys shows each key's `revokedAt` and `expiresAt`.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    retryable: "no",
    kind: "api",
    description: "No such path.",
    action: "Check the path against the API reference (GET /tryon/v1/openapi.json).",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    retryable: "no",
    kind: "api",
    description: "The path exists but not with this method; see the `Allow` header.",
    action: "Use one of the methods listed in the `Allow` header.",
  },
  INTERNAL_ERROR: {
    status: 500,
    retryable: "yes",
    kind: "api",
    description: "Unexpected failure on our side; safe to retry with exponential backoff.",
    action: "Retry with exponential backoff (POSTs with an Idempotency-Key, so a retry cannot act twice); if it persists, report the `requestId`.",
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    retryable: "yes",
    kind: "api",
    description: "Maintenance mode or a dependency is down; wait for `Retry-After` seconds.",
    action: "Retry after `Retry-After` seconds.",
  },
  SERVICE_MISCONFIGURED: {
    status: 503,
    retryable: "yes",
    kind: "api",
    description:
      "The deployment refuses to serve until its operator fixes its configuration (e.g. a localhost `PUBLIC_BASE_URL`, a missing or weak secret); `details[]` names each setting, never its value.",
    action: "Operators: fix each setting named in `details[]` (docs/deployment.md). Clients: retry after `Retry-After` seconds.",
  },
  ENCRYPTED_DATA_UNREADABLE: {
    status: 503,
    retryable: "no",
    kind: "api",
    description:
      "A value stored encrypted (a webhook signing secret, or an Idempotency-Key's stored response) was sealed with an at-rest key this deployment no longer has. Rotate the webhook secret, or ask the operator to restore the key as `AT_REST_KEY_PREVIOUS`.",
    action:
      "Rotate the webhook signing secret, or ask the operator to restore the old key as `AT_REST_KEY_PREVIOUS`. For an Idempotency-Key, check the first request's effect before sending it again under a new key.",
  },
  GARMENT_NOT_DETECTED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "No garment could be found in the product image (e.g. a blank or uniform image).",
    action: "Use a product image where the garment is clearly visible, ideally alone on a plain background; then start a new try-on.",
  },
  MODEL_POSE_UNSUPPORTED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "The person's pose or framing is not supported by the engine.",
    action: "Use a photo of the person facing the camera, standing, with the upper body or the whole body in frame.",
  },
  NSFW_CONTENT_BLOCKED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "An input was blocked by content moderation.",
    action: "Use other input images.",
  },
  IMAGE_PROCESSING_FAILED: {
    status: 422,
    retryable: "after-fix",
    kind: "runtime",
    description: "An input image could not be decoded or processed by the engine.",
    action: "Re-export the input images as JPEG or PNG, then start a new try-on.",
  },
  ENGINE_UNAVAILABLE: {
    status: 503,
    retryable: "yes",
    kind: "runtime",
    description: "The try-on engine stayed unavailable after retries.",
    action: "Start a new try-on later; this one was refunded.",
  },
  GENERATION_TIMEOUT: {
    status: 504,
    retryable: "yes",
    kind: "runtime",
    description: "The generation did not finish before its deadline.",
    action: "Start a new try-on; this one was refunded.",
  },
  GENERATION_CANCELLED: {
    status: 409,
    retryable: "no",
    kind: "runtime",
    description: "The generation was cancelled by the client.",
    action: "Nothing to do: it was cancelled on request and refunded.",
  },
  GENERATION_FAILED: {
    status: 500,
    retryable: "yes",
    kind: "runtime",
    description: "The pipeline failed mid-way for another reason; usually transient.",
    action: "Start a new try-on; this one was refunded. If it keeps failing, report the `generationId`.",
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** Codes that a FAILED generation may carry as `errorCode`. */
export type RuntimeErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CATALOG)[K]["kind"] extends "runtime" | "both" ? K : never;
}[ErrorCode];

/** Every code a FAILED generation may carry, in catalog order. */
export const RUNTIME_ERROR_CODES = ERROR_CODES.filter((c): c is RuntimeErrorCode => ERROR_CATALOG[c].kind !== "api");

export function catalogEntry(code: ErrorCode): CatalogEntry {
  return ERROR_CATALOG[code];
}

/** `retryable` as the boolean a generation carries: transient causes are worth retrying as-is. */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CATALOG[code].retryable === "yes";
}
