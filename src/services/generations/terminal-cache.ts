import type { GenerationRow } from "../../db/repo/generations";
import { LruCache } from "../../lib/lru-cache";

/**
 * Per-isolate cache of TERMINAL generations (COMPLETED, FAILED) for GET /generations/{id}, the
 * route integrators poll: a terminal generation never changes status again, so a repeated read
 * needs no D1 round trip (docs/performance.md, "Hot paths"). PENDING and PROCESSING rows are never
 * cached, so polling sees every transition as soon as D1 has it, and cancel (which only applies to
 * those) cannot be answered stale.
 *
 * What can still change on a terminal row is erasure: DELETE /customers drops its result and its
 * end-user id, and the test-data reset deletes it. Those run through `forgetAccountGenerations`,
 * which empties this isolate's entries of the account at once; another isolate may serve the
 * pre-erase view for at most TERMINAL_CACHE_TTL_MS (the same bound as a revoked key's, 30 s). A
 * result whose `resultExpiresAt` has passed is never answered from here (its bytes are purged).
 * Only the presented fields matter: credit and event bookkeeping on the row is not shown.
 */
export const TERMINAL_CACHE_TTL_MS = 30_000;
const cache = new LruCache<string, GenerationRow>({ maxEntries: 5_000, ttlMs: TERMINAL_CACHE_TTL_MS });

const keyOf = (accountId: string, id: string) => `${accountId}\u0000${id}`;

export function cachedTerminalGeneration(accountId: string, id: string, at: number): GenerationRow | undefined {
  const row = cache.get(keyOf(accountId, id), at);
  if (!row) return undefined;
  if (row.resultExpiresAt !== null && row.resultExpiresAt <= at) {
    cache.delete(keyOf(accountId, id));
    return undefined;
  }
  return row;
}

/** Keeps `row` when it is terminal (a no-op otherwise). */
export function rememberGeneration(row: GenerationRow, at: number): void {
  if (row.status !== "COMPLETED" && row.status !== "FAILED") return;
  cache.set(keyOf(row.accountId, row.id), row, { at });
}

/**
 * Called by every erasure of an account's generations, before and after its writes: a read that
 * raced the writes and cached the old row is dropped by the second call.
 */
export function forgetAccountGenerations(accountId: string): void {
  cache.deleteWhere((row) => row.accountId === accountId);
}

/** Tests: an empty cache, as in a fresh isolate. */
export function clearTerminalGenerationCache(): void {
  cache.clear();
}
