import {
  type AdmitInput,
  type AdmitResult,
  gateCall,
  type ProvisionalAnswer,
  type RateLimitSpec,
  type RateState,
  type StoredResponse,
} from "../../durable/account-gate";
import { ApiError } from "../../errors";
import { atRestKeyring } from "../../lib/at-rest-keys";
import { now } from "../../lib/clock";
import { describeError, log } from "../../lib/logger";
import { openBytes, sealBytes, UnreadableSealError } from "../../lib/secret-box";
import { type GateRoute, requestGate } from "./gate-route";
import { rateLimitHeaders } from "./rate-limit-headers";
import { type AdmissionScope, recordRateState } from "./scope";
import { admitFromBlocks, tokenBlocksApply } from "./token-blocks";

/**
 * Admission verbs (HTTP-free): the one AccountGate call a request makes on
 * the way in, the deferred count on the way out, and the idempotency
 * completion. The middleware in src/http/admission.ts does the HTTP part.
 */

/**
 * The request's admission. One the key's token block in this isolate pays for is answered
 * synchronously (no call, no promise: most reads of a busy key); any other asks the gate.
 */
export function admit(env: Env, route: GateRoute, input: AdmitInput): AdmitResult | Promise<AdmitResult> {
  if (tokenBlocksApply(input)) return admitFromBlocks(route, input, (i) => gateCall("admit", () => requestGate(env, route).admit(i)), now);
  return admitExactly(env, route, input);
}

async function admitExactly(env: Env, route: GateRoute, input: AdmitInput): Promise<AdmitResult> {
  const result = await gateCall("admit", () => requestGate(env, route).admit(input));
  if (result.idempotency?.state === "replay" && input.idempotency) {
    const { response } = result.idempotency;
    response.body = await openStoredBody(env, route.accountId, input.idempotency.key, response.body);
  }
  return result;
}

/**
 * Stored responses are encrypted at rest (AES-GCM with the at-rest key, bound
 * to account and Idempotency-Key): some carry secrets shown once, such as a
 * new webhook endpoint's `whsec_…`, which must never sit in plaintext.
 */
function storedBodyAad(accountId: string, key: string): string {
  return `idempotency:${accountId}:${key}`;
}

const PURPOSE = "idempotency-response";

async function sealStoredResponse(env: Env, accountId: string, key: string, response: StoredResponse): Promise<StoredResponse> {
  return { ...response, body: await sealBytes(await atRestKeyring(env), PURPOSE, response.body, storedBodyAad(accountId, key)) };
}

/**
 * A stored response sealed with a key the ring no longer has cannot be
 * replayed; answering anything else (re-running the request) could charge twice.
 */
async function openStoredBody(env: Env, accountId: string, key: string, body: Uint8Array): Promise<Uint8Array> {
  try {
    return await openBytes(await atRestKeyring(env), PURPOSE, body, storedBodyAad(accountId, key));
  } catch (err) {
    if (!(err instanceof UnreadableSealError)) throw err;
    log("error", "stored idempotent response unreadable with the current at-rest keys", { accountId, keyId: err.keyId, reason: err.reason });
    throw new ApiError(
      "ENCRYPTED_DATA_UNREADABLE",
      "The first response to this Idempotency-Key was processed and stored, but it is encrypted with an at-rest key this deployment no longer has, so it cannot be replayed. Do not resend the request under a new key before checking its effect.",
      { details: [{ path: "", message: "sealed with an at-rest key this deployment does not have", keyId: err.keyId, reason: err.reason }] },
    );
  }
}

/** The refusal of a request its key's bucket cannot pay for, with the bucket's headers and exact Retry-After. */
export function rateLimitedError(rate: RateLimitSpec, state: RateState): ApiError {
  return new ApiError(
    "RATE_LIMITED",
    `Rate limit exceeded for this key: ${rate.perMinute} requests per minute, bursts of ${rate.burst}. Retry after ${state.retryAfterSeconds} s.`,
    { headers: rateLimitHeaders(state) },
  );
}

/**
 * Test mode's `test_rate_limited`: the 429 this key's bucket answers when it is
 * empty, with the same headers (RateLimit at 0, Retry-After for one token).
 * Nothing is counted: a refused request costs no token, as in live mode.
 */
export function simulatedRateLimit(scope: AdmissionScope | undefined, rate: RateLimitSpec): ApiError {
  const windowSeconds = Math.ceil((rate.burst * 60) / rate.perMinute);
  const state: RateState = {
    allowed: false,
    limit: rate.burst,
    remaining: 0,
    resetSeconds: windowSeconds,
    retryAfterSeconds: Math.max(1, Math.ceil(60 / rate.perMinute)),
    windowSeconds,
  };
  if (scope) {
    scope.countPending = false;
    recordRateState(scope, state);
  }
  return rateLimitedError(rate, state);
}

/**
 * Makes the current request's deferred rate-limit count now, before work the
 * limit must gate (fetching a URL the body names: up to 10 MB and 10 s each),
 * and refuses the request if its key's bucket is empty. A no-op when the count
 * was already made. Costs one AccountGate call, on URL-sourced try-ons only.
 */
export async function countBeforeCostlyWork(env: Env, scope: AdmissionScope | undefined): Promise<void> {
  if (!scope?.countPending) return;
  scope.countPending = false;
  const state = await gateCall("count", () => requestGate(env, scope.route).countRequest(scope.rate));
  recordRateState(scope, state);
  if (!state.allowed) throw rateLimitedError(scope.rate, state);
}

/** The count owed by a request whose count was deferred to a reservation it never reached. */
export async function countDeferred(env: Env, route: GateRoute, rate: RateLimitSpec): Promise<RateState | null> {
  try {
    return await requestGate(env, route).countRequest(rate);
  } catch (err) {
    log("warn", "deferred rate-limit count failed", { accountId: route.accountId, error: describeError(err) });
    return null;
  }
}

/** Stores the first response for replay, or releases the key (response = null). Never fails the request. */
export async function completeIdempotent(env: Env, route: GateRoute, key: string, owner: string, response: StoredResponse | null): Promise<void> {
  try {
    const sealed = response ? await sealStoredResponse(env, route.accountId, key, response) : null;
    await requestGate(env, route).completeIdempotency(key, owner, sealed);
  } catch (err) {
    // The record stays "running" until its lease ends (5 min), then the key may be used again.
    log("error", "idempotency completion failed", { accountId: route.accountId, error: describeError(err) });
  }
}

/**
 * The answer to record, sealed, on the Idempotency-Key record the current
 * request owns, for the call that charges it (undefined without a key).
 */
export async function provisionalAnswer(
  env: Env,
  scope: AdmissionScope | undefined,
  accountId: string,
  response: StoredResponse,
): Promise<ProvisionalAnswer | undefined> {
  const owned = scope?.idempotency;
  if (!owned) return undefined;
  return { key: owned.key, owner: owned.owner, response: await sealStoredResponse(env, accountId, owned.key, response) };
}

export const IDEMPOTENCY_KEY_MAX = 255;
const KEY_SHAPE = /^[\x21-\x7e]+$/;

/** The Idempotency-Key of a request (null when absent); a malformed one is VALIDATION_FAILED. */
export function parseIdempotencyKey(raw: string | null): string | null {
  if (raw === null) return null;
  const key = raw.trim();
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || !KEY_SHAPE.test(key)) {
    throw new ApiError("VALIDATION_FAILED", `Idempotency-Key must be 1–${IDEMPOTENCY_KEY_MAX} visible ASCII characters (a UUID v4 is a good choice).`, {
      details: [{ path: "headers.idempotency-key", message: "Invalid Idempotency-Key" }],
    });
  }
  return key;
}
