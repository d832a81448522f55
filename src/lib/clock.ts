/**
 * The one wall clock of the Worker and its Durable Objects. Every time-based
 * decision in src/ (expiries, signed URLs, rate buckets, day boundaries, ids)
 * reads it, never `Date.now()` directly (the lint holds that), so there is a
 * single seam between the code and the machine's clock.
 *
 * Tests move this seam as a whole: `test/setup.ts` can shift the isolate's
 * `Date` (which the Worker code, the AccountGate objects and the libraries in
 * the test isolate all read) to run the suite at a far-future instant.
 */
export function now(): number {
  return Date.now();
}

/** Milliseconds since `startedMs` (a reading of `now()`). */
export function elapsedMs(startedMs: number): number {
  return now() - startedMs;
}
