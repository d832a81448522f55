import type { WebhookEvent } from "./types.js";

/**
 * Standard Webhooks verification (https://www.standardwebhooks.com) on WebCrypto only, so it runs
 * in every runtime the client supports. Drape signs `"<webhook-id>.<webhook-timestamp>.<body>"` with
 * HMAC-SHA256 under the base64 part of `whsec_<base64>`, and sends `webhook-signature: v1,<base64>`
 * (several, space-separated, while a secret rotates).
 */

export type WebhookVerificationReason =
  | "MISSING_HEADERS"
  | "BAD_TIMESTAMP"
  | "TIMESTAMP_OUT_OF_TOLERANCE"
  | "BAD_SECRET"
  | "NO_MATCHING_SIGNATURE"
  | "BAD_PAYLOAD";

export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
  ) {
    super(message);
  }
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from now, in seconds, either way (default 300, as Standard Webhooks). */
  toleranceSeconds?: number;
  /** The current time in ms (tests). */
  now?: number;
}

const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name) continue;
    return Array.isArray(v) ? v.join(" ") : v;
  }
  return undefined;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function payloadBytes(payload: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof payload === "string") return encoder.encode(payload);
  return payload instanceof ArrayBuffer ? new Uint8Array(payload) : payload;
}

/**
 * Checks that `payload` (the raw body, exactly as received: parse it only afterwards) was signed
 * with `secret` within the tolerance, and returns the parsed event. Throws WebhookVerificationError.
 */
export async function verifyWebhook(
  payload: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders,
  secret: string,
  opts: VerifyOptions = {},
): Promise<WebhookEvent> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError("MISSING_HEADERS", "webhook-id, webhook-timestamp and webhook-signature are required");
  }
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError("BAD_TIMESTAMP", "webhook-timestamp is not a number of seconds");
  const tolerance = opts.toleranceSeconds ?? 300;
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError("TIMESTAMP_OUT_OF_TOLERANCE", `webhook-timestamp is more than ${tolerance} s from now`);
  }
  const keyBytes = base64ToBytes(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!keyBytes || keyBytes.length === 0) throw new WebhookVerificationError("BAD_SECRET", "the secret is not whsec_<base64>");
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const body = payloadBytes(payload);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);

  let matched = false;
  for (const entry of signatures.split(" ")) {
    const [version, sig] = entry.split(",", 2);
    if (version !== "v1" || !sig) continue;
    const sigBytes = base64ToBytes(sig);
    // crypto.subtle.verify compares in constant time.
    if (sigBytes && (await crypto.subtle.verify("HMAC", key, sigBytes, signed))) {
      matched = true;
      break;
    }
  }
  if (!matched) throw new WebhookVerificationError("NO_MATCHING_SIGNATURE", "no webhook-signature matches this payload and secret");

  try {
    return JSON.parse(typeof payload === "string" ? payload : new TextDecoder().decode(body)) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError("BAD_PAYLOAD", "the signed payload is not JSON");
  }
}
