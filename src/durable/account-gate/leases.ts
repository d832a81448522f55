import { newId } from "../../lib/ids";
import type { LeaseInput, LeaseResult, LeaseReturnInput, ShardRefundInput } from "./types";

/**
 * Credit leases to the account's key shards (src/durable/key-gate): a shard
 * takes a block of credits off the account's balance, spends them on its own
 * key's try-ons, and gives back what it did not use (idle, revoke, an exact
 * balance read, or another shard's need) and each refund. Every move is one
 * ledger row (`lease` −n, `lease_return` +n, `refund` +1), so the ledger sum
 * stays the balance; `totals.leased` counts credits out at shards (unused or
 * spent there), so granted − committed − held − leased = balance.
 *
 * Each call carries the shard's own id for the move (`reference`), so a
 * retried call (the shard did not see the answer) is applied once, and a
 * lease the shard settles with `resolveOnly` gets one answer for good.
 *
 * Synchronous SQL, run inside the AccountGate's `transactionSync`.
 */

/** How long a lease settled as granting nothing is remembered: far past any retry of its first call. */
export const LEASE_REFUSAL_KEPT_MS = 24 * 60 * 60_000;

/** Largest block a shard takes at once: ~64 try-ons per account call at full speed. */
export const MAX_LEASE = 64;
/** A shard that leased within this window counts as active when the balance is split. */
export const ACTIVE_SHARD_MS = 60_000;

type Row = Record<string, SqlStorageValue>;

/**
 * Leases up to `want` credits (at most MAX_LEASE, and at most an even split of
 * the balance between the active shards, so a low balance is not stranded at
 * one shard). 0 when the balance is 0.
 */
export function lease(sql: SqlStorage, input: LeaseInput, now: number): LeaseResult {
  const prior = sql.exec("SELECT amount, balance_after FROM ledger WHERE reference = ?", input.reference).toArray()[0] as Row | undefined;
  if (prior) return { granted: -(prior.amount as number), balance: prior.balance_after as number };
  const { balance } = sql.exec<{ balance: number }>("SELECT balance FROM totals WHERE id = 1").one();
  if (sql.exec("SELECT 1 FROM lease_refusals WHERE reference = ?", input.reference).toArray().length > 0) return { granted: 0, balance, refused: true };
  if (input.resolveOnly) {
    purgeRefusals(sql, now);
    sql.exec("INSERT INTO lease_refusals (reference, created_at) VALUES (?, ?)", input.reference, now);
    return { granted: 0, balance, refused: true };
  }
  touchShard(sql, input.shard, input.keyId, now);
  const active = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases WHERE updated_at > ?", now - ACTIVE_SHARD_MS).one().n;
  const share = Math.max(1, Math.floor(balance / Math.max(1, active)));
  const granted = Math.min(Math.max(1, Math.min(input.want, MAX_LEASE)), share, balance);
  if (granted <= 0) return { granted: 0, balance };
  const after = balance - granted;
  sql.exec("UPDATE totals SET balance = ?, leased = leased + ? WHERE id = 1", after, granted);
  sql.exec("UPDATE leases SET unused = unused + ? WHERE shard = ?", granted, input.shard);
  append(sql, "lease", -granted, after, null, input.keyId, `leased to key shard`, input.reference, now);
  return { granted, balance: after };
}

/** Forgets refusals older than LEASE_REFUSAL_KEPT_MS (on each new one, and by the AccountGate's alarm). */
export function purgeRefusals(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM lease_refusals WHERE created_at < ?", now - LEASE_REFUSAL_KEPT_MS);
}

/** Takes back unused leased credits; `unusedAfter` is what the shard still holds (0 after a full return). */
export function takeBack(sql: SqlStorage, input: LeaseReturnInput, now: number): number {
  const done = sql.exec("SELECT 1 FROM ledger WHERE reference = ?", input.reference).toArray().length > 0;
  const { balance } = sql.exec<{ balance: number }>("SELECT balance FROM totals WHERE id = 1").one();
  if (done || input.amount <= 0) {
    if (!done) sql.exec("UPDATE leases SET unused = ? WHERE shard = ?", input.unusedAfter, input.shard);
    return balance;
  }
  const after = balance + input.amount;
  sql.exec("UPDATE totals SET balance = ?, leased = leased - ? WHERE id = 1", after, input.amount);
  sql.exec("UPDATE leases SET unused = ? WHERE shard = ?", input.unusedAfter, input.shard);
  append(sql, "lease_return", input.amount, after, null, input.keyId, input.reason, input.reference, now);
  return after;
}

/**
 * A try-on a shard charged from its lease failed: its credit comes back to the
 * account's balance, once (one `refund` row per generation).
 */
export function refundFromShard(sql: SqlStorage, input: ShardRefundInput, now: number): number {
  const { balance } = sql.exec<{ balance: number }>("SELECT balance FROM totals WHERE id = 1").one();
  const done = sql.exec("SELECT 1 FROM ledger WHERE generation_id = ? AND kind = 'refund'", input.generationId).toArray().length > 0;
  if (done) return balance;
  const after = balance + 1;
  sql.exec("UPDATE totals SET balance = ?, leased = leased - 1, refunded = refunded + 1 WHERE id = 1", after);
  append(sql, "refund", 1, after, input.generationId, input.keyId, input.reason, null, now);
  return after;
}

/** Shards that may still hold unused credits (recalled before a refusal, or for an exact balance). */
export function holders(sql: SqlStorage, except?: string): string[] {
  return sql
    .exec<{ shard: string }>("SELECT shard FROM leases WHERE unused > 0 AND shard != ?", except ?? "")
    .toArray()
    .map((r) => r.shard);
}

/** Every shard that ever leased (their held and spent credits make the account's exact summary). */
export function shards(sql: SqlStorage): string[] {
  return sql
    .exec<{ shard: string }>("SELECT shard FROM leases")
    .toArray()
    .map((r) => r.shard);
}

function touchShard(sql: SqlStorage, shard: string, keyId: string, now: number): void {
  sql.exec(
    "INSERT INTO leases (shard, key_id, unused, updated_at) VALUES (?, ?, 0, ?) ON CONFLICT (shard) DO UPDATE SET updated_at = excluded.updated_at",
    shard,
    keyId,
    now,
  );
}

function append(
  sql: SqlStorage,
  kind: "lease" | "lease_return" | "refund",
  amount: number,
  balanceAfter: number,
  generationId: string | null,
  keyId: string,
  reason: string,
  reference: string | null,
  now: number,
): void {
  sql.exec(
    "INSERT INTO ledger (id, kind, amount, balance_after, generation_id, key_id, reason, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    newId("ledger", now),
    kind,
    amount,
    balanceAfter,
    generationId,
    keyId,
    reason.slice(0, 500),
    reference,
    now,
  );
}
