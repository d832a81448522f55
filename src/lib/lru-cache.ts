import { now } from "./clock";

interface Entry<V> {
  value: V;
  /** Infinity when the entry never expires. */
  expiresAt: number;
}

/**
 * The one per-isolate cache: a bounded map that drops its least recently used
 * entry when a new one would exceed `maxEntries` (isolates live long and
 * memory is 128 MB, so no cache may grow without bound, and none forgets
 * everything at once). An entry may live for `ttlMs` (per cache, or per
 * entry); an expired entry is a miss. Callers with a clock of their own (a
 * request's, an object's) pass the time as `at`.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /**
   * The key last moved to the end of `entries` (a Map keeps insertion order), if it is still there.
   * A hot key read again and again is already the most recently used: it is not deleted and re-added
   * on every hit, the delete-and-set churn that was most of a cache hit's cost and allocation.
   */
  private newest: K | undefined = undefined;
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor(opts: { maxEntries: number; ttlMs?: number }) {
    if (!(opts.maxEntries >= 1)) throw new RangeError("an LRU cache holds at least one entry");
    this.maxEntries = opts.maxEntries;
    this.ttlMs = opts.ttlMs ?? Infinity;
  }

  /** The live value for `key` (now the most recently used), or undefined. */
  get(key: K, at?: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== Infinity && entry.expiresAt <= (at ?? now())) {
      this.delete(key);
      return undefined;
    }
    if (key !== this.newest) this.touch(key, entry);
    return entry.value;
  }

  set(key: K, value: V, opts: { at?: number; ttlMs?: number } = {}): void {
    const ttlMs = opts.ttlMs ?? this.ttlMs;
    this.touch(key, { value, expiresAt: ttlMs === Infinity ? Infinity : (opts.at ?? now()) + ttlMs });
    if (this.entries.size <= this.maxEntries) return;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: K): boolean {
    if (key === this.newest) this.newest = undefined;
    return this.entries.delete(key);
  }

  /** Drops every entry whose value matches (e.g. every cached key of one account). */
  deleteWhere(matches: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value, key)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
  }

  /** Stores `entry` under `key` as the most recently used. */
  private touch(key: K, entry: Entry<V>): void {
    if (key !== this.newest) {
      this.entries.delete(key);
      this.newest = key;
    }
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
