import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Small hashing and WebCrypto helpers shared by keys, signing and secret storage. */
const encoder = new TextEncoder();

// workerd's V8 has Uint8Array.prototype.toHex (ES2026); TypeScript's libs do not declare it yet.
declare global {
  interface Uint8Array {
    toHex(): string;
  }
}

/**
 * Lower-case hex, by the runtime in one flat string: every key lookup hashes, and building it two
 * digits at a time made a string per byte (docs/performance.md, item 12).
 */
export function toHex(buf: ArrayBuffer | Uint8Array): string {
  return (buf instanceof Uint8Array ? buf : new Uint8Array(buf)).toHex();
}

/**
 * SHA-256 in hex, synchronously: every authenticated request hashes its API key, and a hash of a few
 * dozen bytes costs less in JavaScript than WebCrypto's promise round trip (docs/performance.md).
 */
export function sha256Hex(input: string | Uint8Array): string {
  return toHex(sha256(typeof input === "string" ? encoder.encode(input) : input));
}

/**
 * HMAC-SHA256, synchronously: the same bytes as `hmacSha256`, for signatures made on a request's hot
 * path (file URLs, on every generation read), where WebCrypto's promise costs more than the hash.
 */
export function hmacSha256Sync(secret: string, message: string): Uint8Array {
  return hmac(sha256, encoder.encode(secret), encoder.encode(message));
}

/** HMAC-SHA256 by WebCrypto, for long messages off the hot path (webhook payloads, keyed by the secret's bytes). */
export async function hmacSha256(secret: Uint8Array, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/**
 * Constant-time comparison of two secrets. Both sides are hashed first so the
 * lengths always match (`timingSafeEqual` throws on unequal lengths) and the
 * length of the secret does not leak.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}
