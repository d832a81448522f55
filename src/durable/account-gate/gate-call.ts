import { ApiError, isApiError } from "../../errors";
import { describeError, log } from "../../lib/logger";

/**
 * Runs one AccountGate RPC. An object that cannot be reached is a dependency
 * down: 503 SERVICE_UNAVAILABLE with Retry-After, never a bare 500 (and no
 * request is admitted unchecked).
 */
export async function gateCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isApiError(err)) throw err;
    log("error", "account gate call failed", { op: what, error: describeError(err) });
    throw new ApiError("SERVICE_UNAVAILABLE", "Rate limits and credits are temporarily unavailable. Retry shortly.", {
      headers: { "retry-after": "1" },
      cause: err,
    });
  }
}
