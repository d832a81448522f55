import { DurableObject } from "cloudflare:workers";
import { getDb } from "../db/client";
import { findGenerationCreditStates } from "../db/repo/generation-credits";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/logger";
import { DAY, MINUTE } from "../lib/time";
import type {
  AdmitInput,
  AdmitResult,
  CreditSummary,
  GrantInput,
  GrantResult,
  IdempotencyBegin,
  IdempotencyOutcome,
  LedgerEntry,
  RateLimitSpec,
  RateState,
  ReservationState,
  ReserveInput,
  ReserveResult,
  SettleResult,
  StoredResponse,
} from "./gate-types";

/** Idempotency records are kept 24 h (SPEC §10), then a reused key starts a new request. */
export const IDEMPOTENCY_TTL_MS = DAY;
/** A record still "running" after this long belongs to a request that died; the key may be used again. */
export const IDEMPOTENCY_LEASE_MS = 5 * MINUTE;
/** Held reservations older than this are checked against D1 by the alarm (crash between steps). */
export const ORPHAN_AFTER_MS = 15 * MINUTE;
const ALARM_EVERY_MS = 15 * MINUTE;
/** Tolerance for float refill arithmetic, so waiting exactly Retry-After always yields a token. */
const EPSILON = 1e-6;

type Row = Record<string, SqlStorageValue>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (key_id TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), balance INTEGER NOT NULL, granted INTEGER NOT NULL,
  held INTEGER NOT NULL, committed INTEGER NOT NULL, refunded INTEGER NOT NULL);
INSERT OR IGNORE INTO totals (id, balance, granted, held, committed, refunded) VALUES (1, 0, 0, 0, 0, 0);
CREATE TABLE IF NOT EXISTS reservations (generation_id TEXT PRIMARY KEY, key_id TEXT, state TEXT NOT NULL,
  amount INTEGER NOT NULL, day TEXT NOT NULL, created_at INTEGER NOT NULL, settled_at INTEGER);
CREATE INDEX IF NOT EXISTS reservations_key ON reservations (key_id, state);
CREATE INDEX IF NOT EXISTS reservations_day ON reservations (day, state);
CREATE INDEX IF NOT EXISTS reservations_state ON reservations (state, created_at);
CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
  amount INTEGER NOT NULL, balance_after INTEGER NOT NULL, generation_id TEXT, key_id TEXT, reason TEXT NOT NULL,
  reference TEXT UNIQUE, created_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_once_per_generation ON ledger (generation_id, kind) WHERE generation_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL,
  fingerprint TEXT NOT NULL, state TEXT NOT NULL, owner TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB,
  created_at INTEGER NOT NULL, lease_until INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
`;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * One object per account (SQLite-backed, `idFromName(accountId)`): the
 * account's per-key token buckets, its credit balance and ledger, and its
 * idempotency records, so a request needs one RPC for everything it must
 * decide.
 *
 * Every RPC is synchronous SQL inside `transactionSync`: no await between a
 * read and its write, so the input gate serializes callers and N concurrent
 * reservations against K credits accept exactly K. The only external I/O (the
 * alarm's D1 read) happens before its transaction, and the state is re-read
 * inside it.
 *
 * Ledger invariant: granted − committed − held = balance, and the sum of
 * ledger amounts = balance.
 */
export class AccountGate extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Test-only fixed clock (ENVIRONMENT=test); null = real time. */
  private fixedNow: number | null = null;
  private alarmKnown = false;
  /**
   * Token buckets live in memory while the object is alive (no write per request); a bucket under half
   * full is also persisted so it survives eviction. A key whose bucket was not persisted starts full
   * after an eviction, which happens only after inactivity that refilled much of it anyway.
   */
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number; persisted: boolean }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  // ---------------------------------------------------------------- clock

  private now(): number {
    return this.fixedNow ?? Date.now();
  }

  /** Tests only: freeze this object's clock at `ms` (null = real time again). */
  testSetClock(ms: number | null): number {
    if (this.env.ENVIRONMENT !== "test") throw new Error("testSetClock is only available in tests");
    this.fixedNow = ms;
    return this.now();
  }

  /** Tests only: move the frozen clock forward (freezing it at real time first). */
  testAdvanceClock(ms: number): number {
    return this.testSetClock((this.fixedNow ?? Date.now()) + ms);
  }

  // ------------------------------------------------------- the hot path

  /**
   * Counts one request against the key's bucket and, for a POST carrying an
   * Idempotency-Key, begins (or answers from) its record. A refused request
   * does not touch the idempotency record.
   */
  admit(input: AdmitInput): AdmitResult {
    const now = this.now();
    const out = this.ctx.storage.transactionSync((): AdmitResult => {
      const rate = this.take(input.rate, now);
      const result: AdmitResult = { rate };
      if (rate.allowed && input.idempotency) result.idempotency = this.beginIdempotency(input.idempotency, now);
      if (input.withCredits) result.credits = this.summaryAt(now);
      return result;
    });
    if (out.idempotency?.state === "new") this.ensureAlarm(now);
    return out;
  }

  /** Counts a request whose count was deferred and that never reached `reserve` (it failed earlier). */
  countRequest(rate: RateLimitSpec): RateState {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => this.take(rate, now));
  }

  // ------------------------------------------------------------ buckets

  private bucket(keyId: string): { tokens: number; updatedAt: number; persisted: boolean } | undefined {
    const mem = this.buckets.get(keyId);
    if (mem) return mem;
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM buckets WHERE key_id = ?", keyId).toArray()[0];
    return row ? { tokens: row.tokens, updatedAt: row.updated_at, persisted: true } : undefined;
  }

  private take(spec: RateLimitSpec, now: number): RateState {
    const capacity = Math.max(1, Math.floor(spec.burst));
    const perMs = Math.max(1, spec.perMinute) / 60_000;
    const row = this.bucket(spec.keyId);
    let tokens = capacity;
    if (row) {
      const elapsed = Math.max(0, now - row.updatedAt);
      tokens = Math.min(capacity, row.tokens + elapsed * perMs);
    }
    const allowed = tokens + EPSILON >= 1;
    if (allowed) tokens = Math.max(0, tokens - 1);
    // Persist only a bucket under half full: a restart or eviction then cannot hand a throttled key a fresh
    // burst, while the common case (plenty of tokens) costs no storage write on the hot path.
    const persist = tokens < capacity / 2;
    if (persist) {
      this.sql.exec(
        "INSERT INTO buckets (key_id, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
        spec.keyId,
        tokens,
        now,
      );
    } else if (row?.persisted) {
      this.sql.exec("DELETE FROM buckets WHERE key_id = ?", spec.keyId);
    }
    if (this.buckets.size >= 10_000) this.buckets.clear();
    this.buckets.set(spec.keyId, { tokens, updatedAt: now, persisted: persist });
    const secondsFor = (missing: number) => (missing <= EPSILON ? 0 : Math.ceil(missing / perMs / 1000 - EPSILON));
    return {
      allowed,
      limit: capacity,
      remaining: Math.floor(tokens + EPSILON),
      resetSeconds: secondsFor(capacity - tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, secondsFor(1 - tokens)),
      windowSeconds: Math.max(1, Math.ceil(capacity / perMs / 1000 - EPSILON)),
    };
  }

  // -------------------------------------------------------- idempotency

  private beginIdempotency(req: IdempotencyBegin, now: number): IdempotencyOutcome {
    const row = this.sql.exec("SELECT * FROM idempotency WHERE key = ?", req.key).toArray()[0] as Row | undefined;
    const leaseLost = row?.state === "running" && (row.lease_until as number) <= now;
    // A request that died after recording a provisional answer (it had already charged) is
    // answered from that answer, never re-run: re-running would charge a second time.
    const provisional = leaseLost && row?.status !== null && row?.status !== undefined;
    const live = row && (row.expires_at as number) > now && (!leaseLost || provisional);
    if (row && live) {
      if (row.method !== req.method || row.path !== req.path || row.fingerprint !== req.fingerprint) return { state: "mismatch" };
      if (row.state === "running" && !provisional) return { state: "in_use" };
      const body = row.body instanceof ArrayBuffer ? new Uint8Array(row.body) : new Uint8Array(0);
      return {
        state: "replay",
        originalRequestId: row.request_id as string,
        response: { status: row.status as number, headers: JSON.parse((row.headers as string) ?? "[]") as Array<[string, string]>, body },
      };
    }
    this.sql.exec(
      `INSERT INTO idempotency (key, method, path, fingerprint, state, owner, request_id, status, headers, body, created_at, lease_until, expires_at)
       VALUES (?, ?, ?, ?, 'running', ?, ?, NULL, NULL, NULL, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
         state = 'running', owner = excluded.owner, request_id = excluded.request_id, status = NULL, headers = NULL, body = NULL,
         created_at = excluded.created_at, lease_until = excluded.lease_until, expires_at = excluded.expires_at`,
      req.key,
      req.method,
      req.path,
      req.fingerprint,
      req.owner,
      req.requestId,
      now,
      now + IDEMPOTENCY_LEASE_MS,
      now + IDEMPOTENCY_TTL_MS,
    );
    return { state: "new" };
  }

  /**
   * Stores the first response for replay, or (response = null) releases the
   * key so the request may be retried with it. Only the owning request may do
   * either; a late owner whose lease was taken over changes nothing.
   */
  completeIdempotency(key: string, owner: string, response: StoredResponse | null): boolean {
    const now = this.now();
    return this.ctx.storage.transactionSync(() => {
      if (response === null) {
        // After a checkpoint the request had an effect: its provisional answer becomes the final one.
        const kept = this.sql.exec(
          "UPDATE idempotency SET state = 'done', expires_at = ? WHERE key = ? AND owner = ? AND state = 'running' AND status IS NOT NULL",
          now + IDEMPOTENCY_TTL_MS,
          key,
          owner,
        ).rowsWritten;
        if (kept > 0) return true;
        return this.sql.exec("DELETE FROM idempotency WHERE key = ? AND owner = ? AND state = 'running'", key, owner).rowsWritten > 0;
      }
      return (
        this.sql.exec(
          "UPDATE idempotency SET state = 'done', status = ?, headers = ?, body = ?, expires_at = ? WHERE key = ? AND owner = ? AND state = 'running'",
          response.status,
          JSON.stringify(response.headers),
          response.body,
          now + IDEMPOTENCY_TTL_MS,
          key,
          owner,
        ).rowsWritten > 0
      );
    });
  }

  /**
   * Records a provisional answer on a running record (POST /try-on/sync, once
   * the generation is accepted and charged), keeping it running. If the
   * request then dies (client gone, isolate evicted) before completing, a
   * retry after the lease gets this answer instead of running (and charging)
   * again. Only the owner may checkpoint.
   */
  checkpointIdempotency(key: string, owner: string, response: StoredResponse): boolean {
    return this.ctx.storage.transactionSync(
      () =>
        this.sql.exec(
          "UPDATE idempotency SET status = ?, headers = ?, body = ? WHERE key = ? AND owner = ? AND state = 'running'",
          response.status,
          JSON.stringify(response.headers),
          response.body,
          key,
          owner,
        ).rowsWritten > 0,
    );
  }

  // ------------------------------------------------------------ credits

  reserve(input: ReserveInput): ReserveResult {
    const now = this.now();
    const out = this.ctx.storage.transactionSync((): ReserveResult => {
      this.rememberAccount(input.accountId);
      let rate: RateState | undefined;
      if (input.rate) {
        rate = this.take(input.rate, now);
        if (!rate.allowed) return { ok: false, code: "RATE_LIMITED", message: "This key's request budget is exhausted.", rate };
      }
      const existing = this.sql.exec<{ state: string }>("SELECT state FROM reservations WHERE generation_id = ?", input.generationId).toArray()[0];
      if (existing) return withRate({ ok: true, balance: this.totals().balance, replayed: true }, rate);

      if (input.keySpendCap !== null) {
        const used = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE key_id = ? AND state IN ('held','committed')", input.keyId).one().n;
        if (used >= input.keySpendCap) {
          return withRate({ ok: false, code: "QUOTA_EXCEEDED", message: `This key's spend cap (${input.keySpendCap} credits) is reached.` }, rate);
        }
      }
      const day = utcDay(now);
      if (input.accountSpendCapPerDay !== null) {
        const usedToday = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE day = ? AND state IN ('held','committed')", day).one().n;
        if (usedToday >= input.accountSpendCapPerDay) {
          return withRate({ ok: false, code: "QUOTA_EXCEEDED", message: `The account's daily spend cap (${input.accountSpendCapPerDay} credits) is reached.` }, rate);
        }
      }
      const totals = this.totals();
      if (totals.balance < 1) {
        return withRate({ ok: false, code: "INSUFFICIENT_CREDITS", message: "The account has no credits left. Top up to continue." }, rate);
      }
      const balance = totals.balance - 1;
      this.sql.exec("UPDATE totals SET balance = ?, held = held + 1 WHERE id = 1", balance);
      this.sql.exec(
        "INSERT INTO reservations (generation_id, key_id, state, amount, day, created_at, settled_at) VALUES (?, ?, 'held', 1, ?, ?, NULL)",
        input.generationId,
        input.keyId,
        day,
        now,
      );
      this.appendLedger({ kind: "reserve", amount: -1, balanceAfter: balance, generationId: input.generationId, keyId: input.keyId, reason: "generation accepted", reference: null }, now);
      return withRate({ ok: true, balance, replayed: false }, rate);
    });
    if (out.ok && !out.replayed) this.ensureAlarm(now);
    return out;
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
    return this.ctx.storage.transactionSync((): SettleResult => {
      const row = this.sql.exec<{ state: string; key_id: string | null }>("SELECT state, key_id FROM reservations WHERE generation_id = ?", generationId).toArray()[0];
      if (!row) return { state: "none", changed: false, balance: this.totals().balance };
      if (row.state !== "held") return { state: row.state as ReservationState, changed: false, balance: this.totals().balance };
      const totals = this.totals();
      const balance = to === "refunded" ? totals.balance + 1 : totals.balance;
      if (to === "refunded") this.sql.exec("UPDATE totals SET balance = ?, held = held - 1, refunded = refunded + 1 WHERE id = 1", balance);
      else this.sql.exec("UPDATE totals SET held = held - 1, committed = committed + 1 WHERE id = 1");
      this.sql.exec("UPDATE reservations SET state = ?, settled_at = ? WHERE generation_id = ?", to, now, generationId);
      this.appendLedger(
        { kind: to === "refunded" ? "refund" : "commit", amount: to === "refunded" ? 1 : 0, balanceAfter: balance, generationId, keyId: row.key_id, reason, reference: null },
        now,
      );
      return { state: to, changed: true, balance };
    });
  }

  /**
   * Operator grant (amount > 0) or adjustment (amount < 0, never below a zero
   * balance). A `reference` makes it idempotent: the same reference again
   * returns the first entry; with another amount it is refused.
   */
  grant(input: GrantInput): GrantResult {
    const now = this.now();
    return this.ctx.storage.transactionSync((): GrantResult => {
      const reference = input.reference ?? null;
      if (reference !== null) {
        const prior = this.sql.exec("SELECT * FROM ledger WHERE reference = ?", reference).toArray()[0] as Row | undefined;
        if (prior) {
          const entry = toEntry(prior);
          if (entry.amount !== input.amount) {
            return { ok: false, code: "IDEMPOTENCY_KEY_REUSED", message: `Reference "${reference}" was already used for an entry of ${entry.amount} credits.` };
          }
          return { ok: true, duplicate: true, entry, summary: this.summaryAt(now) };
        }
      }
      const totals = this.totals();
      const balance = totals.balance + input.amount;
      if (balance < 0) {
        return { ok: false, code: "INSUFFICIENT_CREDITS", message: `An adjustment of ${input.amount} would take the balance (${totals.balance}) below 0.` };
      }
      this.sql.exec("UPDATE totals SET balance = ?, granted = granted + ? WHERE id = 1", balance, input.amount);
      const entry = this.appendLedger(
        { kind: input.amount > 0 ? "grant" : "adjust", amount: input.amount, balanceAfter: balance, generationId: null, keyId: null, reason: input.reason, reference },
        now,
      );
      return { ok: true, duplicate: false, entry, summary: this.summaryAt(now) };
    });
  }

  summary(): CreditSummary {
    return this.summaryAt(this.now());
  }

  /** Newest first; `beforeSeq` pages back. */
  ledger(limit: number, beforeSeq?: number): { entries: LedgerEntry[]; nextBefore: number | null } {
    const rows = this.sql
      .exec("SELECT * FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?", beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1)
      .toArray() as Row[];
    const page = rows.slice(0, limit);
    return { entries: page.map(toEntry), nextBefore: rows.length > limit ? (page.at(-1)?.seq as number) : null };
  }

  /** For tests and audits: the sum of ledger amounts (must equal the balance). */
  ledgerSum(): { sum: number; rows: number } {
    return this.sql.exec<{ sum: number; rows: number }>("SELECT COALESCE(SUM(amount), 0) AS sum, COUNT(*) AS rows FROM ledger").one();
  }

  /** Reservation state of one generation (reconciliation and tests). */
  reservation(generationId: string): ReservationState | "none" {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM reservations WHERE generation_id = ?", generationId).toArray()[0];
    return (row?.state as ReservationState | undefined) ?? "none";
  }

  private totals(): { balance: number; granted: number; held: number; committed: number; refunded: number } {
    return this.sql.exec<{ balance: number; granted: number; held: number; committed: number; refunded: number }>("SELECT balance, granted, held, committed, refunded FROM totals WHERE id = 1").one();
  }

  private summaryAt(now: number): CreditSummary {
    const t = this.totals();
    const day = utcDay(now);
    const usage = { day, reserved: 0, committed: 0, refunded: 0, pending: 0 };
    for (const r of this.sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM reservations WHERE day = ? GROUP BY state", day)) {
      usage.reserved += r.n;
      if (r.state === "committed") usage.committed = r.n;
      else if (r.state === "refunded") usage.refunded = r.n;
      else usage.pending = r.n;
    }
    return { balance: t.balance, reserved: t.held, spent: t.committed, granted: t.granted, refunded: t.refunded, usageToday: usage };
  }

  private appendLedger(e: Omit<LedgerEntry, "id" | "createdAt">, now: number): LedgerEntry {
    const entry: LedgerEntry = { ...e, id: newId("ledger", now), createdAt: now };
    this.sql.exec(
      "INSERT INTO ledger (id, kind, amount, balance_after, generation_id, key_id, reason, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      entry.id,
      entry.kind,
      entry.amount,
      entry.balanceAfter,
      entry.generationId,
      entry.keyId,
      entry.reason.slice(0, 500),
      entry.reference,
      now,
    );
    return entry;
  }

  private rememberAccount(accountId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('account_id', ?)", accountId);
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
   * refund). Reschedules itself while anything remains to watch.
   */
  override async alarm(): Promise<void> {
    const now = this.now();
    this.sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", now);
    try {
      await this.settleOrphans(now);
    } catch (err) {
      log("error", "account gate orphan check failed", { error: describeError(err) });
    }
    const pending =
      this.sql.exec<{ n: number }>("SELECT (SELECT COUNT(*) FROM idempotency) + (SELECT COUNT(*) FROM reservations WHERE state = 'held') AS n").one().n;
    this.alarmKnown = pending > 0;
    if (pending > 0) await this.ctx.storage.setAlarm(this.now() + ALARM_EVERY_MS);
  }

  /** Exposed for tests: the orphan check the alarm runs. Returns how many reservations it settled. */
  async settleOrphans(now: number = this.now()): Promise<number> {
    const accountId = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'account_id'").toArray()[0]?.v;
    if (!accountId) return 0;
    const held = this.sql
      .exec<{ generation_id: string }>("SELECT generation_id FROM reservations WHERE state = 'held' AND created_at <= ? ORDER BY created_at LIMIT 50", now - ORPHAN_AFTER_MS)
      .toArray()
      .map((r) => r.generation_id);
    if (held.length === 0) return 0;
    // External I/O first; each settle below re-reads the reservation inside its own transaction.
    const states = await findGenerationCreditStates(getDb(this.env.DB), accountId, held);
    let settled = 0;
    for (const id of held) {
      const status = states.get(id);
      let r: SettleResult | null = null;
      if (status === undefined) r = this.refund(id, "generation was never recorded");
      else if (status === "COMPLETED") r = this.commit(id);
      else if (status === "FAILED") r = this.refund(id, "generation failed (reconciled)");
      if (r?.changed) settled++;
    }
    return settled;
  }
}

function withRate<T extends ReserveResult>(result: T, rate: RateState | undefined): T {
  if (rate) result.rate = rate;
  return result;
}

function toEntry(row: Row): LedgerEntry {
  return {
    id: row.id as string,
    kind: row.kind as LedgerEntry["kind"],
    amount: row.amount as number,
    balanceAfter: row.balance_after as number,
    generationId: (row.generation_id as string | null) ?? null,
    keyId: (row.key_id as string | null) ?? null,
    reason: row.reason as string,
    reference: (row.reference as string | null) ?? null,
    createdAt: row.created_at as number,
  };
}
