import { base64UrlEncode } from "../../lib/base64";
import { sha256Hex } from "../../lib/crypto";

/** 32 random bytes, base64url: session cookies and emailed links (256 bits, unguessable). */
export function newOpaqueToken(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
}

/** What D1 stores for a token: a fast hash suffices for 256 random bits, and gives no timing oracle. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** Emails are compared and stored lower-cased and trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
