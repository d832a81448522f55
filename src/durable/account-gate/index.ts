export { accountGate } from "./client";
export { gateCall } from "./gate-call";
export { AccountGate } from "./gate";
export type { IdempotencyBegin, IdempotencyOutcome, RateState, StoredResponse, CreditSummary, LedgerEntry, AdmitInput, AdmitResult, ProvisionalAnswer, RateLimitSpec, GrantResult, SettleResult } from "./types";
