import { API_BASE } from "./api-paths";
import { base64UrlEncode } from "./base64";
import { now } from "./clock";
import { hmacSha256, timingSafeEqualStrings } from "./crypto";

/**
 * Signed, expiring file URLs: `/tryon/v1/files/<key>?exp=<unix>&sig=<b64url HMAC-SHA256("<key>\n<exp>")>`.
 * The key is the R2 object key; the signature binds key and expiry together.
 */
export const FILES_PATH_PREFIX = `${API_BASE}/files/`;

export async function signFileKey(secret: string, key: string, exp: number): Promise<string> {
  return base64UrlEncode(await hmacSha256(secret, `${key}\n${exp}`));
}

/** A relative signed URL for `key`, valid `ttlSeconds` from `nowMs`. */
export async function signedFileUrl(secret: string, key: string, ttlSeconds: number, nowMs: number = now()): Promise<{ url: string; expiresAt: number }> {
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const sig = await signFileKey(secret, key, exp);
  const path = key.split("/").map(encodeURIComponent).join("/");
  return { url: `${FILES_PATH_PREFIX}${path}?exp=${exp}&sig=${sig}`, expiresAt: exp * 1000 };
}

/** True when `sig` is the signature of (key, exp) and exp is still in the future. Constant-time. */
export async function verifyFileSignature(secret: string, key: string, exp: number, sig: string, nowMs: number = now()): Promise<boolean> {
  if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs) return false;
  return timingSafeEqualStrings(await signFileKey(secret, key, exp), sig);
}
