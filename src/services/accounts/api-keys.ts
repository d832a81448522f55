import { sha256Hex } from "../../lib/crypto";
import { randomBase62 } from "../../lib/ids";

export const KEY_PREFIX_LIVE = "dr_live_";
const KEY_PATTERN = /^dr_(live|test)_[0-9A-Za-z]{32}$/;

/** A new key: `dr_live_` + 32 base62 chars (~190 bits from the CSPRNG). */
export function generateApiKey(): string {
  return `${KEY_PREFIX_LIVE}${randomBase62(32)}`;
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
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}
