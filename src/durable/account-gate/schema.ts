/**
 * The AccountGate's SQLite schema (one database per account object): created
 * with IF NOT EXISTS on every start, then brought up to date by MIGRATIONS.
 */
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

/**
 * Changes to tables that already exist in deployed objects, applied once per
 * object in order; `meta.schema_version` records how many ran. Version 1 is
 * `SCHEMA` above as first deployed.
 */
const MIGRATIONS: readonly string[] = [
  // v2: the generation an idempotency record's provisional answer names (cleared when it is withdrawn).
  `ALTER TABLE idempotency ADD COLUMN generation_id TEXT;
   CREATE INDEX IF NOT EXISTS idempotency_generation ON idempotency (generation_id) WHERE generation_id IS NOT NULL;`,
  // v3: credit leases to key shards (leases.ts): credits out at shards, and each shard's last known unused block.
  `ALTER TABLE totals ADD COLUMN leased INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE IF NOT EXISTS leases (shard TEXT PRIMARY KEY, key_id TEXT NOT NULL, unused INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
  // v4: lease references settled as granting nothing (leases.ts, `resolveOnly`), kept a day.
  `CREATE TABLE IF NOT EXISTS lease_refusals (reference TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS lease_refusals_age ON lease_refusals (created_at);`,
  // v5: accepted generations not yet delivered to D1 and the queue (outbox.ts, GENERATION_DELIVERY=outbox).
  `CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, generation_id TEXT NOT NULL UNIQUE, row TEXT NOT NULL,
     product_external_id TEXT NOT NULL, last_used_at INTEGER NOT NULL, expires_at INTEGER, created_at INTEGER NOT NULL);`,
];

/** Creates the tables, then runs the migrations this object has not run yet (in one transaction). */
export function applySchema(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec(SCHEMA);
  const at = Number(sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'schema_version'").toArray()[0]?.v ?? "1");
  if (at - 1 >= MIGRATIONS.length) return;
  storage.transactionSync(() => {
    for (const step of MIGRATIONS.slice(at - 1)) sql.exec(step);
    sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema_version', ?)", String(MIGRATIONS.length + 1));
  });
}
