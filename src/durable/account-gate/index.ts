export { GateBuckets, TOKEN_BLOCK_LIFETIME_MS } from "./buckets";
export { accountGate } from "./client";
export { AccountGate } from "./gate";
export { gateCall } from "./gate-call";
// The key shards (src/durable/key-gate) keep their key's records with the same code as the AccountGate.
export * as idempotencyRecords from "./idempotency";
export type { AccountGateClient, AccountGateRpc } from "./rpc";
export type {
  AdmitInput,
  AdmitResult,
  CreditSummary,
  GenerationRecord,
  GrantResult,
  IdempotencyBegin,
  IdempotencyOutcome,
  LeaseResult,
  LedgerEntry,
  ProductTouch,
  ProvisionalAnswer,
  RateLimitSpec,
  RateState,
  ReserveInput,
  ReserveResult,
  SettleResult,
  StoredResponse,
} from "./types";
