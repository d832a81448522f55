import { DurableObject } from "cloudflare:workers";
import { getDb } from "../../db/client";
import { findGenerationCreditStates } from "../../db/repo/generation-credits";
import { now as clockNow } from "../../lib/clock";
import { newId } from "../../lib/ids";
import { describeError, log } from "../../lib/logger";
import { MINUTE } from "../../lib/time";
import {
  type AdmitInput,
  type AdmitResult,
  accountGate,
  GateBuckets,
  idempotencyRecords as idempotency,
  type LeaseResult,
  type RateLimitSpec,
  type RateState,
  type ReserveInput,
  type ReserveResult,
  type SettleResult,
  type StoredResponse,
} from "../account-gate";
import { shardName } from "./client";
import { applyKeyGateSchema } from "./schema";
import type { ShardRef, ShardStats } from "./types";

/** Unused credits go back to the account after this long without a try-on on the key. */
export const SHARD_IDLE_MS = MINUTE;
/** Held reservations older than this are checked against D1 (as the AccountGate does). */
const ORPHAN_AFTER_MS = 15 * MINUTE;
const WANT = 64;

type Outbox = { reference: string; kind: "lease" | "return" | "refund"; amount: number; generation_id: string | null; reason: string };

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * One object per (account, API key), used when GATE_SHARDS is on
 * (docs/scaling.md): it takes the per-request decisions of its key — the
 * key's token bucket, its Idempotency-Key records, and the credit charge —
 * from a block of credits leased from the account's AccountGate, so an
 * account's try-ons spread over as many objects as it has keys and the
 * AccountGate sees one call per block instead of one per try-on.
 *
 * Exactness: every decision is synchronous SQL in `transactionSync` (the
 * input gate serializes callers, as in the AccountGate), and a try-on is
 * charged only from credits already moved here. Moves to and from the
 * account's ledger are first written to the outbox, then sent with a
 * reference the account applies once, then cleared: a crash or a lost answer
 * between the two objects repeats a move, never doubles or drops it.
 */
export class KeyGate extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly buckets: GateBuckets;
  private refilling: Promise<number> | null = null;
  private settling: Promise<void> | null = null;
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    applyKeyGateSchema(this.sql);
    this.buckets = new GateBuckets(this.sql);
  }

  // ------------------------------------------------- per-request decisions

  admit(ref: ShardRef, input: AdmitInput): AdmitResult {
    const now = clockNow();
    const out = this.ctx.storage.transactionSync((): AdmitResult => {
      const { state: rate, granted } = this.buckets.takeWithBlock(input.rate, now, input.tokenBlock ?? 0);
      const result: AdmitResult = { rate };
      if (granted > 0) result.tokenBlock = granted;
      if (rate.allowed && input.idempotency) result.idempotency = idempotency.begin(this.sql, input.idempotency, now);
      return result;
    });
    // A new record is purged by the alarm once it expires, even on a key whose requests never charge.
    if (out.idempotency?.state === "new") {
      this.remember(ref);
      this.ensureAlarm();
    }
    return out;
  }

  countRequest(_ref: ShardRef, rate: RateLimitSpec): RateState {
    const now = clockNow();
    return this.ctx.storage.transactionSync(() => this.buckets.take(rate, now));
  }

  completeIdempotency(_ref: ShardRef, key: string, owner: string, response: StoredResponse | null): boolean {
    const now = clockNow();
    return this.ctx.storage.transactionSync(() => idempotency.complete(this.sql, key, owner, response, now));
  }

  /**
   * Charges one credit from the leased block, refilling it from the account
   * when empty (one refill in flight, shared by every waiting try-on). 402
   * only once the account, after recalling the other shards' unused credits,
   * has none to lease.
   */
  async reserve(ref: ShardRef, input: ReserveInput): Promise<ReserveResult> {
    this.remember(ref);
    const first = this.tryCharge(input, true);
    if (first.result) return this.afterCharge(first.result);
    const rate = first.rate;
    for (;;) {
      const got = await this.refill(ref);
      const again = this.tryCharge(input, false);
      if (again.result) return this.afterCharge(withRate(again.result, rate));
      if (got === 0) {
        return withRate({ ok: false, code: "INSUFFICIENT_CREDITS", message: "The account has no credits left. Top up to continue." }, rate);
      }
    }
  }

  /** COMPLETED: the charged credit is spent. null when this shard never charged it (the caller asks the AccountGate). */
  commit(_ref: ShardRef, generationId: string): SettleResult | null {
    const now = clockNow();
    return this.ctx.storage.transactionSync(() => this.settleLocal(generationId, "committed", "generation completed", now));
  }

  /** FAILED: the credit goes back to the account's balance (not to this shard's block), exactly once. */
  async refund(ref: ShardRef, generationId: string, reason: string): Promise<SettleResult | null> {
    this.remember(ref);
    const now = clockNow();
    const res = this.ctx.storage.transactionSync(() => this.settleLocal(generationId, "refunded", reason || "generation failed", now));
    if (res?.changed) await this.flush(ref);
    return res;
  }

  /** Never recorded: refund, and clear the provisional answer so a retry with the same Idempotency-Key runs again. */
  async withdraw(ref: ShardRef, generationId: string, reason: string): Promise<SettleResult | null> {
    this.remember(ref);
    const now = clockNow();
    const res = this.ctx.storage.transactionSync(() => {
      const r = this.settleLocal(generationId, "refunded", reason || "try-on withdrawn", now);
      if (r && r.state !== "committed") idempotency.clearProvisional(this.sql, generationId);
      return r;
    });
    if (res?.changed) await this.flush(ref);
    return res;
  }

  /**
   * Gives every unused credit back to the account (idle, key revoked, an
   * exact balance read, another shard's need) and reports what this shard
   * holds and charged. When it returns, nothing of this shard's is in flight,
   * except a refill of its own key already under way (it may be waiting on the
   * recall that asked for this release): its credits land in the block, which
   * the idle alarm returns if the key does not use them.
   */
  async release(ref: ShardRef, reason: string): Promise<ShardStats> {
    this.remember(ref);
    await this.settlePendingLease(ref);
    const now = clockNow();
    this.ctx.storage.transactionSync(() => {
      const unused = this.unused();
      if (unused <= 0) return;
      this.sql.exec("UPDATE pool SET unused = 0 WHERE id = 1");
      this.enqueue({ reference: newId("ledger", now), kind: "return", amount: unused, generation_id: null, reason }, now);
    });
    await this.flush(ref);
    return this.stats(now);
  }

  reservation(generationId: string): string {
    return this.sql.exec<{ state: string }>("SELECT state FROM reservations WHERE generation_id = ?", generationId).toArray()[0]?.state ?? "none";
  }

  // ----------------------------------------------------------------- alarm

  /** Returns an idle block, retries unacknowledged moves, settles orphaned reservations (as the AccountGate does). */
  override async alarm(): Promise<void> {
    const ref = this.ref();
    if (!ref) return;
    const now = clockNow();
    idempotency.purgeExpired(this.sql, now);
    try {
      await this.settlePendingLease(ref);
      const pool = this.sql.exec<{ unused: number; last_used_at: number }>("SELECT unused, last_used_at FROM pool WHERE id = 1").one();
      if (pool.unused > 0 && pool.last_used_at <= now - SHARD_IDLE_MS) await this.release(ref, "key shard idle");
      else await this.flush(ref);
      await this.settleOrphans(ref, now);
    } catch (err) {
      log("error", "key gate housekeeping failed", { error: describeError(err) });
    }
    const next = this.nextAlarm(clockNow());
    // With nothing left to watch, the next lease, charge or Idempotency-Key record schedules the alarm again.
    this.alarmSet = next !== null;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Every minute while credits or moves are in play; otherwise when the first idempotency record expires. */
  private nextAlarm(now: number): number | null {
    const busy = this.sql
      .exec<{ n: number }>(
        "SELECT (SELECT unused FROM pool WHERE id = 1) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM reservations WHERE state = 'held') AS n",
      )
      .one().n;
    if (busy > 0) return now + SHARD_IDLE_MS;
    const expiry = this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM idempotency").one().at;
    return expiry === null ? null : Math.max(expiry, now + SHARD_IDLE_MS);
  }

  // -------------------------------------------------------------- internals

  /** One attempt: count (first attempt only), check, charge from the block. No result = the block is empty. */
  private tryCharge(input: ReserveInput, first: boolean): { result?: ReserveResult; rate?: RateState } {
    const now = clockNow();
    return this.ctx.storage.transactionSync(() => {
      let rate: RateState | undefined;
      if (first && input.rate) {
        rate = this.buckets.take(input.rate, now);
        if (!rate.allowed) return { result: { ok: false, code: "RATE_LIMITED", message: "This key's request budget is exhausted.", rate }, rate };
      }
      const owned = input.idempotency;
      if (owned && !idempotency.owns(this.sql, owned.key, owned.owner)) {
        const message = "Another request with this Idempotency-Key took over; it answers for this key. Retry shortly to get its answer.";
        return { result: withRate({ ok: false, code: "IDEMPOTENCY_KEY_IN_USE", message }, rate), rate };
      }
      if (this.reservation(input.generationId) !== "none") return { result: withRate({ ok: true, balance: this.unused(), replayed: true }, rate), rate };
      if (input.keySpendCap !== null) {
        const used = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE state IN ('held','committed')").one().n;
        if (used >= input.keySpendCap) {
          return {
            result: withRate({ ok: false, code: "QUOTA_EXCEEDED", message: `This key's spend cap (${input.keySpendCap} credits) is reached.` }, rate),
            rate,
          };
        }
      }
      const unused = this.unused();
      if (unused < 1) return rate ? { rate } : {};
      this.sql.exec("UPDATE pool SET unused = unused - 1, last_used_at = ? WHERE id = 1", now);
      this.sql.exec(
        "INSERT INTO reservations (generation_id, state, day, created_at, settled_at) VALUES (?, 'held', ?, ?, NULL)",
        input.generationId,
        utcDay(now),
        now,
      );
      if (owned) idempotency.recordProvisional(this.sql, owned.key, owned.owner, input.generationId, owned.response);
      return { result: withRate({ ok: true, balance: unused - 1, replayed: false }, rate), rate };
    });
  }

  private afterCharge(result: ReserveResult): ReserveResult {
    if (result.ok && !result.replayed) this.ensureAlarm();
    return result;
  }

  /**
   * Refills the block from the account (single flight); how many credits arrived. A settlement of a
   * lost answer still running goes first, so the two never ask under the same reference at once.
   */
  private refill(ref: ShardRef): Promise<number> {
    if (!this.refilling) {
      this.refilling = this.afterSettling()
        .then(() => this.leaseOnce(ref))
        .finally(() => {
          this.refilling = null;
        });
    }
    return this.refilling;
  }

  private async afterSettling(): Promise<void> {
    try {
      await this.settling;
    } catch {
      // A failed settlement leaves its row: the lease below asks under that reference again.
    }
  }

  /**
   * Asks the account for a block. A pending row means an earlier answer was lost: it is asked again
   * under the same reference, and the account answers what it granted then. A reference settled
   * meanwhile as refused says nothing about the balance, so it is dropped and the lease asked anew.
   */
  private async leaseOnce(ref: ShardRef): Promise<number> {
    for (;;) {
      const now = clockNow();
      const pending = this.pendingLease();
      const reference = pending?.reference ?? newId("ledger", now);
      if (!pending) this.enqueue({ reference, kind: "lease", amount: WANT, generation_id: null, reason: "lease" }, now);
      // If the answer is lost, the alarm settles the lease even if the key sends nothing more.
      this.ensureAlarm();
      const res = await this.askLease(ref, reference, false);
      this.credit(reference, res.granted, now);
      if (!res.refused) return res.granted;
    }
  }

  /**
   * A lease whose answer was lost (its call failed, or the object restarted during it) is settled before
   * the block is returned: the account answers what that reference was granted, or records that it
   * granted nothing, and the credits it answers join the block. A refill already in flight in this
   * object is left to its own call, which may be waiting on the very recall that asked for this release.
   */
  private async settlePendingLease(ref: ShardRef): Promise<void> {
    if (this.refilling) return;
    if (!this.settling) {
      const pending = this.pendingLease();
      if (!pending) return;
      this.settling = this.askLease(ref, pending.reference, true)
        .then((res) => this.credit(pending.reference, res.granted, null))
        .finally(() => {
          this.settling = null;
        });
    }
    await this.settling;
  }

  /** The lease whose answer this shard has not seen yet, if any (at most one: refills are single-flight). */
  private pendingLease(): Outbox | undefined {
    return this.sql.exec<Outbox>("SELECT * FROM outbox WHERE kind = 'lease'").toArray()[0];
  }

  /** One lease call under `reference`; `resolveOnly` settles a lost answer instead of asking for credits. */
  private askLease(ref: ShardRef, reference: string, resolveOnly: boolean): Promise<LeaseResult> {
    return accountGate(this.env, ref.accountId).lease({
      shard: shardName(ref),
      keyId: ref.keyId,
      want: WANT,
      reference,
      ...(resolveOnly ? { resolveOnly: true } : {}),
    });
  }

  /**
   * Clears a lease's row and adds what the account granted under it to the block, once. A use time
   * is given for a refill (its credits are wanted now), not for a settlement, so a block settled by
   * the idle alarm is returned in the same run.
   */
  private credit(reference: string, granted: number, usedAt: number | null): void {
    this.ctx.storage.transactionSync(() => {
      const still = this.sql.exec("DELETE FROM outbox WHERE reference = ?", reference).rowsWritten;
      if (granted <= 0) return;
      if (still === 0) {
        // Unreachable while refills and settlements of this object never overlap; would strand credits.
        log("error", "a lease was answered twice; its credits are counted at the account but not in this block", { reference, granted });
        return;
      }
      if (usedAt === null) this.sql.exec("UPDATE pool SET unused = unused + ? WHERE id = 1", granted);
      else this.sql.exec("UPDATE pool SET unused = unused + ?, last_used_at = ? WHERE id = 1", granted, usedAt);
    });
  }

  /**
   * Sends the outbox's returns and refunds (one flight at a time; leases are retried by `refill` only).
   * Resolves once none is left, including rows added while an earlier flight ran.
   */
  private async flush(ref: ShardRef): Promise<void> {
    while (this.sql.exec("SELECT 1 FROM outbox WHERE kind != 'lease' LIMIT 1").toArray().length > 0) {
      if (!this.flushing) {
        this.flushing = this.flushOnce(ref).finally(() => {
          this.flushing = null;
        });
      }
      await this.flushing;
    }
  }

  private async flushOnce(ref: ShardRef): Promise<void> {
    const gate = accountGate(this.env, ref.accountId);
    const shard = shardName(ref);
    for (;;) {
      const rows = this.sql.exec<Outbox>("SELECT * FROM outbox WHERE kind != 'lease' ORDER BY created_at LIMIT 50").toArray();
      if (rows.length === 0) return;
      for (const row of rows) {
        if (row.kind === "return") {
          await gate.returnLease({ shard, keyId: ref.keyId, amount: row.amount, unusedAfter: this.unused(), reason: row.reason, reference: row.reference });
        } else {
          await gate.refundFromShard({ shard, keyId: ref.keyId, generationId: row.generation_id ?? "", reason: row.reason });
        }
        this.sql.exec("DELETE FROM outbox WHERE reference = ?", row.reference);
      }
    }
  }

  private settleLocal(generationId: string, to: "committed" | "refunded", reason: string, now: number): SettleResult | null {
    const state = this.reservation(generationId);
    if (state === "none") return null;
    if (state !== "held") return { state: state as "committed" | "refunded", changed: false, balance: this.unused() };
    this.sql.exec("UPDATE reservations SET state = ?, settled_at = ? WHERE generation_id = ?", to, now, generationId);
    if (to === "refunded") this.enqueue({ reference: `refund:${generationId}`, kind: "refund", amount: 1, generation_id: generationId, reason }, now);
    return { state: to, changed: true, balance: this.unused() };
  }

  private enqueue(row: Outbox, now: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO outbox (reference, kind, amount, generation_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      row.reference,
      row.kind,
      row.amount,
      row.generation_id,
      row.reason.slice(0, 200),
      now,
    );
  }

  private unused(): number {
    return this.sql.exec<{ unused: number }>("SELECT unused FROM pool WHERE id = 1").one().unused;
  }

  private stats(now: number): ShardStats {
    const day = utcDay(now);
    const all = new Map<string, number>();
    for (const r of this.sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM reservations GROUP BY state")) all.set(r.state, r.n);
    const usage = { day, reserved: 0, committed: 0, refunded: 0, pending: 0 };
    for (const r of this.sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM reservations WHERE day = ? GROUP BY state", day)) {
      usage.reserved += r.n;
      if (r.state === "committed") usage.committed = r.n;
      else if (r.state === "refunded") usage.refunded = r.n;
      else usage.pending = r.n;
    }
    return {
      unused: this.unused(),
      held: all.get("held") ?? 0,
      committed: all.get("committed") ?? 0,
      refunded: all.get("refunded") ?? 0,
      usageToday: usage,
    };
  }

  private async settleOrphans(ref: ShardRef, now: number): Promise<void> {
    const held = this.sql
      .exec<{ generation_id: string }>("SELECT generation_id FROM reservations WHERE state = 'held' AND created_at <= ? LIMIT 50", now - ORPHAN_AFTER_MS)
      .toArray()
      .map((r) => r.generation_id);
    if (held.length === 0) return;
    const states = await findGenerationCreditStates(getDb(this.env.DB), ref.accountId, held);
    for (const id of held) {
      const status = states.get(id);
      if (status === undefined) await this.withdraw(ref, id, "generation was never recorded");
      else if (status === "COMPLETED") this.commit(ref, id);
      else if (status === "FAILED") await this.refund(ref, id, "generation failed (reconciled)");
    }
  }

  /** The alarm has no caller to say which shard this is: the first call records it. */
  private remember(ref: ShardRef): void {
    this.sql.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('ref', ?)", JSON.stringify(ref));
  }

  private ref(): ShardRef | null {
    const v = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'ref'").toArray()[0]?.v;
    return v ? (JSON.parse(v) as ShardRef) : null;
  }

  private alarmSet = false;

  private ensureAlarm(): void {
    if (this.alarmSet) return;
    this.alarmSet = true;
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(clockNow() + SHARD_IDLE_MS);
    });
  }
}

function withRate<T extends ReserveResult>(result: T, rate: RateState | undefined): T {
  if (rate) result.rate = rate;
  return result;
}
