import type { RateState } from "../../durable/account-gate";

/**
 * Rate-limit headers (IETF draft-ietf-httpapi-ratelimit-headers), one policy
 * named "per-key" describing the key's token bucket:
 *   RateLimit-Policy: "per-key";q=<capacity>;w=<seconds to refill from empty>
 *   RateLimit:        "per-key";r=<whole tokens left>;t=<seconds until full again>
 * A refused request adds Retry-After: seconds until one token is back.
 */
/** The bucket state the headers describe: what the AccountGate answers for a count. */
export type RateHeaderState = RateState;

export const RATE_LIMIT_POLICY_NAME = "per-key";

export function rateLimitHeaders(state: RateHeaderState): Record<string, string> {
  const headers: Record<string, string> = { "ratelimit-policy": rateLimitPolicy(state), ratelimit: rateLimitRemaining(state) };
  if (!state.allowed) headers["retry-after"] = String(state.retryAfterSeconds);
  return headers;
}

/** The same headers written straight onto a response's (every authenticated response: no object built on the way). */
export function setRateLimitHeaders(headers: Headers, state: RateHeaderState): void {
  headers.set("ratelimit-policy", rateLimitPolicy(state));
  headers.set("ratelimit", rateLimitRemaining(state));
  // Retry-After belongs to refusals only; a 503 or 409 sets its own.
  if (!state.allowed && !headers.has("retry-after")) headers.set("retry-after", String(state.retryAfterSeconds));
}

const rateLimitPolicy = (state: RateHeaderState) => `"${RATE_LIMIT_POLICY_NAME}";q=${state.limit};w=${state.windowSeconds}`;
const rateLimitRemaining = (state: RateHeaderState) => `"${RATE_LIMIT_POLICY_NAME}";r=${state.remaining};t=${state.resetSeconds}`;
