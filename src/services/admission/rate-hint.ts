import type { RateState } from "../../durable/account-gate";
import { now } from "../../lib/clock";

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
const hints = new Map<string, { remaining: number; at: number }>();
const HINT_TTL_MS = 60_000;
const HINT_MAX = 10_000;

export function noteRateState(keyId: string, state: RateState, at: number = now()): void {
  if (hints.size >= HINT_MAX) hints.clear();
  hints.set(keyId, { remaining: state.allowed ? state.remaining : -1, at });
}

export function mayDeferCount(keyId: string, at: number = now()): boolean {
  const h = hints.get(keyId);
  if (!h || at - h.at > HINT_TTL_MS) return true;
  return h.remaining >= 2;
}
