export {
  admit,
  completeIdempotent,
  countBeforeCostlyWork,
  countDeferred,
  parseIdempotencyKey,
  provisionalAnswer,
  rateLimitedError,
  simulatedRateLimit,
} from "./admit";
export { type GateRoute, gateRoute, type RequestGate, requestGate, shardsOn } from "./gate-route";
export { mayDeferCount } from "./rate-hint";
export { rateLimitHeaders, setRateLimitHeaders } from "./rate-limit-headers";
export { rateLimitOf } from "./rate-limits";
export type { AdmissionScope } from "./scope";
export { admissionScopeOf, recordRateState } from "./scope";
export { movingCredits } from "./token-blocks";
