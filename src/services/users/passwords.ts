import { base64UrlDecode, base64UrlEncode } from "../../lib/base64";

/**
 * Password hashing: PBKDF2-HMAC-SHA-256 through WebCrypto. 100,000 iterations is the most
 * Cloudflare Workers accepts in production ("iteration counts above 100000 are not supported";
 * local workerd does not enforce it, so test/services/users/passwords.test.ts holds this constant
 * to the cap through a deriveBits that enforces it). Stored as
 * `pbkdf2-sha256$<version>$<iterations>$<salt>$<hash>` so the parameters can be raised later:
 * a hash made with older ones verifies and asks for a rehash.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const PASSWORD_HASH_VERSION = 1;
const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BITS = 256;

const encoder = new TextEncoder();

/** NFKC, so the same password typed on two keyboards (composed or not) hashes the same. */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(normalizePassword(password)), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return [SCHEME, PASSWORD_HASH_VERSION, PBKDF2_ITERATIONS, base64UrlEncode(salt), base64UrlEncode(hash)].join("$");
}

/** A stored field's bytes, or null when it is not base64url (a corrupt or foreign hash). */
function decodeField(s: string): Uint8Array | null {
  try {
    return base64UrlDecode(s);
  } catch {
    return null;
  }
}

interface ParsedHash {
  version: number;
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function parse(stored: string): ParsedHash | null {
  const [scheme, version, iterations, salt, hash, ...rest] = stored.split("$");
  if (scheme !== SCHEME || rest.length > 0 || !version || !iterations || salt === undefined || hash === undefined) return null;
  const s = decodeField(salt);
  const h = decodeField(hash);
  const n = Number(iterations);
  if (!s || !h || h.length !== HASH_BITS / 8 || !Number.isInteger(n) || n < 1 || n > PBKDF2_ITERATIONS) return null;
  return { version: Number(version), iterations: n, salt: s, hash: h };
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash uses older parameters: store a fresh one now that the password is known. */
  needsRehash: boolean;
}

/** Constant-time comparison of the derived bytes; an unreadable stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const parsed = parse(stored);
  if (!parsed) {
    await burnPasswordCheck(password);
    return { ok: false, needsRehash: false };
  }
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  const ok = crypto.subtle.timingSafeEqual(candidate, parsed.hash);
  return { ok, needsRehash: ok && (parsed.version < PASSWORD_HASH_VERSION || parsed.iterations < PBKDF2_ITERATIONS) };
}

const DUMMY_SALT = new Uint8Array(SALT_BYTES);

/**
 * Spends the same work as a real check. Sign-in runs it for an unknown email, so the answer's
 * timing does not tell whether the address has an account.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  await derive(password, DUMMY_SALT, PBKDF2_ITERATIONS);
}
