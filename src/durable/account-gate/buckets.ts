import { LruCache } from "../../lib/lru-cache";
import type { RateLimitSpec, RateState } from "./types";

/** Tolerance for float refill arithmetic, so waiting exactly Retry-After always yields a token. */
const EPSILON = 1e-6;

/**
 * How long an isolate may spend a block of tokens after it received it (src/services/admission/token-blocks.ts).
 * The gate counts a block as still out for twice as long, which covers the call's way back.
 */
export const TOKEN_BLOCK_LIFETIME_MS = 1000;
const BLOCK_OUTSTANDING_MS = 2 * TOKEN_BLOCK_LIFETIME_MS;

/** A block handed to an isolate: `n` tokens at `at`. */
type Grant = { at: number; n: number };

type Bucket = { tokens: number; updatedAt: number; persisted: boolean; grants: Grant[] };

/**
 * The account's per-key token buckets. `take` is synchronous SQL and is
 * called inside the AccountGate's `transactionSync`, so a read and its write
 * are never split by an await.
 *
 * Token buckets live in memory while the object is alive (no write per request); a bucket under half
 * full is also persisted so it survives eviction. A key whose bucket was not persisted starts full
 * after an eviction, which happens only after inactivity that refilled much of it anyway.
 */
export class GateBuckets {
  private readonly sql: SqlStorage;
  /** In-memory buckets, the least recently used forgotten first (as an eviction would). */
  private readonly buckets = new LruCache<string, Bucket>({ maxEntries: 10_000 });

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Counts one request against the key's bucket. */
  take(spec: RateLimitSpec, now: number): RateState {
    return this.takeWithBlock(spec, now, 0).state;
  }

  /**
   * Counts one request and, when it is allowed, also hands up to `block` more whole tokens to the
   * calling isolate (docs/performance.md, "Token blocks"): they leave the bucket now, exactly as if
   * that many requests had been counted, and while they may still be spent the bucket refills only
   * up to the capacity less them, so a block never lets a key past its limit. `state` reports the
   * bucket after both.
   */
  takeWithBlock(spec: RateLimitSpec, now: number, block: number): { state: RateState; granted: number } {
    const capacity = Math.max(1, Math.floor(spec.burst));
    const perMs = Math.max(1, spec.perMinute) / 60_000;
    const row = this.bucket(spec.keyId);
    // Blocks still out in isolates may yet be spent: the bucket refills only up to the capacity they
    // leave, so the bucket and the blocks together never hold more than the capacity.
    const grants = (row?.grants ?? []).filter((g) => g.at > now - BLOCK_OUTSTANDING_MS && g.at <= now);
    const ceiling = capacity - grants.reduce((sum, g) => sum + g.n, 0);
    let tokens = capacity;
    if (row) {
      const elapsed = Math.max(0, now - row.updatedAt);
      // Never above the capacity (a lowered limit applies at once); refill stops at the ceiling.
      tokens = Math.min(capacity, row.tokens + elapsed * perMs, Math.max(ceiling, row.tokens));
    }
    const allowed = tokens + EPSILON >= 1;
    if (allowed) tokens = Math.max(0, tokens - 1);
    const granted = allowed ? Math.max(0, Math.min(Math.floor(block), Math.floor(tokens + EPSILON))) : 0;
    tokens = Math.max(0, tokens - granted);
    if (granted > 0) grants.push({ at: now, n: granted });
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
    this.buckets.set(spec.keyId, { tokens, updatedAt: now, persisted: persist, grants });
    const secondsFor = (missing: number) => (missing <= EPSILON ? 0 : secondsUntil(missing / perMs));
    const state: RateState = {
      allowed,
      limit: capacity,
      remaining: Math.floor(tokens + EPSILON),
      // Time to full as if the blocks out were spent: the bucket refills them like counted requests.
      resetSeconds: secondsFor(capacity - tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, secondsFor(1 - tokens), secondsUntil(msUntilBlocksAtMost(grants, capacity - 1, now))),
      windowSeconds: Math.max(1, secondsUntil(capacity / perMs)),
    };
    return { state, granted };
  }

  /**
   * Forgets the in-memory buckets, as an eviction does; persisted (under half full) ones are read back
   * from SQL. Also used by tests, via `runInDurableObject`, to simulate an eviction.
   */
  clear(): void {
    this.buckets.clear();
  }

  private bucket(keyId: string): Bucket | undefined {
    const mem = this.buckets.get(keyId);
    if (mem) return mem;
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM buckets WHERE key_id = ?", keyId).toArray()[0];
    // Blocks out are not persisted: an object is evicted only after inactivity far longer than a block lives.
    return row ? { tokens: row.tokens, updatedAt: row.updated_at, persisted: true, grants: [] } : undefined;
  }
}

/** Whole seconds covering `ms` (a float wait that is exactly whole is not rounded up a second). */
function secondsUntil(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000 - EPSILON);
}

/**
 * Milliseconds until the blocks still out (the oldest ages out first) hold at most `room`
 * tokens: each stops counting against the ceiling BLOCK_OUTSTANDING_MS after it left the bucket.
 * A refused request's next token needs room under the ceiling as well as the refill. Blocks are only
 * handed out of tokens the bucket holds, so they never exceed capacity − 1 on their own and this wait
 * is 0, except after a key's limit is lowered while blocks taken under the old one are still out.
 */
function msUntilBlocksAtMost(grants: readonly Grant[], room: number, now: number): number {
  let out = grants.reduce((sum, g) => sum + g.n, 0);
  let at = now;
  for (const g of [...grants].sort((a, b) => a.at - b.at)) {
    if (out <= room) break;
    out -= g.n;
    at = g.at + BLOCK_OUTSTANDING_MS;
  }
  return Math.max(0, at - now);
}
