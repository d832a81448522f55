import { sha256Hex } from "../../lib/crypto";
import { randomBase62 } from "../../lib/ids";

import type { Mode } from "../../lib/modes";

export const KEY_PREFIX_LIVE = "dr_live_";
export const KEY_PREFIX_TEST = "dr_test_";
const KEY_PATTERN = /^dr_(live|test)_[0-9A-Za-z]{32}$/;

/** A new key: `dr_live_` (or `dr_test_`) + 32 base62 chars (~190 bits from the CSPRNG). */
export function generateApiKey(mode: Mode = "live"): string {
  return `${mode === "test" ? KEY_PREFIX_TEST : KEY_PREFIX_LIVE}${randomBase62(32)}`;
}

/** Cheap shape check so malformed keys never cost a D1 query. */
export function isWellFormedKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** Shown in listings so people can tell keys apart; reveals 4 of 32 random chars. */
export function displayPrefix(key: string): string {
  return `${key.slice(0, KEY_PREFIX_LIVE.length + 4)}…`;
}

/** Keys are high-entropy, so a fast hash is sufficient and gives no timing oracle on lookup. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}
