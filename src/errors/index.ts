export type { ApiErrorOptions, ErrorDetail } from "./api-error";
export { ApiError, isApiError } from "./api-error";
export type { ErrorCode, ErrorKind, Retryable, RuntimeErrorCode } from "./catalog";
export { catalogEntry, ERROR_CATALOG, ERROR_CODES, isRetryable, RUNTIME_ERROR_CODES } from "./catalog";
export type { ErrorEnvelope } from "./envelope";
export { errorDocUrl, errorEnvelope, errorResponse } from "./envelope";
