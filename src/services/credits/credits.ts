import type { ServiceContext } from "../../context";
import {
  accountGate,
  type CreditSummary,
  type GenerationRecord,
  type GrantResult,
  gateCall,
  type LedgerEntry,
  type SettleResult,
  type StoredResponse,
} from "../../durable/account-gate";
import { ApiError } from "../../errors";
import { log } from "../../lib/logger";
import { isTestAccountId, type Mode } from "../../lib/modes";
import { type Page, type PageRequest, pageAt, seqCursor } from "../../lib/pagination";
import { accountIdForMode, getAccount } from "../accounts";
import {
  type AdmissionScope,
  admissionScopeOf,
  type GateRoute,
  gateRoute,
  movingCredits,
  provisionalAnswer,
  rateLimitHeaders,
  recordRateState,
  requestGate,
  shardsOn,
} from "../admission";
import { exactSummary, shardSettle } from "./shards";

/**
 * The credits seam: reserve one credit when a generation is accepted, commit it
 * on COMPLETED, refund it on FAILED (any cause, cancel included). Each call is
 * idempotent by generation id and writes one ledger row with a reason. The
 * truth lives in the account's AccountGate Durable Object, which serializes
 * every movement, so N parallel reservations against K credits accept exactly K.
 *
 * Reading a balance, listing generations, failed and cancelled generations
 * are free: only a COMPLETED generation spends a credit.
 */
export interface ReserveCreditInput {
  accountId: string;
  keyId: string;
  generationId: string;
  keySpendCap: number | null;
  accountSpendCapPerDay: number | null;
  /** Test mode only: the free daily balance, topped up once per UTC day before the reservation. */
  testDailyCredits?: number;
  /**
   * What the request answers once accepted (the try-on's 202). When the
   * request owns an Idempotency-Key record it is recorded there with the
   * charge, so a retry replays it instead of charging again.
   */
  provisional?: StoredResponse;
  /**
   * The generation's record for the AccountGate's outbox (GENERATION_DELIVERY=outbox): stored with the
   * hold, delivered to D1 and the queue after the answer. Taken only when the AccountGate charges
   * (not a key shard).
   */
  record?: GenerationRecord;
}

/**
 * Throws ApiError INSUFFICIENT_CREDITS or QUOTA_EXCEEDED when the credit cannot
 * be reserved. On POST /try-on the admission middleware defers the request's
 * rate-limit count to this call (one DO round trip for the whole request), so
 * it may also throw RATE_LIMITED. `request` is the service context of the request making the
 * reservation: its admission is used when it belongs to this account.
 * Answers whether the gate took `input.record` into its outbox (then the generation is recorded).
 */
export async function reserveCredit(env: Env, input: ReserveCreditInput, request?: Pick<ServiceContext, "admission">): Promise<boolean> {
  const scope = request ? admissionScopeOf(request, input.accountId) : undefined;
  const deferred = scope?.countPending && scope.rate.keyId === input.keyId ? scope.rate : undefined;
  const idempotency = input.provisional ? await provisionalAnswer(env, scope, input.accountId, input.provisional) : undefined;
  const route = chargingRoute(env, input, scope);
  const record = input.record && !route.sharded ? input.record : undefined;
  const res = await movingCredits(input.accountId, () =>
    gateCall("reserve", () =>
      requestGate(env, route).reserve({
        accountId: input.accountId,
        generationId: input.generationId,
        keyId: input.keyId,
        keySpendCap: input.keySpendCap,
        accountSpendCapPerDay: input.accountSpendCapPerDay,
        ...(deferred ? { rate: deferred } : {}),
        ...(idempotency ? { idempotency } : {}),
        ...(input.testDailyCredits !== undefined ? { testDailyCredits: input.testDailyCredits } : {}),
        ...(record ? { record } : {}),
      }),
    ),
  );
  if (scope && deferred) {
    scope.countPending = false;
    if (res.rate) recordRateState(scope, res.rate);
  }
  if (!res.ok) {
    const headers = { ...(res.rate ? rateLimitHeaders(res.rate) : {}), ...(res.code === "IDEMPOTENCY_KEY_IN_USE" ? { "retry-after": "1" } : {}) };
    throw new ApiError(res.code, res.message, { headers });
  }
  return record !== undefined;
}

/** The gate that charges the request's key: its admission's when it has one for that key. */
function chargingRoute(
  env: Env,
  input: Pick<ReserveCreditInput, "accountId" | "keyId" | "accountSpendCapPerDay">,
  scope: AdmissionScope | undefined,
): GateRoute {
  return scope && scope.route.keyId === input.keyId ? scope.route : gateRoute(env, input.accountId, input.keyId, input.accountSpendCapPerDay);
}

/** What `recordGeneration` did: recorded in the outbox, refused (the credit is no longer held), or no outbox (a key shard charged it). */
export type RecordOutcome = "recorded" | "not-held" | "sharded";

/**
 * GENERATION_DELIVERY=outbox, for a try-on whose own writes came after its
 * reservation (an inline product, a photo in the request): hands its record
 * to the AccountGate that holds its credit, one call. A key shard's charge
 * has no outbox ("sharded": the caller delivers it itself). Throws
 * SERVICE_UNAVAILABLE when the gate cannot be reached.
 */
export async function recordGeneration(
  env: Env,
  input: Pick<ReserveCreditInput, "accountId" | "keyId" | "accountSpendCapPerDay" | "generationId">,
  record: GenerationRecord,
  request?: Pick<ServiceContext, "admission">,
): Promise<RecordOutcome> {
  const route = chargingRoute(env, input, request ? admissionScopeOf(request, input.accountId) : undefined);
  if (route.sharded) return "sharded";
  const recorded = await gateCall("record", () => accountGate(env, input.accountId).record(input.generationId, record));
  return recorded ? "recorded" : "not-held";
}

/**
 * For a try-on that was NOT recorded (its D1 row is confirmed absent, or was
 * withdrawn before anyone ran it): refunds its credit and clears the
 * provisional idempotent answer naming it, so a retry with the same key runs
 * again. Never for a generation that exists (use `settle` with "refund").
 */
export function withdrawCredit(env: Env, accountId: string, generationId: string, reason: string, keyId?: string | null): Promise<SettleResult> {
  return movingCredits(accountId, () => withdrawNow(env, accountId, generationId, reason, keyId));
}

async function withdrawNow(env: Env, accountId: string, generationId: string, reason: string, keyId?: string | null): Promise<SettleResult> {
  const sharded = await shardSettle(env, accountId, keyId, generationId, "withdraw", reason, shardsOn(env, accountId));
  if (sharded) return sharded;
  return gateCall("withdraw", () => accountGate(env, accountId).withdraw(generationId, reason));
}

/**
 * What D1's `credit_state` should record after a settle call: the ledger's own
 * answer, which can differ from the operation asked for (a refund of a credit
 * already committed stays committed; "none" when no credit was ever held).
 */
export function creditStateAfter(res: SettleResult): "committed" | "refunded" | "none" {
  return res.state === "held" ? "none" : res.state;
}

/**
 * COMPLETED → "commit", FAILED → "refund", exactly once; reports what the ledger did. With
 * the generation's API key, a credit charged by that key's shard is settled
 * there (with GATE_SHARDS on, the shard is asked first; off, only when the
 * AccountGate never held it, e.g. charged before the flag was turned off).
 */
export function settle(
  env: Env,
  accountId: string,
  generationId: string,
  op: "commit" | "refund",
  reason = "generation failed",
  keyId?: string | null,
): Promise<SettleResult> {
  return movingCredits(accountId, () => settleNow(env, accountId, generationId, op, reason, keyId));
}

async function settleNow(
  env: Env,
  accountId: string,
  generationId: string,
  op: "commit" | "refund",
  reason: string,
  keyId?: string | null,
): Promise<SettleResult> {
  const on = shardsOn(env, accountId);
  if (on) {
    const sharded = await shardSettle(env, accountId, keyId, generationId, op, reason, true);
    if (sharded) return sharded;
  }
  const gate = accountGate(env, accountId);
  const res = await gateCall(op, () => (op === "commit" ? gate.commit(generationId) : gate.refund(generationId, reason)));
  if (res.state !== "none" || on) return res;
  return (await shardSettle(env, accountId, keyId, generationId, op, reason, true)) ?? res;
}

/** Balance, held, spent and today's usage; reuses the figures the admission call fetched for this request. */
export async function getCreditSummary(ctx: ServiceContext, accountId: string): Promise<CreditSummary> {
  const prefetched = admissionScopeOf(ctx, accountId)?.credits;
  if (prefetched) return prefetched;
  const refill = isTestAccountId(accountId) ? ctx.config.TEST_DAILY_CREDITS : undefined;
  if (shardsOn(ctx.env, accountId)) return exactSummary(ctx.env, accountId);
  return gateCall("summary", () => accountGate(ctx.env, accountId).summary(refill));
}

/**
 * POST /test/credits: sets a test ledger's balance to exactly `balance` (one
 * adjustment in the ledger), e.g. 0 to make the next try-on answer 402.
 */
export async function setTestBalance(ctx: ServiceContext, accountId: string, balance: number): Promise<CreditSummary> {
  if (!isTestAccountId(accountId)) throw new ApiError("TEST_MODE_ONLY", "Setting the balance is a test-mode tool: call it with a dr_test_ key.");
  const res = await movingCredits(accountId, () =>
    gateCall("setTestBalance", () => accountGate(ctx.env, accountId).setTestBalance(accountId, balance, ctx.config.TEST_DAILY_CREDITS)),
  );
  if (!res.ok) throw new ApiError(res.code, res.message);
  log("info", "test balance set", { requestId: ctx.requestId, accountId, balance });
  return res.summary;
}

export interface GrantCreditsInput {
  amount: number;
  reason: string;
  reference?: string | null | undefined;
}

/** Operator verb: grant (amount > 0) or adjust (amount < 0); idempotent by `reference`. */
export async function grantCredits(ctx: ServiceContext, accountId: string, input: GrantCreditsInput): Promise<Extract<GrantResult, { ok: true }>> {
  await getAccount(ctx, accountId);
  const res = await movingCredits(accountId, () =>
    gateCall("grant", () => accountGate(ctx.env, accountId).grant({ amount: input.amount, reason: input.reason, reference: input.reference ?? null })),
  );
  if (!res.ok) throw new ApiError(res.code, res.message);
  log("info", "credits granted", { requestId: ctx.requestId, accountId, amount: input.amount, duplicate: res.duplicate });
  return res;
}

const LEDGER_CURSOR = seqCursor("credit-ledger");

/**
 * The account's balance and one page of its ledger, newest first: the live account's, or with
 * `mode` "test" its test twin's (the dashboard's test mode). `accountId` is always a live account.
 */
export async function getCreditLedger(
  ctx: ServiceContext,
  accountId: string,
  page: PageRequest,
  mode: Mode = "live",
): Promise<{ summary: CreditSummary; ledger: Page<LedgerEntry> }> {
  const before = LEDGER_CURSOR.decode(page.cursor);
  const partition = await accountIdForMode(ctx, accountId, mode);
  const gate = accountGate(ctx.env, partition);
  // With shards, their unused blocks come back first, so the balance shown is exact and the ledger page shows the returns.
  const summary = shardsOn(ctx.env, partition) ? await exactSummary(ctx.env, partition) : await gateCall("summary", () => gate.summary());
  const ledger = await gateCall("ledger", () => gate.ledger(page.limit, before));
  return { summary, ledger: pageAt(ledger.entries, ledger.nextBefore, LEDGER_CURSOR) };
}
