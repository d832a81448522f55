import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../../config";
import { getDb } from "../../db/client";
import { findGenerationCreditStates } from "../../db/repo/generation-credits";
import { insertAcceptedGenerations, type NewGenerationRow } from "../../db/repo/generations";
import { now as clockNow } from "../../lib/clock";
import { describeError, log } from "../../lib/logger";
import { isTestAccountId } from "../../lib/modes";
import { MINUTE } from "../../lib/time";
import { GateBuckets } from "./buckets";
import * as idempotency from "./idempotency";
import * as leases from "./leases";
import * as credits from "./ledger";
import * as outbox from "./outbox";
import type { AccountGateRpc } from "./rpc";
import { applySchema } from "./schema";
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

// Re-exported so existing importers of this module keep working; the records themselves live in idempotency.ts.
export { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS } from "./idempotency";

/** Held reservations older than this are checked against D1 by the alarm (crash between steps). */
export const ORPHAN_AFTER_MS = 15 * MINUTE;
const ALARM_EVERY_MS = 15 * MINUTE;
/**
 * Generations delivered per D1 batch (one INSERT of them all, ~1.5 KB of JSON each, plus one touch per
 * product) and per queue `sendBatch` (at most 100 messages).
 */
export const OUTBOX_BATCH = 40;
/** Undelivered outbox rows are retried by the alarm this soon (a delivery that failed, or an object restarted before its timer). */
export const OUTBOX_RETRY_MS = 10_000;

/**
 * One object per account (SQLite-backed, `idFromName(accountId)`): the
 * account's per-key token buckets (buckets.ts), its credit balance and
 * ledger (ledger.ts), and its idempotency records (idempotency.ts),
 * so a request needs one RPC for everything it must decide. This class applies
 * the schema (schema.ts) and owns the clock, the transactions and the alarm;
 * the RPC methods delegate to those modules.
 *
 * Every RPC is synchronous SQL inside `transactionSync`: no await between a
 * read and its write, so the input gate serializes callers and N concurrent
 * reservations against K credits accept exactly K. External I/O never sits
 * inside a decision: the alarm's D1 read happens before its transaction (the
 * state is re-read inside it), and the outbox's delivery (`deliver`) touches
 * no balance: it sends rows already decided, one delivery at a time, and
 * deletes only the rows it sent.
 *
 * Ledger invariant: granted − committed − held = balance, and the sum of
 * ledger amounts = balance.
 */
export class AccountGate extends DurableObject<Env> implements AccountGateRpc {
  private readonly sql: SqlStorage;
  /** Test-only fixed clock (ENVIRONMENT=test); null = real time. */
  private fixedNow: number | null = null;
  private alarmKnown = false;
  private readonly buckets: GateBuckets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    applySchema(ctx.storage);
    this.buckets = new GateBuckets(this.sql);
  }

  // ---------------------------------------------------------------- clock

  private now(): number {
    return this.fixedNow ?? clockNow();
  }

  /** Tests only: freeze this object's clock at `ms` (null = real time again). */
  testSetClock(ms: number | null): number {
    if (this.env.ENVIRONMENT !== "test") throw new Error("testSetClock is only available in tests");
    this.fixedNow = ms;
    return this.now();
  }

  /** Tests only: move the frozen clock forward (freezing it at real time first). */
  testAdvanceClock(ms: number): number {
    return this.testSetClock((this.fixedNow ?? clockNow()) + ms);
  }

  // ------------------------------------------------------- the hot path

  /**
   * Counts one request against the key's bucket and, for a POST carrying an
   * Idempotency-Key, begins (or answers from) its record. A refused request
   * does not touch the idempotency record.
   */
  admit(input: AdmitInput): AdmitResult {
    const now = this.now();
    const run = (): AdmitResult => {
      const { state: rate, granted } = this.buckets.takeWithBlock(input.rate, now, input.tokenBlock ?? 0);
      if (input.testDailyCredits !== undefined) credits.refillTestDaily(this.sql, input.testDailyCredits, now);
      const result: AdmitResult = { rate };
      if (granted > 0) result.tokenBlock = granted;
      if (rate.allowed && input.idempotency) result.idempotency = idempotency.begin(this.sql, input.idempotency, now);
      if (input.withCredits) result.credits = credits.summaryAt(this.sql, now);
      return result;
    };
    // A read's admission (no Idempotency-Key, no test refill) writes at most one bucket row: the
    // object runs one event at a time and `run` never awaits, so it is already atomic without an
    // explicit transaction, which would cost every read a BEGIN/COMMIT (docs/performance.md).
    const writesSeveral = input.idempotency !== undefined || input.testDailyCredits !== undefined;
    const out = writesSeveral ? this.ctx.storage.transactionSync(run) : run();
    if (out.idempotency?.state === "new") this.ensureAlarm(now);
    return out;
  }

  /** Counts a request whose count was deferred and that never reached `reserve` (it failed earlier). */
  countRequest(rate: RateLimitSpec): RateState {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => this.buckets.take(rate, now));
  }

  // -------------------------------------------------------- idempotency

  /**
   * Stores the first response for replay, or (response = null) releases the
   * key so the request may be retried with it. Only the owning request may do
   * either; a late owner whose lease was taken over changes nothing.
   */
  completeIdempotency(key: string, owner: string, response: StoredResponse | null): boolean {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => idempotency.complete(this.sql, key, owner, response, now));
  }

  // ------------------------------------------------------------ credits

  /**
   * Holds one credit for a generation. With `input.idempotency` (the request
   * owns an Idempotency-Key record), the request's provisional answer (its
   * 202) is written to that record in the same transaction: from the moment
   * it is charged, a retry with the key replays that 202, whatever happens to
   * the request afterwards. A request whose record was taken over (its lease
   * ran out) is refused, so two runs of one key can never both charge.
   */
  reserve(input: ReserveInput): ReserveResult {
    const now = this.now();
    const out = this.ctx.storage.transactionSync((): ReserveResult => {
      const owned = input.idempotency;
      if (owned && !idempotency.owns(this.sql, owned.key, owned.owner)) {
        return {
          ok: false,
          code: "IDEMPOTENCY_KEY_IN_USE",
          message: "Another request with this Idempotency-Key took over; it answers for this key. Retry shortly to get its answer.",
        };
      }
      const res = credits.reserve(this.sql, this.buckets, input, now);
      if (res.ok && owned) idempotency.recordProvisional(this.sql, owned.key, owned.owner, input.generationId, owned.response);
      if (res.ok && input.record) outbox.store(this.sql, input.generationId, input.record, now);
      return res;
    });
    if (out.ok && input.record) this.scheduleDelivery();
    else if (out.ok && !out.replayed) this.ensureAlarm(now);
    return out;
  }

  // -------------------------------------------------------------- outbox

  /**
   * Records a try-on reserved earlier in this object, once its own writes are
   * done (an inline product, a photo in the request): stored in the outbox
   * only while its credit is still held, so a withdrawn or settled try-on can
   * never be delivered. Answers whether it is recorded.
   */
  record(generationId: string, record: GenerationRecord): boolean {
    const now = this.now();
    const stored = this.ctx.storage.transactionSync(() => {
      if (credits.reservationState(this.sql, generationId) !== "held") return false;
      outbox.store(this.sql, generationId, record, now);
      return true;
    });
    if (stored) this.scheduleDelivery();
    return stored;
  }

  /** Deliveries run one after another; each drains the outbox. */
  private deliveries: Promise<number> = Promise.resolve(0);
  private gathering = false;

  /**
   * Delivers every generation stored in the outbox before this call (and any
   * stored while it runs) to D1 and the queue; answers how many it delivered.
   * Readers that can come before a delivery (a poll right after the 202,
   * lists, cancel, erase) call it first. Throws when D1 or the queue fails:
   * the entries stay, and the alarm retries them.
   */
  deliver(): Promise<number> {
    const run = this.deliveries.then(
      () => this.drainOutbox(),
      () => this.drainOutbox(),
    );
    this.deliveries = run.catch(() => 0);
    return run;
  }

  /** After a try-on is stored: one delivery per gathering window, and the alarm armed in case this object stops first. */
  private scheduleDelivery(): void {
    if (this.gathering) return;
    this.gathering = true;
    this.alarmKnown = true;
    // Alarms fire in real time, whatever a test froze this object's clock at.
    const retryAt = clockNow() + OUTBOX_RETRY_MS;
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null || at > retryAt) return this.ctx.storage.setAlarm(retryAt);
    });
    setTimeout(() => {
      this.gathering = false;
      this.deliver().catch((err: unknown) => log("error", "outbox delivery failed; the alarm retries it", { error: describeError(err) }));
    }, getConfig(this.env).GENERATION_OUTBOX_GATHER_MS);
  }

  private async drainOutbox(): Promise<number> {
    const accountId = credits.rememberedAccount(this.sql);
    let delivered = 0;
    for (;;) {
      const batch = outbox.oldest(this.sql, OUTBOX_BATCH);
      const first = batch[0];
      const last = batch.at(-1);
      if (!first || !last || !accountId) return delivered;
      const rows = batch.map((e) => JSON.parse(e.row) as NewGenerationRow);
      // D1 first: the consumer a message wakes reads the row.
      await insertAcceptedGenerations(getDb(this.env.DB), accountId, rows, outbox.latestTouches(batch));
      await this.env.GENERATIONS_QUEUE.sendBatch(batch.map((e) => ({ body: { generationId: e.generationId, accountId } })));
      outbox.remove(this.sql, first.seq, last.seq);
      delivered += batch.length;
    }
  }

  /**
   * The try-on was never recorded (its D1 row is confirmed absent or was
   * withdrawn before anyone ran it): refunds its held credit and clears the
   * provisional answer naming it, so a retry with the same Idempotency-Key
   * runs again, since nothing was charged. Only for a generation that does
   * not exist; one that was recorded and FAILED is refunded with `refund`,
   * whose replays keep answering its 202.
   */
  withdraw(generationId: string, reason: string): SettleResult {
    const now = this.now();
    return this.ctx.storage.transactionSync((): SettleResult => {
      const res = credits.settle(this.sql, generationId, "refunded", reason || "try-on withdrawn", now);
      // A committed credit means the generation ran after all: its answer stays.
      if (res.state !== "committed") idempotency.clearProvisional(this.sql, generationId);
      return res;
    });
  }

  /** COMPLETED: the held credit becomes spent. Idempotent; a refunded reservation stays refunded. */
  commit(generationId: string): SettleResult {
    return this.settle(generationId, "committed", "generation completed");
  }

  /** FAILED (any cause, cancel included): the held credit returns to the balance, exactly once. */
  refund(generationId: string, reason: string): SettleResult {
    return this.settle(generationId, "refunded", reason || "generation failed");
  }

  private settle(generationId: string, to: "committed" | "refunded", reason: string): SettleResult {
    const now = this.now();
    return this.ctx.storage.transactionSync((): SettleResult => credits.settle(this.sql, generationId, to, reason, now));
  }

  /**
   * Operator grant (amount > 0) or adjustment (amount < 0, never below a zero
   * balance). A `reference` makes it idempotent: the same reference again
   * returns the first entry; with another amount it is refused.
   */
  grant(input: GrantInput): GrantResult {
    const now = this.now();
    return this.ctx.storage.transactionSync((): GrantResult => credits.grant(this.sql, input, now));
  }

  /** With `testDailyCredits` (a test twin's gate), today's free refill happens first. */
  summary(testDailyCredits?: number): CreditSummary {
    const now = this.now();
    if (testDailyCredits === undefined) return credits.summaryAt(this.sql, now);
    return this.ctx.storage.transactionSync(() => {
      credits.refillTestDaily(this.sql, testDailyCredits, now);
      return credits.summaryAt(this.sql, now);
    });
  }

  /**
   * Test mode only (POST /test/credits, DELETE /test/data): sets the balance
   * to exactly `balance` with one ledger adjustment. Refused for a live
   * account's gate, whatever the caller says.
   */
  setTestBalance(accountId: string, balance: number, testDailyCredits: number): GrantResult {
    if (!isTestAccountId(accountId)) return { ok: false, code: "TEST_MODE_ONLY", message: "Only a test-mode ledger can be set." };
    const now = this.now();
    return this.ctx.storage.transactionSync((): GrantResult => credits.setTestBalance(this.sql, balance, testDailyCredits, now));
  }

  /** Newest first; `beforeSeq` pages back. */
  ledger(limit: number, beforeSeq?: number): { entries: LedgerEntry[]; nextBefore: number | null } {
    return credits.page(this.sql, limit, beforeSeq);
  }

  /** For tests and audits: the sum of ledger amounts (must equal the balance). */
  ledgerSum(): { sum: number; rows: number } {
    return credits.sum(this.sql);
  }

  /** Reservation state of one generation (reconciliation and tests). */
  reservation(generationId: string): ReservationState | "none" {
    return credits.reservationState(this.sql, generationId);
  }

  // ------------------------------------------------ leases to key shards

  /**
   * A key shard's block of credits (leases.ts). When the balance cannot give
   * any, the other shards' unused credits are recalled first (one recall in
   * flight, shared), so a refusal means the account truly has none left.
   * A shard settling a lost answer (`resolveOnly`) never waits on a recall:
   * the recall may be what asked it to release. Nor does a reference settled
   * as refused: its answer is final, whatever the balance.
   */
  async lease(input: LeaseInput): Promise<LeaseResult> {
    const first = this.ctx.storage.transactionSync(() => leases.lease(this.sql, input, this.now()));
    if (first.granted > 0 || first.refused || input.resolveOnly) return first;
    if (leases.holders(this.sql, input.shard).length === 0) return first;
    await this.recall(input.shard);
    return this.ctx.storage.transactionSync(() => leases.lease(this.sql, input, this.now()));
  }

  /** Unused leased credits back to the balance, once per reference. */
  returnLease(input: LeaseReturnInput): number {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => leases.takeBack(this.sql, input, now));
  }

  /** A shard-charged try-on failed: its credit comes back here, once per generation. */
  refundFromShard(input: ShardRefundInput): number {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => leases.refundFromShard(this.sql, input, now));
  }

  /** Every shard that ever leased from this account (for an exact summary). */
  leaseShards(): string[] {
    return leases.shards(this.sql);
  }

  private recalling: Promise<void> | null = null;

  private recall(except: string): Promise<void> {
    if (!this.recalling) {
      const names = leases.holders(this.sql, except);
      this.recalling = Promise.allSettled(
        names.map((name) => {
          const [accountId = "", keyId = ""] = name.split("/");
          return this.env.KEY_GATE.get(this.env.KEY_GATE.idFromName(name)).release({ accountId, keyId }, "recalled: another key needs credits");
        }),
      )
        .then(() => undefined)
        .finally(() => {
          this.recalling = null;
        });
    }
    return this.recalling;
  }

  // -------------------------------------------------------------- alarm

  /** Schedules the housekeeping alarm once if none is pending (checked once per object lifetime). */
  private ensureAlarm(now: number): void {
    if (this.alarmKnown) return;
    this.alarmKnown = true;
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(now + ALARM_EVERY_MS);
    });
  }

  /**
   * Housekeeping: purge expired idempotency records, and settle reservations
   * still held long after acceptance by asking D1 what became of their
   * generation (COMPLETED → commit, FAILED → refund, never recorded →
   * withdraw: refund and clear its provisional idempotent answer).
   * Reschedules itself while anything remains to watch.
   */
  override async alarm(): Promise<void> {
    try {
      await this.deliver();
    } catch (err) {
      log("error", "outbox delivery failed; retrying", { error: describeError(err), retryInMs: OUTBOX_RETRY_MS });
    }
    const now = this.now();
    idempotency.purgeExpired(this.sql, now);
    leases.purgeRefusals(this.sql, now);
    try {
      await this.settleOrphans(now);
    } catch (err) {
      log("error", "account gate orphan check failed", { error: describeError(err) });
    }
    const pending = this.sql
      .exec<{ n: number }>("SELECT (SELECT COUNT(*) FROM idempotency) + (SELECT COUNT(*) FROM reservations WHERE state = 'held') AS n")
      .one().n;
    this.alarmKnown = pending > 0;
    if (outbox.size(this.sql) > 0) await this.ctx.storage.setAlarm(clockNow() + OUTBOX_RETRY_MS);
    else if (pending > 0) await this.ctx.storage.setAlarm(this.now() + ALARM_EVERY_MS);
  }

  /** Exposed for tests: the orphan check the alarm runs. Returns how many reservations it settled. */
  async settleOrphans(now: number = this.now()): Promise<number> {
    const accountId = credits.rememberedAccount(this.sql);
    if (!accountId) return 0;
    const held = this.sql
      .exec<{ generation_id: string }>(
        // A generation still in the outbox is recorded (here), not lost: its delivery is retried, never withdrawn.
        "SELECT generation_id FROM reservations WHERE state = 'held' AND created_at <= ? AND generation_id NOT IN (SELECT generation_id FROM outbox) ORDER BY created_at LIMIT 50",
        now - ORPHAN_AFTER_MS,
      )
      .toArray()
      .map((r) => r.generation_id);
    if (held.length === 0) return 0;
    // External I/O first; each settle below re-reads the reservation inside its own transaction.
    const states = await findGenerationCreditStates(getDb(this.env.DB), accountId, held);
    let settled = 0;
    for (const id of held) {
      const status = states.get(id);
      let r: SettleResult | null = null;
      if (status === undefined) r = this.withdraw(id, "generation was never recorded");
      else if (status === "COMPLETED") r = this.commit(id);
      else if (status === "FAILED") r = this.refund(id, "generation failed (reconciled)");
      if (r?.changed) settled++;
    }
    return settled;
  }
}
