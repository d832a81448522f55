import type { Context, Next } from "hono";
import type { AdmitInput, IdempotencyBegin, IdempotencyOutcome, RateState, StoredResponse } from "../durable/account-gate";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { randomBase62 } from "../lib/ids";
import {
  type AdmissionScope,
  admit,
  completeIdempotent,
  countDeferred,
  type GateRoute,
  gateRoute,
  mayDeferCount,
  parseIdempotencyKey,
  rateLimitedError,
  rateLimitHeaders,
  rateLimitOf,
  recordRateState,
  setRateLimitHeaders,
} from "../services/admission";
import { serviceContext } from "./context";
import { requestFingerprint } from "./request-body";
import { apiRouteKey, routeKeyOf } from "./route-table";

/**
 * Routes whose handler reserves a credit: their rate-limit count is deferred
 * to the reservation RPC, so an accepted try-on costs one Durable Object call
 * in all (the budget in docs/try-on.md). A request that fails before reserving is counted on the
 * way out. With an Idempotency-Key the count is made up front with the
 * idempotency check instead (that call is needed anyway).
 */
const CHARGING_ROUTES = new Set([apiRouteKey("POST", "/try-on"), apiRouteKey("POST", "/try-on/sync")]);
/** Routes that display the credit balance: the admission call fetches it too. */
const CREDIT_VIEW_ROUTES = new Set([apiRouteKey("GET", "/account"), apiRouteKey("GET", "/account/credits")]);

/** Response headers worth replaying; request-specific ones (ids, rate limits) are fresh on every reply. */
const REPLAYED_HEADERS = ["content-type", "location", "x-ignored-fields", "cache-control"];
/** Replay bodies are JSON envelopes or generation views; anything bigger is not kept. */
const MAX_STORED_BODY = 512 * 1024;

/**
 * A first response with one of these statuses is not stored: the request was
 * refused before it could have any effect (schema/validation 400, 413, 415,
 * 422, or a 429), or failed on our side (5xx), so the key is released and the
 * same key may be retried — as Stripe does for validation failures.
 */
function isStored(status: number): boolean {
  if (status >= 500) return false;
  return ![400, 401, 413, 415, 422, 429].includes(status);
}

/**
 * Runs after authentication on every integrator route: counts the request
 * against the key's token bucket, begins or answers the Idempotency-Key
 * record (POST), in one AccountGate RPC; then stores the response for replay
 * and stamps the rate-limit headers on every authenticated response.
 */
export async function admission(c: Context<AppEnv>, next: Next): Promise<void> {
  const auth = c.get("auth");
  if (!auth) return next(); // unknown path or method: 404/405 without a count
  const env = c.env;
  const rate = rateLimitOf(auth, c.get("config"));
  const method = c.req.method;
  const routeKey = routeKeyOf(c);
  // A malformed key is refused after the count, so the 400 carries true rate-limit headers.
  let badKey: ApiError | null = null;
  let idemKey: string | null = null;
  try {
    idemKey = method === "POST" ? parseIdempotencyKey(c.req.header("idempotency-key") ?? null) : null;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    badKey = err;
  }
  const route = gateRoute(env, auth.accountId, auth.keyId, auth.accountSpendCapPerDay);
  const scope: AdmissionScope = { accountId: auth.accountId, route, rate, countPending: false, state: null, credits: null };
  let owner: string | null = null;

  if (idemKey === null && badKey === null && CHARGING_ROUTES.has(routeKey) && mayDeferCount(rate.keyId)) {
    scope.countPending = true;
  } else {
    let idempotency: IdempotencyBegin | undefined;
    if (idemKey !== null) {
      owner = randomBase62(16);
      scope.idempotency = { key: idemKey, owner };
      const url = new URL(c.req.url);
      idempotency = {
        key: idemKey,
        method,
        path: url.pathname + url.search,
        // Reads the body once, for the route too: no clone, no second copy.
        fingerprint: await requestFingerprint(c),
        owner,
        requestId: c.get("requestId"),
      };
    }
    const input: AdmitInput = { rate, withCredits: CREDIT_VIEW_ROUTES.has(routeKey) };
    if (idempotency) input.idempotency = idempotency;
    // Test mode's daily refill is applied before the balance is shown (docs/test-mode.md).
    if (input.withCredits && !auth.livemode) input.testDailyCredits = c.get("config").TEST_DAILY_CREDITS;
    // Paid from the key's token block, the answer is synchronous: no await on a busy key's reads.
    const admitted = admit(env, route, input);
    const result = admitted instanceof Promise ? await admitted : admitted;
    recordRateState(scope, result.rate);
    scope.credits = result.credits ?? null;
    if (!result.rate.allowed) throw rateLimitedError(rate, result.rate);
    if (badKey) throw new ApiError(badKey.code, badKey.message, { details: badKey.details, headers: rateLimitHeaders(result.rate) });
    if (result.idempotency) {
      const early = idempotencyAnswer(result.idempotency, result.rate);
      if (early) {
        c.res = early; // as hono takes a returned Response, so that a layer around this one sees it too
        return;
      }
    }
  }

  // Services reach it through the request's service context (the credit reservation, the balance read).
  serviceContext(c).admission = scope;
  await next();

  if (scope.countPending) {
    scope.countPending = false;
    const counted = await countDeferred(env, route, rate);
    if (counted) recordRateState(scope, counted);
  }
  if (idemKey !== null && owner !== null) await finishIdempotency(c, route, idemKey, owner);
  if (scope.state) setRateLimitHeaders(c.res.headers, scope.state);
}

/** Replay / 409 / 422 for a key already seen; null when the request is new and should run. */
function idempotencyAnswer(outcome: IdempotencyOutcome, rate: RateState): Response | null {
  switch (outcome.state) {
    case "new":
      return null;
    case "mismatch":
      throw new ApiError(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was already used with a different request (method, path or body). Use a new key for a new request.",
        {
          headers: rateLimitHeaders(rate),
        },
      );
    case "in_use":
      throw new ApiError("IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being processed. Retry shortly.", {
        headers: { ...rateLimitHeaders(rate), "retry-after": "1" },
      });
    case "replay": {
      const headers = new Headers(outcome.response.headers);
      headers.set("idempotent-replayed", "true");
      headers.set("original-request-id", outcome.originalRequestId);
      setRateLimitHeaders(headers, rate);
      return new Response(outcome.response.body.byteLength > 0 ? outcome.response.body : null, { status: outcome.response.status, headers });
    }
  }
}

async function finishIdempotency(c: Context<AppEnv>, route: GateRoute, key: string, owner: string): Promise<void> {
  const res = c.res;
  let stored: StoredResponse | null = null;
  if (isStored(res.status)) {
    const body = new Uint8Array(await res.clone().arrayBuffer());
    if (body.byteLength <= MAX_STORED_BODY) {
      const headers: Array<[string, string]> = [];
      for (const name of REPLAYED_HEADERS) {
        const v = res.headers.get(name);
        if (v !== null) headers.push([name, v]);
      }
      stored = { status: res.status, headers, body };
    }
  }
  await completeIdempotent(c.env, route, key, owner, stored);
}
