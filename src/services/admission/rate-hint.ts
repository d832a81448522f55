import type { RateState } from "../../durable/account-gate";
import { now } from "../../lib/clock";
import { LruCache } from "../../lib/lru-cache";

/**
 * Per-isolate hint about each key's bucket, used only to decide whether a
 * charging request may defer its rate-limit count to the credit reservation
 * (one Durable Object call in all). A key last seen nearly empty, or refused,
 * is counted up front instead, so a throttled client is refused before any
 * validation, D1 read or image work. Every answer the AccountGate gives about
 * a bucket (admission, deferred count, reservation) is fed back here.
 *
 * The hint never refuses anything by itself: the AccountGate's bucket, on the
 * AccountGate's clock, is the only judge. The hint's age is measured on this
 * isolate's clock alone, so a skew between the isolate and the object can make
 * a request cost one more object call, never change its answer.
 */
const HINT_TTL_MS = 60_000;
/** Tokens left at the key's last answer; -1 when it was refused. */
const hints = new LruCache<string, number>({ maxEntries: 10_000, ttlMs: HINT_TTL_MS });

export function noteRateState(keyId: string, state: RateState, at: number = now()): void {
  hints.set(keyId, state.allowed ? state.remaining : -1, { at });
}

export function mayDeferCount(keyId: string, at: number = now()): boolean {
  const remaining = hints.get(keyId, at);
  return remaining === undefined || remaining >= 2;
}
