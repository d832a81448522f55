import { base64Decode, base64Encode } from "./base64";
import { sha256Hex, toHex } from "./crypto";
import { LruCache } from "./lru-cache";

/**
 * Encryption at rest for values Drape must read again (webhook signing
 * secrets, stored idempotent responses). AES-256-GCM with a random 96-bit IV
 * and an AAD that binds each value to its row.
 *
 * Keys: a keyring of master keys (the current one seals; every one opens).
 * Each value is sealed under a subkey derived per purpose with HKDF-SHA256,
 * so one purpose's ciphertext can never be opened as another's, and carries
 * the id of its master key (first 8 hex of SHA-256 of the key bytes) so a
 * rotation knows which key to use. Formats:
 *
 * - text:  `v2.<key id>.<base64 iv>.<base64 ciphertext+tag>`
 * - bytes: `ar2.` (4 bytes) + key id (4 bytes) + iv (12) + ciphertext+tag
 *
 * Values written before key ids existed (`v1.<iv>.<ct>` text, and bare
 * `iv + ct` bytes, both under the master key itself) still open: every key of
 * the ring is tried. docs/deployment.md describes rotation.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type SealPurpose = "webhook-secret" | "idempotency-response" | "dashboard-form-answer" | "playground-key";

/** Domain separation for the HKDF extract step; changing it would orphan every v2 value. */
const HKDF_SALT = encoder.encode("drape/at-rest/v2");
const TEXT_V2 = "v2";
const TEXT_V1 = "v1";
const BYTES_MAGIC = encoder.encode("ar2.");
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 4;

export interface MasterKey {
  /** First 8 hex characters of SHA-256 of the key bytes: names the key without revealing it. */
  readonly id: string;
  readonly raw: Uint8Array;
}

export interface Keyring {
  /** Seals every new value. */
  readonly current: MasterKey;
  /** Open values sealed before a rotation; never seal. */
  readonly previous: readonly MasterKey[];
}

/** Why a sealed value could not be opened. Never carries key material or plaintext. */
export class UnreadableSealError extends Error {
  constructor(
    /** `unknown-key`: sealed under a key the ring lacks; `corrupt`: tampered, moved to another row, or not a sealed value. */
    readonly reason: "unknown-key" | "corrupt",
    /** The key id named by the value, when it names one. */
    readonly keyId: string | null,
    message: string,
  ) {
    super(message);
    this.name = "UnreadableSealError";
  }
}

/** The id of a 32-byte master key (8 hex characters). */
export function masterKeyId(raw: Uint8Array): string {
  return sha256Hex(raw).slice(0, 8);
}

/** Decodes a master key given as base64 of exactly 32 bytes; null otherwise. */
export function decodeMasterKey(b64: string): Uint8Array | null {
  const trimmed = b64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return null;
  try {
    const raw = base64Decode(trimmed);
    return raw.length === 32 ? raw : null;
  } catch {
    return null;
  }
}

const ringCache = new LruCache<string, Promise<Keyring>>({ maxEntries: 16 });

/**
 * The keyring for a current key and any previous keys (base64 of 32 bytes
 * each), built once per isolate. Throws when a key does not decode: the
 * deployment check refuses to serve in that case, so this is a last guard.
 */
export function loadKeyring(currentB64: string, previousB64: readonly string[] = []): Promise<Keyring> {
  const cacheKey = [currentB64, ...previousB64].join(",");
  let ring = ringCache.get(cacheKey);
  if (!ring) {
    ring = buildKeyring(currentB64, previousB64);
    ring.catch(() => ringCache.delete(cacheKey));
    ringCache.set(cacheKey, ring);
  }
  return ring;
}

// Async although nothing in it waits: a key that does not decode rejects the promise loadKeyring caches and drops.
async function buildKeyring(currentB64: string, previousB64: readonly string[]): Promise<Keyring> {
  const toKey = (b64: string, what: string): MasterKey => {
    const raw = decodeMasterKey(b64);
    if (!raw) throw new Error(`${what} at-rest key is not base64 of 32 bytes`);
    return { id: masterKeyId(raw), raw };
  };
  const current = toKey(currentB64, "the current");
  const previous: MasterKey[] = [];
  for (const b64 of previousB64) {
    const key = toKey(b64, "a previous");
    if (key.id !== current.id && !previous.some((p) => p.id === key.id)) previous.push(key);
  }
  return { current, previous };
}

// ---- keys ---------------------------------------------------------------------------------

const subkeys = new WeakMap<MasterKey, Map<SealPurpose, Promise<CryptoKey>>>();

/** The AES-GCM subkey of `master` for `purpose` (HKDF-SHA256), derived once per isolate (keyrings are cached). */
function subkey(master: MasterKey, purpose: SealPurpose): Promise<CryptoKey> {
  let byPurpose = subkeys.get(master);
  if (!byPurpose) {
    byPurpose = new Map();
    subkeys.set(master, byPurpose);
  }
  let key = byPurpose.get(purpose);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", master.raw, "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: encoder.encode(purpose) },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    byPurpose.set(purpose, key);
  }
  return key;
}

/** The master key used directly, as values sealed before subkeys existed were. */
function legacyKey(master: MasterKey): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", master.raw, { name: "AES-GCM" }, false, ["decrypt"]);
}

function findKey(ring: Keyring, id: string): MasterKey | undefined {
  return ring.current.id === id ? ring.current : ring.previous.find((k) => k.id === id);
}

const allKeys = (ring: Keyring): MasterKey[] => [ring.current, ...ring.previous];

async function encrypt(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<{ iv: Uint8Array; ct: Uint8Array }> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, plaintext));
  return { iv, ct };
}

async function decrypt(key: CryptoKey, iv: Uint8Array, ct: Uint8Array, aad: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, ct));
  } catch {
    return null;
  }
}

/** A value without a key id: the master keys themselves, each in turn. */
async function openLegacy(ring: Keyring, iv: Uint8Array, ct: Uint8Array, aad: string): Promise<Uint8Array | null> {
  for (const master of allKeys(ring)) {
    const pt = await decrypt(await legacyKey(master), iv, ct, aad);
    if (pt) return pt;
  }
  return null;
}

function unknownKey(keyId: string): UnreadableSealError {
  return new UnreadableSealError("unknown-key", keyId, `sealed with at-rest key ${keyId}, which is neither the current nor a previous key`);
}

const corrupt = (keyId: string | null, what: string) => new UnreadableSealError("corrupt", keyId, what);

// ---- text ----------------------------------------------------------------------------------

/** Encrypts `plaintext` under the current key's `purpose` subkey; `aad` binds it to its row. */
export async function sealSecret(ring: Keyring, purpose: SealPurpose, plaintext: string, aad: string): Promise<string> {
  const { iv, ct } = await encrypt(await subkey(ring.current, purpose), encoder.encode(plaintext), aad);
  return `${TEXT_V2}.${ring.current.id}.${base64Encode(iv)}.${base64Encode(ct)}`;
}

/** Opens a value made by `sealSecret` (or by the v1 format) with the same `purpose` and `aad`. */
export async function openSecret(ring: Keyring, purpose: SealPurpose, sealed: string, aad: string): Promise<string> {
  const parts = sealed.split(".");
  let pt: Uint8Array | null;
  if (parts[0] === TEXT_V2 && parts.length === 4) {
    const [, keyId = "", ivB64 = "", ctB64 = ""] = parts;
    const master = findKey(ring, keyId);
    if (!master) throw unknownKey(keyId);
    pt = await decrypt(await subkey(master, purpose), decodeOrEmpty(ivB64), decodeOrEmpty(ctB64), aad);
    if (!pt) throw corrupt(keyId, `the value sealed with at-rest key ${keyId} does not authenticate (tampered or moved)`);
  } else if (parts[0] === TEXT_V1 && parts.length === 3) {
    pt = await openLegacy(ring, decodeOrEmpty(parts[1] ?? ""), decodeOrEmpty(parts[2] ?? ""), aad);
    if (!pt) throw new UnreadableSealError("unknown-key", null, "a value sealed before key ids opens with none of the at-rest keys");
  } else {
    throw corrupt(null, "not a sealed value");
  }
  return decoder.decode(pt);
}

/** The key id a sealed text names; null for a value sealed before key ids (v1). */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts[0] === TEXT_V2 && parts.length === 4 ? (parts[1] ?? null) : null;
}

function decodeOrEmpty(b64: string): Uint8Array {
  try {
    return base64Decode(b64);
  } catch {
    return new Uint8Array(0);
  }
}

// ---- bytes ---------------------------------------------------------------------------------

/** Encrypts bytes under the current key's `purpose` subkey: magic + key id + iv + ciphertext+tag. */
export async function sealBytes(ring: Keyring, purpose: SealPurpose, plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
  const { iv, ct } = await encrypt(await subkey(ring.current, purpose), plaintext, aad);
  const keyId = hexToBytes(ring.current.id);
  const out = new Uint8Array(BYTES_MAGIC.length + KEY_ID_BYTES + IV_BYTES + ct.length);
  out.set(BYTES_MAGIC, 0);
  out.set(keyId, BYTES_MAGIC.length);
  out.set(iv, BYTES_MAGIC.length + KEY_ID_BYTES);
  out.set(ct, BYTES_MAGIC.length + KEY_ID_BYTES + IV_BYTES);
  return out;
}

/** Opens bytes made by `sealBytes` (or the earlier bare `iv + ct` form) with the same `purpose` and `aad`. */
export async function openBytes(ring: Keyring, purpose: SealPurpose, sealed: Uint8Array, aad: string): Promise<Uint8Array> {
  const headerBytes = BYTES_MAGIC.length + KEY_ID_BYTES;
  const tagged = sealed.length >= headerBytes + IV_BYTES + TAG_BYTES && BYTES_MAGIC.every((b, i) => sealed[i] === b);
  let failure: UnreadableSealError | null = null;
  if (tagged) {
    const keyId = toHex(sealed.subarray(BYTES_MAGIC.length, headerBytes));
    const master = findKey(ring, keyId);
    if (master) {
      const iv = sealed.subarray(headerBytes, headerBytes + IV_BYTES);
      const pt = await decrypt(await subkey(master, purpose), iv, sealed.subarray(headerBytes + IV_BYTES), aad);
      if (pt) return pt;
      failure = corrupt(keyId, `the value sealed with at-rest key ${keyId} does not authenticate (tampered or moved)`);
    } else {
      failure = unknownKey(keyId);
    }
  }
  // Untagged (or a legacy IV that happens to start with the magic, 1 in 2^32): the master keys directly.
  if (sealed.length >= IV_BYTES + TAG_BYTES) {
    const pt = await openLegacy(ring, sealed.subarray(0, IV_BYTES), sealed.subarray(IV_BYTES), aad);
    if (pt) return pt;
  }
  throw failure ?? new UnreadableSealError("unknown-key", null, "a value sealed before key ids opens with none of the at-rest keys");
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
