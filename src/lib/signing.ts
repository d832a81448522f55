import { API_BASE } from "./api-paths";
import { base64UrlEncode } from "./base64";
import { now } from "./clock";
import { hmacSha256Sync, timingSafeEqualStrings } from "./crypto";
import { LruCache } from "./lru-cache";

/**
 * Signed, expiring file URLs: `/tryon/v1/files/<key>?exp=<unix>&sig=<b64url HMAC-SHA256("<key>\n<exp>")>`.
 * The key is the R2 object key; the signature binds key and expiry together.
 */
export const FILES_PATH_PREFIX = `${API_BASE}/files/`;

/**
 * Signatures this isolate made for URLs it handed out, per secret, by key and expiry. Every poll of
 * one result within the same second signs the same (key, exp), and a remembered signature costs a
 * lookup instead of an HMAC (docs/performance.md). Only `signedFileUrl` fills it: a request for a
 * file, signed or not, never adds an entry, so nobody can fill the memory with keys of their choosing.
 */
const signatures = new LruCache<string, LruCache<string, string>>({ maxEntries: 8 });

function remembered(secret: string, message: string): string | undefined {
  return signatures.get(secret)?.get(message);
}

/** What is signed: the key and the expiry, together. */
function signedMessage(key: string, exp: number): string {
  return `${key}\n${exp}`;
}

/** The signature of a message, synchronously (HMAC-SHA256, base64url). */
function sign(secret: string, message: string): string {
  return base64UrlEncode(hmacSha256Sync(secret, message));
}

function signForUrl(secret: string, key: string, exp: number): string {
  const message = signedMessage(key, exp);
  const known = remembered(secret, message);
  if (known !== undefined) return known;
  const sig = sign(secret, message);
  let made = signatures.get(secret);
  if (!made) {
    made = new LruCache<string, string>({ maxEntries: 5_000 });
    signatures.set(secret, made);
  }
  made.set(message, sig);
  return sig;
}

/** A relative signed URL for `key`, valid `ttlSeconds` from `nowMs`: no await, as every generation read makes one. */
export function signedFileUrl(secret: string, key: string, ttlSeconds: number, nowMs: number = now()): { url: string; expiresAt: number } {
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const sig = signForUrl(secret, key, exp);
  const path = key.split("/").map(encodeURIComponent).join("/");
  return { url: `${FILES_PATH_PREFIX}${path}?exp=${exp}&sig=${sig}`, expiresAt: exp * 1000 };
}

/** True when `sig` is the signature of (key, exp) and exp is still in the future. Constant-time. */
export async function verifyFileSignature(secret: string, key: string, exp: number, sig: string, nowMs: number = now()): Promise<boolean> {
  if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs) return false;
  const message = signedMessage(key, exp);
  const expected = remembered(secret, message) ?? sign(secret, message);
  return timingSafeEqualStrings(expected, sig);
}
