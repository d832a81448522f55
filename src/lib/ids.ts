import { now as clockNow } from "./clock";
/**
 * The one id generator. Ids are `<prefix>_<8 chars of time><16 random chars>`,
 * base62 in ASCII order, so they sort by creation time (cursor pagination can
 * order by id) and carry ~95 bits of randomness from the CSPRNG.
 */
export const ID_PREFIXES = {
  account: "acc",
  apiKey: "key",
  generation: "gen",
  image: "img",
  webhookEndpoint: "whe",
  webhookDelivery: "msg",
  webhookAttempt: "att",
  request: "req",
  ledger: "led",
  user: "usr",
  session: "ses",
  invite: "inv",
  email: "eml",
  webauthnChallenge: "wch",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `n` characters of base62 from the CSPRNG, without modulo bias. */
export function randomBase62(n: number): string {
  let out = "";
  while (out.length < n) {
    const bytes = crypto.getRandomValues(new Uint8Array(n * 2));
    for (const b of bytes) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

function timePart(ms: number): string {
  let v = Math.max(0, Math.floor(ms));
  let s = "";
  for (let i = 0; i < 8; i++) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

export function newId(kind: IdKind, now: number = clockNow()): string {
  return `${ID_PREFIXES[kind]}_${timePart(now)}${randomBase62(16)}`;
}

/** True when `value` looks like an id of `kind` (cheap shape check before a lookup). */
export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9A-Za-z]{24}$`).test(value);
}
