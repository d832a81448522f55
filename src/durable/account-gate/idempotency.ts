import { DAY, MINUTE } from "../../lib/time";
import type { IdempotencyBegin, IdempotencyOutcome, StoredResponse } from "./types";

/**
 * The account's idempotency records (table `idempotency`). Every function is
 * synchronous SQL, called by the AccountGate inside its `transactionSync`
 * (except `purgeExpired`, which the alarm runs on its own).
 */

/** Idempotency records are kept 24 h (docs/credits-limits-idempotency.md), then a reused key starts a new request. */
export const IDEMPOTENCY_TTL_MS = DAY;
/** A record still "running" after this long belongs to a request that died; the key may be used again. */
export const IDEMPOTENCY_LEASE_MS = 5 * MINUTE;

type Row = Record<string, SqlStorageValue>;

/** Begins the record for a request, or answers it from a live one (replay, in use, or mismatch). */
export function begin(sql: SqlStorage, req: IdempotencyBegin, now: number): IdempotencyOutcome {
  const row = sql.exec("SELECT * FROM idempotency WHERE key = ?", req.key).toArray()[0] as Row | undefined;
  const leaseLost = row?.state === "running" && (row.lease_until as number) <= now;
  // A request that died after recording a provisional answer (it was charged in the same
  // transaction) is answered from that answer, never re-run: re-running would charge again.
  const provisional = leaseLost && row?.status !== null && row?.status !== undefined;
  const live = row && (row.expires_at as number) > now && (!leaseLost || provisional);
  if (row && live) {
    if (row.method !== req.method || row.path !== req.path || row.fingerprint !== req.fingerprint) return { state: "mismatch" };
    if (row.state === "running" && !provisional) return { state: "in_use" };
    const body = row.body instanceof ArrayBuffer ? new Uint8Array(row.body) : new Uint8Array(0);
    return {
      state: "replay",
      originalRequestId: row.request_id as string,
      response: { status: row.status as number, headers: JSON.parse((row.headers as string) ?? "[]") as string[][], body },
    };
  }
  sql.exec(
    `INSERT INTO idempotency (key, method, path, fingerprint, state, owner, request_id, status, headers, body, created_at, lease_until, expires_at)
       VALUES (?, ?, ?, ?, 'running', ?, ?, NULL, NULL, NULL, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
         state = 'running', owner = excluded.owner, request_id = excluded.request_id, status = NULL, headers = NULL, body = NULL, generation_id = NULL,
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
export function complete(sql: SqlStorage, key: string, owner: string, response: StoredResponse | null, now: number): boolean {
  if (response === null) {
    // A request that recorded a provisional answer was charged: that answer becomes the final one.
    const kept = sql.exec(
      "UPDATE idempotency SET state = 'done', expires_at = ? WHERE key = ? AND owner = ? AND state = 'running' AND status IS NOT NULL",
      now + IDEMPOTENCY_TTL_MS,
      key,
      owner,
    ).rowsWritten;
    if (kept > 0) return true;
    return sql.exec("DELETE FROM idempotency WHERE key = ? AND owner = ? AND state = 'running'", key, owner).rowsWritten > 0;
  }
  return (
    sql.exec(
      "UPDATE idempotency SET state = 'done', status = ?, headers = ?, body = ?, expires_at = ? WHERE key = ? AND owner = ? AND state = 'running'",
      response.status,
      JSON.stringify(response.headers),
      response.body,
      now + IDEMPOTENCY_TTL_MS,
      key,
      owner,
    ).rowsWritten > 0
  );
}

/** True while `owner` still holds the running record of `key` (no later request took it over). */
export function owns(sql: SqlStorage, key: string, owner: string): boolean {
  return sql.exec("SELECT 1 FROM idempotency WHERE key = ? AND owner = ? AND state = 'running'", key, owner).toArray().length > 0;
}

/**
 * Records the provisional answer of a try-on on its running record, in the
 * transaction that reserves its credit (see AccountGate.reserve), keeping the
 * record running. If the request then dies (client gone, isolate evicted) or
 * cannot complete the record, a retry after the lease gets this answer
 * instead of running (and charging) again.
 */
export function recordProvisional(sql: SqlStorage, key: string, owner: string, generationId: string, response: StoredResponse): void {
  sql.exec(
    "UPDATE idempotency SET status = ?, headers = ?, body = ?, generation_id = ? WHERE key = ? AND owner = ? AND state = 'running'",
    response.status,
    JSON.stringify(response.headers),
    response.body,
    generationId,
    key,
    owner,
  );
}

/**
 * The generation a provisional answer names was withdrawn (never recorded,
 * nothing charged): a running record forgets the answer (its owner, if still
 * alive, completes it with what it finally answers; a dead one's key is free
 * after the lease); a completed record is dropped, so the key runs again.
 */
export function clearProvisional(sql: SqlStorage, generationId: string): void {
  sql.exec("DELETE FROM idempotency WHERE generation_id = ? AND state = 'done'", generationId);
  sql.exec(
    "UPDATE idempotency SET status = NULL, headers = NULL, body = NULL, generation_id = NULL WHERE generation_id = ? AND state = 'running'",
    generationId,
  );
}

/** Alarm housekeeping: drops records past their 24 h retention. */
export function purgeExpired(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", now);
}
