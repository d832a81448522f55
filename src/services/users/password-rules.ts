import { COMMON_PASSWORDS } from "./common-passwords";
import { normalizePassword } from "./passwords";

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

let common: ReadonlySet<string> | undefined;

/** Built on first use, not at import: isolate start-up stays cheap. */
function isCommon(password: string): boolean {
  common ??= new Set(COMMON_PASSWORDS);
  return common.has(password.toLowerCase());
}

/**
 * Why a new password is refused, or null when it is acceptable (NIST SP 800-63B's rules: a
 * minimum length, no composition rules, and no password known to be common or tied to the
 * account). Lengths count characters (code points) after normalization.
 */
export function passwordProblem(password: string, email?: string): string | null {
  const pw = normalizePassword(password);
  const length = [...pw].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (new Set(pw.toLowerCase()).size < 4) return "Use more than a few different characters.";
  if (isCommon(pw)) return "This password is one of the most common ones. Choose another.";
  if (email) {
    const lower = pw.toLowerCase();
    const address = email.trim().toLowerCase();
    const local = address.split("@")[0] ?? "";
    if (lower === address || (local.length >= 4 && lower.includes(local))) return "Do not use your email address in your password.";
  }
  return null;
}
