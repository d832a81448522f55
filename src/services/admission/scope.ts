import type { ServiceContext } from "../../context";
import type { CreditSummary, RateLimitSpec, RateState } from "../../durable/account-gate";
import type { GateRoute } from "./gate-route";
import { noteRateState } from "./rate-hint";

/**
 * Per-request state shared between the admission middleware and the credits
 * service, on the request's service context: the key's bucket, whether its
 * count was deferred to the credit reservation (POST /try-on: one DO call in
 * all), the rate state to report in headers, and a credit summary fetched by
 * the admission call for routes that display it.
 */
export interface AdmissionScope {
  accountId: string;
  /** The object that decides for this request (the AccountGate, or the key's shard). */
  route: GateRoute;
  rate: RateLimitSpec;
  /** True while the request's rate-limit count is still owed (deferred and not yet made). */
  countPending: boolean;
  state: RateState | null;
  credits: CreditSummary | null;
  /** The Idempotency-Key record this request owns (POST with a key): a charge records its provisional answer there. */
  idempotency?: { key: string; owner: string };
}

/**
 * The admission of the request `ctx` serves when it belongs to `accountId`. It travels on the
 * service context rather than in an AsyncLocalStorage: entering a storage frame cost every
 * admitted request ~6 µs of the thread (docs/performance.md, item 15).
 */
export function admissionScopeOf(ctx: Pick<ServiceContext, "admission">, accountId: string): AdmissionScope | undefined {
  const scope = ctx.admission;
  return scope && scope.accountId === accountId ? scope : undefined;
}

/** Records the bucket state the AccountGate answered for this request: reported in headers, and fed to the isolate's hint. */
export function recordRateState(scope: AdmissionScope, state: RateState): void {
  scope.state = state;
  noteRateState(scope.rate.keyId, state);
}
