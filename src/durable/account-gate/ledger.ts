import { newId } from "../../lib/ids";
import type { GateBuckets } from "./buckets";
import type { CreditSummary, GrantInput, GrantResult, LedgerEntry, RateState, ReservationState, ReserveInput, ReserveResult, SettleResult } from "./types";

/**
 * The account's credits: balance totals, per-generation reservations and the
 * append-only ledger (tables `totals`, `reservations`, `ledger`, `meta`).
 * Every function is synchronous SQL; the read-modify-write ones (reserve,
 * settle, grant) are called by the AccountGate inside its `transactionSync`,
 * so N concurrent reservations against K credits accept exactly K.
 *
 * Ledger invariant: granted − committed − held = balance, and the sum of
 * ledger amounts = balance.
 */

type Row = Record<string, SqlStorageValue>;
type Totals = { balance: number; granted: number; held: number; committed: number; refunded: number };

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Holds one credit for a generation (after the key's deferred rate count, if any), or says why not. */
export function reserve(sql: SqlStorage, buckets: GateBuckets, input: ReserveInput, now: number): ReserveResult {
  rememberAccount(sql, input.accountId);
  if (input.testDailyCredits !== undefined) refillTestDaily(sql, input.testDailyCredits, now);
  let rate: RateState | undefined;
  if (input.rate) {
    rate = buckets.take(input.rate, now);
    if (!rate.allowed) return { ok: false, code: "RATE_LIMITED", message: "This key's request budget is exhausted.", rate };
  }
  const existing = sql.exec<{ state: string }>("SELECT state FROM reservations WHERE generation_id = ?", input.generationId).toArray()[0];
  if (existing) return withRate({ ok: true, balance: totals(sql).balance, replayed: true }, rate);

  if (input.keySpendCap !== null) {
    const used = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE key_id = ? AND state IN ('held','committed')", input.keyId).one().n;
    if (used >= input.keySpendCap) {
      return withRate({ ok: false, code: "QUOTA_EXCEEDED", message: `This key's spend cap (${input.keySpendCap} credits) is reached.` }, rate);
    }
  }
  const day = utcDay(now);
  if (input.accountSpendCapPerDay !== null) {
    const usedToday = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE day = ? AND state IN ('held','committed')", day).one().n;
    if (usedToday >= input.accountSpendCapPerDay) {
      return withRate(
        { ok: false, code: "QUOTA_EXCEEDED", message: `The account's daily spend cap (${input.accountSpendCapPerDay} credits) is reached.` },
        rate,
      );
    }
  }
  const t = totals(sql);
  if (t.balance < 1) {
    return withRate({ ok: false, code: "INSUFFICIENT_CREDITS", message: "The account has no credits left. Top up to continue." }, rate);
  }
  const balance = t.balance - 1;
  sql.exec("UPDATE totals SET balance = ?, held = held + 1 WHERE id = 1", balance);
  sql.exec(
    "INSERT INTO reservations (generation_id, key_id, state, amount, day, created_at, settled_at) VALUES (?, ?, 'held', 1, ?, ?, NULL)",
    input.generationId,
    input.keyId,
    day,
    now,
  );
  appendLedger(
    sql,
    {
      kind: "reserve",
      amount: -1,
      balanceAfter: balance,
      generationId: input.generationId,
      keyId: input.keyId,
      reason: "generation accepted",
      reference: null,
    },
    now,
  );
  return withRate({ ok: true, balance, replayed: false }, rate);
}

/** Why the test ledger's free balance was topped up (docs/test-mode.md). */
export const TEST_DAILY_REFILL_REASON = "test_daily_refill";

/**
 * Test mode's free credits: once per UTC day (by the gate's clock), tops the
 * balance up to `daily` with a grant; a balance already at or above it is left
 * as it is. Must run inside the gate's transaction.
 */
export function refillTestDaily(sql: SqlStorage, daily: number, now: number): void {
  const day = utcDay(now);
  const last = sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'test_refill_day'").toArray()[0]?.v;
  if (last === day) return;
  sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('test_refill_day', ?)", day);
  const { balance } = totals(sql);
  if (balance < daily) grant(sql, { amount: daily - balance, reason: TEST_DAILY_REFILL_REASON }, now);
}

/** Test mode: sets the balance to exactly `target` with one adjustment (after today's refill, so it sticks until tomorrow). */
export function setTestBalance(sql: SqlStorage, target: number, daily: number, now: number): GrantResult {
  refillTestDaily(sql, daily, now);
  const { balance } = totals(sql);
  return grant(sql, { amount: target - balance, reason: "test_balance_set" }, now);
}

/** Moves a held reservation to committed or refunded, exactly once; any other state is left as it is. */
export function settle(sql: SqlStorage, generationId: string, to: "committed" | "refunded", reason: string, now: number): SettleResult {
  const row = sql.exec<{ state: string; key_id: string | null }>("SELECT state, key_id FROM reservations WHERE generation_id = ?", generationId).toArray()[0];
  if (!row) return { state: "none", changed: false, balance: totals(sql).balance };
  if (row.state !== "held") return { state: row.state as ReservationState, changed: false, balance: totals(sql).balance };
  const t = totals(sql);
  const balance = to === "refunded" ? t.balance + 1 : t.balance;
  if (to === "refunded") sql.exec("UPDATE totals SET balance = ?, held = held - 1, refunded = refunded + 1 WHERE id = 1", balance);
  else sql.exec("UPDATE totals SET held = held - 1, committed = committed + 1 WHERE id = 1");
  sql.exec("UPDATE reservations SET state = ?, settled_at = ? WHERE generation_id = ?", to, now, generationId);
  appendLedger(
    sql,
    {
      kind: to === "refunded" ? "refund" : "commit",
      amount: to === "refunded" ? 1 : 0,
      balanceAfter: balance,
      generationId,
      keyId: row.key_id,
      reason,
      reference: null,
    },
    now,
  );
  return { state: to, changed: true, balance };
}

/**
 * Operator grant (amount > 0) or adjustment (amount < 0, never below a zero
 * balance). A `reference` makes it idempotent: the same reference again
 * returns the first entry; with another amount it is refused.
 */
export function grant(sql: SqlStorage, input: GrantInput, now: number): GrantResult {
  const reference = input.reference ?? null;
  if (reference !== null) {
    const prior = sql.exec("SELECT * FROM ledger WHERE reference = ?", reference).toArray()[0] as Row | undefined;
    if (prior) {
      const entry = toEntry(prior);
      if (entry.amount !== input.amount) {
        return { ok: false, code: "IDEMPOTENCY_KEY_REUSED", message: `Reference "${reference}" was already used for an entry of ${entry.amount} credits.` };
      }
      return { ok: true, duplicate: true, entry, summary: summaryAt(sql, now) };
    }
  }
  const t = totals(sql);
  const balance = t.balance + input.amount;
  if (balance < 0) {
    return { ok: false, code: "INSUFFICIENT_CREDITS", message: `An adjustment of ${input.amount} would take the balance (${t.balance}) below 0.` };
  }
  sql.exec("UPDATE totals SET balance = ?, granted = granted + ? WHERE id = 1", balance, input.amount);
  const entry = appendLedger(
    sql,
    {
      kind: input.amount > 0 ? "grant" : "adjust",
      amount: input.amount,
      balanceAfter: balance,
      generationId: null,
      keyId: null,
      reason: input.reason,
      reference,
    },
    now,
  );
  return { ok: true, duplicate: false, entry, summary: summaryAt(sql, now) };
}

/** Balance totals plus today's (UTC) reservation usage. */
export function summaryAt(sql: SqlStorage, now: number): CreditSummary {
  const t = totals(sql);
  const day = utcDay(now);
  const usage = { day, reserved: 0, committed: 0, refunded: 0, pending: 0 };
  for (const r of sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM reservations WHERE day = ? GROUP BY state", day)) {
    usage.reserved += r.n;
    if (r.state === "committed") usage.committed = r.n;
    else if (r.state === "refunded") usage.refunded = r.n;
    else usage.pending = r.n;
  }
  return { balance: t.balance, reserved: t.held, spent: t.committed, granted: t.granted, refunded: t.refunded, usageToday: usage };
}

/** Newest first; `beforeSeq` pages back. */
export function page(sql: SqlStorage, limit: number, beforeSeq?: number): { entries: LedgerEntry[]; nextBefore: number | null } {
  const rows = sql.exec("SELECT * FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?", beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1).toArray() as Row[];
  const entries = rows.slice(0, limit);
  return { entries: entries.map(toEntry), nextBefore: rows.length > limit ? (entries.at(-1)?.seq as number) : null };
}

/** For tests and audits: the sum of ledger amounts (must equal the balance). */
export function sum(sql: SqlStorage): { sum: number; rows: number } {
  return sql.exec<{ sum: number; rows: number }>("SELECT COALESCE(SUM(amount), 0) AS sum, COUNT(*) AS rows FROM ledger").one();
}

/** Reservation state of one generation (reconciliation and tests). */
export function reservationState(sql: SqlStorage, generationId: string): ReservationState | "none" {
  const row = sql.exec<{ state: string }>("SELECT state FROM reservations WHERE generation_id = ?", generationId).toArray()[0];
  return (row?.state as ReservationState | undefined) ?? "none";
}

function totals(sql: SqlStorage): Totals {
  return sql.exec<Totals>("SELECT balance, granted, held, committed, refunded FROM totals WHERE id = 1").one();
}

function appendLedger(sql: SqlStorage, e: Omit<LedgerEntry, "id" | "createdAt">, now: number): LedgerEntry {
  const entry: LedgerEntry = { ...e, id: newId("ledger", now), createdAt: now };
  sql.exec(
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

/** The alarm's orphan check and the outbox's delivery need the account id to query D1; the first reservation records it. */
function rememberAccount(sql: SqlStorage, accountId: string): void {
  sql.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('account_id', ?)", accountId);
}

/** The account this object's first reservation recorded (none before it). */
export function rememberedAccount(sql: SqlStorage): string | undefined {
  return sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'account_id'").toArray()[0]?.v;
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
