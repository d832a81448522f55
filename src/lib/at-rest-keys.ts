import { decodeMasterKey, type Keyring, loadKeyring } from "./secret-box";

/**
 * Where the at-rest keys come from (Worker secrets):
 * - `AT_REST_KEY`: the current key (base64 of 32 random bytes); seals everything new.
 * - `AT_REST_KEY_PREVIOUS`: keys that still open older values during a rotation,
 *   comma- or space-separated.
 * - `WEBHOOK_ENCRYPTION_KEY`: the former name of `AT_REST_KEY`, still read so
 *   existing deployments keep working. Used as the current key when
 *   `AT_REST_KEY` is unset; when both are set and differ, it is one more
 *   previous key (renaming and rotating in one step then loses nothing).
 */
export interface AtRestKeySource {
  AT_REST_KEY?: string;
  AT_REST_KEY_PREVIOUS?: string;
  WEBHOOK_ENCRYPTION_KEY?: string;
}

export interface NamedKey {
  /** The variable it came from, for messages (never the value). */
  name: string;
  value: string;
}

export interface AtRestKeySettings {
  current: NamedKey | null;
  previous: NamedKey[];
}

const nonEmpty = (v: string | undefined): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

export function readAtRestKeySettings(src: AtRestKeySource): AtRestKeySettings {
  const primary = nonEmpty(src.AT_REST_KEY);
  const legacy = nonEmpty(src.WEBHOOK_ENCRYPTION_KEY);
  const current = primary ? { name: "AT_REST_KEY", value: primary } : legacy ? { name: "WEBHOOK_ENCRYPTION_KEY", value: legacy } : null;
  const previous: NamedKey[] = (nonEmpty(src.AT_REST_KEY_PREVIOUS) ?? "")
    .split(/[\s,]+/)
    .filter((v) => v !== "")
    .map((value) => ({ name: "AT_REST_KEY_PREVIOUS", value }));
  if (primary && legacy && legacy !== primary) previous.push({ name: "WEBHOOK_ENCRYPTION_KEY", value: legacy });
  return { current, previous };
}

/** The keyring of this deployment (cached per isolate). Throws when no usable current key is set. */
export function atRestKeyring(src: AtRestKeySource): Promise<Keyring> {
  const { current, previous } = readAtRestKeySettings(src);
  if (!current) return Promise.reject(new Error("no at-rest key is set (AT_REST_KEY)"));
  return loadKeyring(
    current.value,
    previous.map((p) => p.value),
  );
}

/** Known non-secret values: the placeholder of .dev.vars.example and the fixed key of the test suite. */
const PUBLISHED_KEYS = new Set(["base64-of-32-random-bytes", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="]);

/** Why a key value cannot be used at all (any environment), or null. */
export function atRestKeyUnusable(value: string): string | null {
  return decodeMasterKey(value) ? null : "is not base64 of exactly 32 bytes (generate one with `openssl rand -base64 32`)";
}

/**
 * Why a usable key is too weak for a deployment, or null when it looks like
 * 32 random bytes. Random bytes have about 30 distinct values in 32 and are
 * almost never all printable ASCII (odds ~1e-14); a key failing either test
 * was typed or derived from a password, not generated.
 */
export function atRestKeyWeakness(value: string): string | null {
  if (PUBLISHED_KEYS.has(value.trim())) return "is a published example value, not a secret";
  const raw = decodeMasterKey(value);
  if (!raw) return null;
  if (new Set(raw).size <= 16) return "does not look random (too few distinct bytes); generate one with `openssl rand -base64 32`";
  if (raw.every((b) => b >= 0x20 && b < 0x7f)) return "decodes to printable text, not random bytes; generate one with `openssl rand -base64 32`";
  return null;
}
