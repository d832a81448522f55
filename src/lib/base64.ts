import { Buffer } from "node:buffer";

/**
 * The one base64 codec (standard and URL-safe alphabets), on workerd's native
 * `node:buffer` rather than a string built byte by byte. Decoding is as strict
 * as `atob`: ASCII whitespace is ignored, padding is optional but only at the
 * end, and any other character outside the alphabet throws.
 */
export function base64Encode(bytes: Uint8Array): string {
  return viewOf(bytes).toString("base64");
}

/** URL-safe alphabet, without padding (cursors, ids). */
export function base64UrlEncode(bytes: Uint8Array): string {
  return viewOf(bytes).toString("base64url");
}

export function base64Decode(text: string): Uint8Array {
  return decode(text, /^[A-Za-z0-9+/]*$/, "base64");
}

export function base64UrlDecode(text: string): Uint8Array {
  return decode(text, /^[A-Za-z0-9_-]*$/, "base64url");
}

function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** atob's forgiving-base64 rules, then a copy into a buffer of its own (Buffer may hand out a slice of a shared pool). */
function decode(text: string, alphabet: RegExp, encoding: "base64" | "base64url"): Uint8Array {
  let s = text.replace(/[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0) s = s.replace(/={1,2}$/, "");
  if (s.length % 4 === 1 || !alphabet.test(s)) throw new SyntaxError("not valid base64");
  return new Uint8Array(Buffer.from(s, encoding));
}
