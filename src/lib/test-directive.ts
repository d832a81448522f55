/**
 * Test mode's "every outcome on demand" (docs/test-mode.md): the `test` field
 * of a try-on request, stored on the generation and obeyed by the mock engine,
 * and the magic `externalUserId` values that force API-level errors.
 */
import { RUNTIME_ERROR_CODES, type RuntimeErrorCode } from "../errors";

/** `completed`, or any code a FAILED generation can carry. */
export const TEST_OUTCOMES = ["completed", ...RUNTIME_ERROR_CODES] as const;
export type TestOutcome = "completed" | RuntimeErrorCode;

/** The longest a test generation can be kept PROCESSING on purpose. */
export const MAX_TEST_DELAY_MS = 60_000;

export interface TestDirective {
  outcome: TestOutcome;
  /** How long after acceptance the generation stays PROCESSING before its outcome. */
  delayMs: number;
}

/** `externalUserId` values that, with a test key only, answer an API error before anything is charged. */
export const MAGIC_EXTERNAL_USER_IDS = {
  test_rate_limited: "RATE_LIMITED",
  test_insufficient_credits: "INSUFFICIENT_CREDITS",
} as const;

export type MagicExternalUserId = keyof typeof MAGIC_EXTERNAL_USER_IDS;

export function magicErrorOf(externalUserId: string | null): (typeof MAGIC_EXTERNAL_USER_IDS)[MagicExternalUserId] | null {
  if (externalUserId === null || !Object.hasOwn(MAGIC_EXTERNAL_USER_IDS, externalUserId)) return null;
  return MAGIC_EXTERNAL_USER_IDS[externalUserId as MagicExternalUserId];
}
