import type {
  AdmitInput,
  AdmitResult,
  CreditSummary,
  GrantInput,
  GrantResult,
  LedgerEntry,
  RateLimitSpec,
  RateState,
  ReservationState,
  ReserveInput,
  ReserveResult,
  SettleResult,
  StoredResponse,
} from "./types";

/**
 * The thin typed client of an account's AccountGate (one object per account,
 * addressed by name). The casts restore the exact result unions, which the
 * generic RPC stub typing widens. A stub is made per call: stubs are cheap and
 * must not be shared across requests.
 */
export interface AccountGateClient {
  admit(input: AdmitInput): Promise<AdmitResult>;
  countRequest(rate: RateLimitSpec): Promise<RateState>;
  completeIdempotency(key: string, owner: string, response: StoredResponse | null): Promise<boolean>;
  reserve(input: ReserveInput): Promise<ReserveResult>;
  commit(generationId: string): Promise<SettleResult>;
  refund(generationId: string, reason: string): Promise<SettleResult>;
  withdraw(generationId: string, reason: string): Promise<SettleResult>;
  grant(input: GrantInput): Promise<GrantResult>;
  summary(): Promise<CreditSummary>;
  ledger(limit: number, beforeSeq?: number): Promise<{ entries: LedgerEntry[]; nextBefore: number | null }>;
  ledgerSum(): Promise<{ sum: number; rows: number }>;
  reservation(generationId: string): Promise<ReservationState | "none">;
}

export function accountGateStub(env: Env, accountId: string) {
  return env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
}

export function accountGate(env: Env, accountId: string): AccountGateClient {
  const stub = accountGateStub(env, accountId);
  return {
    admit: (input) => stub.admit(input) as unknown as Promise<AdmitResult>,
    countRequest: (rate) => stub.countRequest(rate) as unknown as Promise<RateState>,
    completeIdempotency: (key, owner, response) => stub.completeIdempotency(key, owner, response) as unknown as Promise<boolean>,
    reserve: (input) => stub.reserve(input) as unknown as Promise<ReserveResult>,
    commit: (id) => stub.commit(id) as unknown as Promise<SettleResult>,
    refund: (id, reason) => stub.refund(id, reason) as unknown as Promise<SettleResult>,
    withdraw: (id, reason) => stub.withdraw(id, reason) as unknown as Promise<SettleResult>,
    grant: (input) => stub.grant(input) as unknown as Promise<GrantResult>,
    summary: () => stub.summary() as unknown as Promise<CreditSummary>,
    ledger: (limit, before) => stub.ledger(limit, before) as unknown as Promise<{ entries: LedgerEntry[]; nextBefore: number | null }>,
    ledgerSum: () => stub.ledgerSum() as unknown as Promise<{ sum: number; rows: number }>,
    reservation: (id) => stub.reservation(id) as unknown as Promise<ReservationState | "none">,
  };
}
