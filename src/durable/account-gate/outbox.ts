import type { GenerationRecord, ProductTouch } from "./types";

/**
 * The AccountGate's outbox (GENERATION_DELIVERY=outbox): a try-on's D1 row and
 * product touch, stored in the transaction that holds its credit, so the 202
 * waits on one Durable Object call instead of a D1 write and a queue send. The
 * gate delivers the rows in batches after the answer (gate.ts) and deletes
 * them once D1 has them and the queue has their messages. A generation in the
 * outbox is accepted: it is charged, it will run, and readers that can come
 * before its delivery ask the gate to deliver first (docs/architecture.md,
 * record 15).
 */

/** One undelivered generation. */
export interface OutboxEntry {
  seq: number;
  generationId: string;
  row: string;
  touch: ProductTouch;
}

/** Stores a reserved generation's record; storing the same generation twice keeps the first. */
export function store(sql: SqlStorage, generationId: string, record: GenerationRecord, now: number): void {
  const t = record.touch;
  sql.exec(
    "INSERT OR IGNORE INTO outbox (generation_id, row, product_external_id, last_used_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    generationId,
    record.row,
    t.externalId,
    t.lastUsedAt,
    t.expiresAt,
    now,
  );
}

/** The oldest `limit` undelivered generations. */
export function oldest(sql: SqlStorage, limit: number): OutboxEntry[] {
  return sql
    .exec<{ seq: number; generation_id: string; row: string; product_external_id: string; last_used_at: number; expires_at: number | null }>(
      "SELECT seq, generation_id, row, product_external_id, last_used_at, expires_at FROM outbox ORDER BY seq LIMIT ?",
      limit,
    )
    .toArray()
    .map((r) => ({
      seq: r.seq,
      generationId: r.generation_id,
      row: r.row,
      touch: { externalId: r.product_external_id, lastUsedAt: r.last_used_at, expiresAt: r.expires_at },
    }));
}

/** Forgets a delivered batch: `oldest` answers consecutive seqs, and a later store always takes a higher one. */
export function remove(sql: SqlStorage, fromSeq: number, toSeq: number): void {
  sql.exec("DELETE FROM outbox WHERE seq BETWEEN ? AND ?", fromSeq, toSeq);
}

export function size(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
}

/**
 * One touch per product for a batch, the latest: a product used by many
 * generations of the batch is refreshed once, to its newest lifetime.
 */
export function latestTouches(entries: readonly OutboxEntry[]): ProductTouch[] {
  const byProduct = new Map<string, ProductTouch>();
  for (const e of entries) {
    const seen = byProduct.get(e.touch.externalId);
    if (!seen || seen.lastUsedAt <= e.touch.lastUsedAt) byProduct.set(e.touch.externalId, e.touch);
  }
  return [...byProduct.values()];
}
