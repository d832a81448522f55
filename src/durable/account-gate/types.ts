/**
 * Plain data crossing the AccountGate RPC boundary (structured-clonable, no
 * classes): what callers send and what the object answers. Errors are answers
 * (`ok: false` + a catalog code), never thrown across the boundary, so the
 * caller can turn them into an ApiError with the right headers.
 */

/** The effective token bucket of one API key (overrides already resolved by auth). */
export interface RateLimitSpec {
  keyId: string;
  /** Refill rate: tokens per minute. */
  perMinute: number;
  /** Bucket capacity: the most requests that can be sent at once after a quiet period. */
  burst: number;
}

/** The bucket after counting (or trying to count) one request. */
export interface RateState {
  allowed: boolean;
  /** Bucket capacity (the policy's quota). */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (0 when full). */
  resetSeconds: number;
  /** Seconds a refused request must wait for one token (0 when allowed). */
  retryAfterSeconds: number;
  /** Seconds the bucket takes to refill from empty (the policy's window). */
  windowSeconds: number;
}

export interface IdempotencyBegin {
  key: string;
  method: string;
  path: string;
  /** SHA-256 of the request body (hex); with method and path, what "the same request" means. */
  fingerprint: string;
  /** Random token of the request that owns the record while it runs; only it may complete or release it. */
  owner: string;
  /** The owning request's id, returned to replays as `Original-Request-Id`. */
  requestId: string;
}

export interface StoredResponse {
  status: number;
  /** [name, value] pairs. Not typed as tuples: RPC typing (Rpc.Stubify) widens a tuple to string[], and this is what crosses the boundary. */
  headers: string[][];
  body: Uint8Array;
}

export type IdempotencyOutcome =
  | { state: "new" }
  | { state: "replay"; response: StoredResponse; originalRequestId: string }
  | { state: "in_use" }
  | { state: "mismatch" };

export interface CreditSummary {
  /** Credits available for new generations (held credits excluded). */
  balance: number;
  /** Credits held by generations that are not settled yet. */
  reserved: number;
  /** Credits committed by COMPLETED generations, all time. */
  spent: number;
  /** Net of every operator grant and adjustment. */
  granted: number;
  refunded: number;
  /** Today (UTC): generations that reserved a credit, and how they settled so far. */
  usageToday: { day: string; reserved: number; committed: number; refunded: number; pending: number };
}

export interface AdmitInput {
  rate: RateLimitSpec;
  /** Test mode only: the free daily balance the ledger is topped up to once per UTC day (docs/test-mode.md). */
  testDailyCredits?: number;
  idempotency?: IdempotencyBegin;
  /** Also return the credit summary (routes that display it), saving a second call. */
  withCredits?: boolean;
  /**
   * Up to this many more tokens for the calling isolate to admit this key's next reads with
   * (a token block: src/services/admission/token-blocks.ts). Taken only when this request is allowed.
   */
  tokenBlock?: number;
}

export interface AdmitResult {
  rate: RateState;
  /** Absent when the request was refused by the rate limit or carried no key. */
  idempotency?: IdempotencyOutcome;
  credits?: CreditSummary;
  /** Tokens handed to the caller (only when `tokenBlock` was asked and the bucket had them); `rate.remaining` excludes them. */
  tokenBlock?: number;
}

export interface ReserveInput {
  accountId: string;
  generationId: string;
  keyId: string;
  keySpendCap: number | null;
  accountSpendCapPerDay: number | null;
  /** When the rate-limit count was deferred to this call (POST /try-on), the bucket to count. */
  rate?: RateLimitSpec;
  /** Test mode only: top the balance up to this once per UTC day before reserving. */
  testDailyCredits?: number;
  /** The Idempotency-Key record the request owns, and the answer (sealed) to record on it with the charge. */
  idempotency?: ProvisionalAnswer;
  /**
   * GENERATION_DELIVERY=outbox: the generation's D1 row and product touch, stored in the gate's outbox in
   * the transaction that holds the credit, and delivered to D1 and the queue after the 202 (outbox.ts).
   */
  record?: GenerationRecord;
}

/** What the outbox delivers for one accepted generation. */
export interface GenerationRecord {
  /** The generation's D1 row (`NewGenerationRow`), as JSON. */
  row: string;
  /** The product whose lifetime the generation refreshes, and the refreshed values. */
  touch: ProductTouch;
}

export interface ProductTouch {
  externalId: string;
  lastUsedAt: number;
  expiresAt: number | null;
}

/** A try-on's 202, recorded on its request's idempotency record in the transaction that charges it. */
export interface ProvisionalAnswer {
  key: string;
  owner: string;
  response: StoredResponse;
}

export type ReserveResult =
  | { ok: true; balance: number; replayed: boolean; rate?: RateState }
  | { ok: false; code: "INSUFFICIENT_CREDITS" | "QUOTA_EXCEEDED" | "RATE_LIMITED" | "IDEMPOTENCY_KEY_IN_USE"; message: string; rate?: RateState };

export type ReservationState = "held" | "committed" | "refunded";

export interface SettleResult {
  /** The reservation's state after the call; "none" when no credit was ever reserved. */
  state: ReservationState | "none";
  /** True only for the call that performed the transition. */
  changed: boolean;
  /** The AccountGate's available balance after the call; from a key shard, the shard's unused block. */
  balance: number;
}

export interface GrantInput {
  amount: number;
  reason: string;
  reference?: string | null;
}

export interface LedgerEntry {
  id: string;
  /** `lease` / `lease_return`: a block of credits moved to / back from a key shard (docs/scaling.md). */
  kind: "grant" | "adjust" | "reserve" | "commit" | "refund" | "lease" | "lease_return";
  /** Effect on the available balance (reserve −1, refund +1, commit 0). */
  amount: number;
  balanceAfter: number;
  generationId: string | null;
  keyId: string | null;
  reason: string;
  reference: string | null;
  createdAt: number;
}

export type GrantResult =
  | { ok: true; duplicate: boolean; entry: LedgerEntry; summary: CreditSummary }
  | { ok: false; code: "INSUFFICIENT_CREDITS" | "IDEMPOTENCY_KEY_REUSED" | "TEST_MODE_ONLY"; message: string };

/** A key shard asks for a block of credits; `reference` (the shard's id for this move) makes a retry apply once. */
export interface LeaseInput {
  shard: string;
  keyId: string;
  want: number;
  reference: string;
  /**
   * Settles a lease whose answer the shard lost: answers what this reference was granted, and if it
   * was never applied, records it as granted nothing (so a late copy of the first call cannot grant
   * credits the shard no longer waits for). Never grants anew and never recalls other shards.
   */
  resolveOnly?: boolean;
}

export interface LeaseResult {
  /** Credits moved to the shard (0: the account has none). */
  granted: number;
  balance: number;
  /**
   * This reference was settled earlier as granting nothing (`resolveOnly`): the answer says nothing
   * about the balance, and the shard asks again under a new reference.
   */
  refused?: true;
}

export interface LeaseReturnInput {
  shard: string;
  keyId: string;
  amount: number;
  /** What the shard still holds unused after this return. */
  unusedAfter: number;
  reason: string;
  reference: string;
}

export interface ShardRefundInput {
  shard: string;
  keyId: string;
  generationId: string;
  reason: string;
}
