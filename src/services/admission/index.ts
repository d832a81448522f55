export { admit, completeIdempotent, countDeferred, parseIdempotencyKey, rateLimitedError, provisionalAnswer, countBeforeCostlyWork } from "./admit";
export { mayDeferCount } from "./rate-hint";
export { rateLimitOf } from "./rate-limits";
export { recordRateState, runInAdmissionScope, admissionScopeFor } from "./scope";
export type { AdmissionScope } from "./scope";
export { rateLimitHeaders } from "./rate-limit-headers";
