/**
 * Test mode is a twin account. Each live account may have one test twin: an
 * `accounts` row whose id is the live id + TEST_SUFFIX. Every stored object
 * (images, products, generations, webhook endpoints and deliveries,
 * idempotency records, ledger, usage, rate buckets) is keyed by its account
 * id, so an object's mode is a property of the account partition it lives in,
 * and nothing can cross between the modes by construction (docs/test-mode.md).
 *
 * This module is the one place that knows how the two ids relate.
 */
export type Mode = "live" | "test";

export const MODES = ["live", "test"] as const satisfies readonly Mode[];

const TEST_SUFFIX = "_test";

/** The id of `liveAccountId`'s test twin. */
export function testAccountIdOf(liveAccountId: string): string {
  return isTestAccountId(liveAccountId) ? liveAccountId : `${liveAccountId}${TEST_SUFFIX}`;
}

/** True for a test twin's id. Live ids (`acc_` + 24 base62 characters) never contain `_test`. */
export function isTestAccountId(accountId: string): boolean {
  return accountId.endsWith(TEST_SUFFIX);
}

/** The live account a twin belongs to (a live id is its own). */
export function liveAccountIdOf(accountId: string): string {
  return isTestAccountId(accountId) ? accountId.slice(0, -TEST_SUFFIX.length) : accountId;
}

/** The `livemode` of every object stored under `accountId`. */
export function livemodeOf(accountId: string): boolean {
  return !isTestAccountId(accountId);
}

export function modeOf(accountId: string): Mode {
  return isTestAccountId(accountId) ? "test" : "live";
}

/** The account a key of `mode` belongs to, for the live account `liveAccountId`. */
export function accountIdFor(liveAccountId: string, mode: Mode): string {
  return mode === "test" ? testAccountIdOf(liveAccountId) : liveAccountIdOf(liveAccountId);
}
