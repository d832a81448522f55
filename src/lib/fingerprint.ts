import { sha256Hex } from "./crypto";

const encoder = new TextEncoder();

/**
 * SHA-256 (hex) of a request body, as the idempotency fingerprint. A multipart
 * body is hashed with its boundary removed: clients pick a fresh random
 * boundary on every send, so a retry of the same form must still match.
 */
export async function bodyFingerprint(contentType: string | null, body: Uint8Array): Promise<string> {
  const boundary = /^multipart\//i.test(contentType ?? "") ? /boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1] : undefined;
  return sha256Hex(boundary ? stripAll(body, encoder.encode(boundary)) : body);
}

function stripAll(bytes: Uint8Array, needle: Uint8Array): Uint8Array {
  if (needle.length === 0) return bytes;
  const out = new Uint8Array(bytes.length);
  let o = 0;
  let i = 0;
  const first = needle[0];
  outer: while (i < bytes.length) {
    if (bytes[i] === first && i + needle.length <= bytes.length) {
      for (let j = 1; j < needle.length; j++) {
        if (bytes[i + j] !== needle[j]) {
          out[o++] = bytes[i++] as number;
          continue outer;
        }
      }
      i += needle.length;
      continue;
    }
    out[o++] = bytes[i++] as number;
  }
  return out.subarray(0, o);
}
