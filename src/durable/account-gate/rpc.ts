import type {
  AdmitInput,
  AdmitResult,
  CreditSummary,
  GenerationRecord,
  GrantInput,
  GrantResult,
  LeaseInput,
  LeaseResult,
  LeaseReturnInput,
  LedgerEntry,
  RateLimitSpec,
  RateState,
  ReservationState,
  ReserveInput,
  ReserveResult,
  SettleResult,
  ShardRefundInput,
  StoredResponse,
} from "./types";

/**
 * The AccountGate's RPC surface, written once: the class `implements` it (so
 * the compiler holds every method to this signature) and the client is typed
 * from it. Each method runs synchronously inside the object; across the RPC
 * boundary each one answers a Promise of the same value.
 */
export interface AccountGateRpc {
  admit(input: AdmitInput): AdmitResult;
  countRequest(rate: RateLimitSpec): RateState;
  completeIdempotency(key: string, owner: string, response: StoredResponse | null): boolean;
  reserve(input: ReserveInput): ReserveResult;
  record(generationId: string, record: GenerationRecord): boolean;
  deliver(): Promise<number>;
  commit(generationId: string): SettleResult;
  refund(generationId: string, reason: string): SettleResult;
  withdraw(generationId: string, reason: string): SettleResult;
  grant(input: GrantInput): GrantResult;
  summary(testDailyCredits?: number): CreditSummary;
  setTestBalance(accountId: string, balance: number, testDailyCredits: number): GrantResult;
  ledger(limit: number, beforeSeq?: number): { entries: LedgerEntry[]; nextBefore: number | null };
  ledgerSum(): { sum: number; rows: number };
  reservation(generationId: string): ReservationState | "none";
  lease(input: LeaseInput): Promise<LeaseResult>;
  returnLease(input: LeaseReturnInput): number;
  refundFromShard(input: ShardRefundInput): number;
  leaseShards(): string[];
}

/** What a caller holds: every RPC of `AccountGateRpc`, answering asynchronously. */
export type AccountGateClient = {
  [K in keyof AccountGateRpc]: (...args: Parameters<AccountGateRpc[K]>) => Promise<Awaited<ReturnType<AccountGateRpc[K]>>>;
};
