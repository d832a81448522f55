/**
 * A KeyGate's SQLite schema (one database per API key shard): the key's
 * bucket and idempotency records (same tables as the AccountGate's, used by
 * the same modules), its block of leased credits (`pool`), the reservations it
 * charged from that block, and an outbox of moves to the account's ledger not
 * yet acknowledged (retried until they are, each applied once by reference).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (key_id TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pool (id INTEGER PRIMARY KEY CHECK (id = 1), unused INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
INSERT OR IGNORE INTO pool (id, unused, last_used_at) VALUES (1, 0, 0);
CREATE TABLE IF NOT EXISTS reservations (generation_id TEXT PRIMARY KEY, state TEXT NOT NULL, day TEXT NOT NULL,
  created_at INTEGER NOT NULL, settled_at INTEGER);
CREATE INDEX IF NOT EXISTS reservations_state ON reservations (state, created_at);
CREATE INDEX IF NOT EXISTS reservations_day ON reservations (day, state);
CREATE TABLE IF NOT EXISTS outbox (reference TEXT PRIMARY KEY, kind TEXT NOT NULL, amount INTEGER NOT NULL,
  generation_id TEXT, reason TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL,
  fingerprint TEXT NOT NULL, state TEXT NOT NULL, owner TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB,
  created_at INTEGER NOT NULL, lease_until INTEGER NOT NULL, expires_at INTEGER NOT NULL, generation_id TEXT);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
CREATE INDEX IF NOT EXISTS idempotency_generation ON idempotency (generation_id) WHERE generation_id IS NOT NULL;
`;

export function applyKeyGateSchema(sql: SqlStorage): void {
  sql.exec(SCHEMA);
}
