import { base64Decode, base64Encode } from "../../src/lib/base64";

/** The suite's current at-rest key (vitest.config.ts binds it as AT_REST_KEY). */
export const TEST_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/** A fresh random at-rest key (base64 of 32 bytes), as an operator would generate. */
export function randomKey(): string {
  return base64Encode(crypto.getRandomValues(new Uint8Array(32)));
}

/** The id a key is known by: first 8 hex of SHA-256 of its bytes (computed independently of src/). */
export async function keyIdOf(b64: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", base64Decode(b64)));
  return [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Values as the code before key ids wrote them (AES-GCM under the master key
 * itself): `v1.<iv>.<ct>` text, and bare `iv + ct` bytes. Kept here so the
 * migration path is tested against the real old format.
 */
export async function legacySealText(keyB64: string, plaintext: string, aad: string): Promise<string> {
  const { iv, ct } = await legacyEncrypt(keyB64, new TextEncoder().encode(plaintext), aad);
  return `v1.${base64Encode(iv)}.${base64Encode(ct)}`;
}

export async function legacySealBytes(keyB64: string, plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
  const { iv, ct } = await legacyEncrypt(keyB64, plaintext, aad);
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv, 0);
  out.set(ct, iv.length);
  return out;
}

async function legacyEncrypt(keyB64: string, plaintext: Uint8Array, aad: string): Promise<{ iv: Uint8Array; ct: Uint8Array }> {
  const key = await crypto.subtle.importKey("raw", base64Decode(keyB64), { name: "AES-GCM" }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) }, key, plaintext));
  return { iv, ct };
}
