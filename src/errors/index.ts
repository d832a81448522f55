export { ERROR_CATALOG, ERROR_CODES, catalogEntry, isRetryable } from "./catalog";
export type { ErrorCode, Retryable, RuntimeErrorCode, ErrorKind } from "./catalog";
export { ApiError, isApiError } from "./api-error";
export type { ErrorDetail, ApiErrorOptions } from "./api-error";
export { errorEnvelope, errorResponse } from "./envelope";
export type { ErrorEnvelope } from "./envelope";
