export { accountGate } from "./client";
export { AccountGate } from "./gate";
export { gateCall } from "./gate-call";
export type { AccountGateClient, AccountGateRpc } from "./rpc";
export type {
  AdmitInput,
  AdmitResult,
  CreditSummary,
  GrantResult,
  IdempotencyBegin,
  IdempotencyOutcome,
  LedgerEntry,
  ProvisionalAnswer,
  RateLimitSpec,
  RateState,
  SettleResult,
  StoredResponse,
} from "./types";
