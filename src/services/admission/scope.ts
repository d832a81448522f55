import { AsyncLocalStorage } from "node:async_hooks";
import type { CreditSummary, RateLimitSpec, RateState } from "../../durable/account-gate";
import type { GateRoute } from "./gate-route";
import { noteRateState } from "./rate-hint";

/**
 * Per-request state shared between the admission middleware and the credits
 * service without widening their signatures: the key's bucket, whether its
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

const storage = new AsyncLocalStorage<AdmissionScope>();

export function runInAdmissionScope<R>(scope: AdmissionScope, fn: () => R): R {
  return storage.run(scope, fn);
}

/** The scope of the current request when it belongs to `accountId`. */
export function admissionScopeFor(accountId: string): AdmissionScope | undefined {
  const scope = storage.getStore();
  return scope && scope.accountId === accountId ? scope : undefined;
}

/** Records the bucket state the AccountGate answered for this request: reported in headers, and fed to the isolate's hint. */
export function recordRateState(scope: AdmissionScope, state: RateState): void {
  scope.state = state;
  noteRateState(scope.rate.keyId, state);
}
