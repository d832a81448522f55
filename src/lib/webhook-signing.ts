import { base64Decode, base64Encode } from "./base64";
import { hmacSha256 } from "./crypto";

/**
 * Standard Webhooks v1 signing (https://www.standardwebhooks.com):
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`,
 * where the HMAC key is the base64-decoded part of `whsec_<base64>`. Several
 * secrets (rotation overlap) give several signatures, space-separated.
 */
export const WEBHOOK_SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + base64 of 32 CSPRNG bytes. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${base64Encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

function secretKeyBytes(secret: string): Uint8Array {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  return base64Decode(b64);
}

/** One `v1,<base64>` signature of (id, timestamp seconds, body). */
export async function signWebhookPayload(secret: string, msgId: string, timestampSec: number, body: string): Promise<string> {
  const mac = await hmacSha256(secretKeyBytes(secret), `${msgId}.${timestampSec}.${body}`);
  return `v1,${base64Encode(mac)}`;
}

/** The three Standard Webhooks headers for one attempt; every secret in `secrets` signs. */
export interface WebhookSignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export async function webhookHeaders(secrets: readonly string[], msgId: string, timestampSec: number, body: string): Promise<WebhookSignatureHeaders> {
  const sigs = await Promise.all(secrets.map((s) => signWebhookPayload(s, msgId, timestampSec, body)));
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestampSec),
    "webhook-signature": sigs.join(" "),
  };
}
