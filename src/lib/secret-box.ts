import { base64Decode, base64Encode } from "./crypto";

/**
 * Encryption at rest for secrets the owner must be able to read again (webhook
 * signing secrets). AES-256-GCM with a random 96-bit IV per value; the stored
 * form is `v1.<base64 iv>.<base64 ciphertext+tag>` so the format can evolve.
 * The key is a Worker secret (base64 of 32 bytes), never stored in D1.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const VERSION = "v1";

// Importing a key is cheap but not free; one CryptoKey per key string per isolate.
const keyCache = new Map<string, Promise<CryptoKey>>();

export function importSecretBoxKey(keyB64: string): Promise<CryptoKey> {
  let key = keyCache.get(keyB64);
  if (!key) {
    let raw: Uint8Array;
    try {
      raw = base64Decode(keyB64);
    } catch {
      throw new Error("secret-box key is not valid base64");
    }
    if (raw.length !== 32) throw new Error("secret-box key must be 32 bytes (base64)");
    key = crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    keyCache.set(keyB64, key);
  }
  return key;
}

/** Encrypts `plaintext`; `aad` binds the ciphertext to its row (e.g. the endpoint id) so it cannot be moved to another. */
export async function sealSecret(keyB64: string, plaintext: string, aad: string): Promise<string> {
  const key = await importSecretBoxKey(keyB64);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, encoder.encode(plaintext));
  return `${VERSION}.${base64Encode(iv)}.${base64Encode(new Uint8Array(ct))}`;
}

/** Decrypts a value made by `sealSecret` with the same key and `aad`; throws when tampered. */
export async function openSecret(keyB64: string, sealed: string, aad: string): Promise<string> {
  const [version, ivB64, ctB64] = sealed.split(".");
  if (version !== VERSION || !ivB64 || !ctB64) throw new Error("unrecognised sealed secret");
  const key = await importSecretBoxKey(keyB64);
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: base64Decode(ivB64), additionalData: encoder.encode(aad) },
    key,
    base64Decode(ctB64),
  );
  return decoder.decode(pt);
}

/** Encrypts bytes: the result is the 12-byte IV followed by ciphertext+tag. `aad` binds it to its record. */
export async function sealBytes(keyB64: string, plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
  const key = await importSecretBoxKey(keyB64);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, plaintext));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv, 0);
  out.set(ct, iv.length);
  return out;
}

/** Decrypts bytes made by `sealBytes` with the same key and `aad`; throws when tampered or moved. */
export async function openBytes(keyB64: string, sealed: Uint8Array, aad: string): Promise<Uint8Array> {
  if (sealed.length < 12 + 16) throw new Error("sealed bytes too short");
  const key = await importSecretBoxKey(keyB64);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, 12), additionalData: encoder.encode(aad) }, key, sealed.subarray(12));
  return new Uint8Array(pt);
}
