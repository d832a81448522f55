import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { Drape, verifyWebhook, WebhookVerificationError } from "../../src/index.js";
import { BASE } from "../helpers.js";

const SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
const OTHER = `whsec_${Buffer.from("fedcba9876543210fedcba9876543210").toString("base64")}`;
const EVENT = { type: "generation.completed", timestamp: "2020-01-01T00:00:00.000Z", data: { generationId: "gen_1", status: "COMPLETED" } };
const PAYLOAD = JSON.stringify(EVENT);

/** Headers signed by the reference implementation (the `standardwebhooks` package). */
function signedByReference(secret: string, payload: string, at: Date = new Date(Date.now())) {
  const id = "msg_1";
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign(id, at, payload) };
}

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return (err as WebhookVerificationError).reason;
}

describe("webhooks.verify (Standard Webhooks)", () => {
  const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE });

  it("accepts what the reference `standardwebhooks` package signs, as a string, bytes, a Headers or a plain object", async () => {
    const headers = signedByReference(SECRET, PAYLOAD);
    expect(await drape.webhooks.verify(PAYLOAD, headers, SECRET)).toEqual(EVENT);
    expect(await drape.webhooks.verify(new TextEncoder().encode(PAYLOAD), new Headers(headers), SECRET)).toEqual(EVENT);
    // And the reference accepts exactly what the client accepts: the same scheme both ways.
    expect(new Webhook(SECRET).verify(PAYLOAD, headers)).toEqual(EVENT);
  });

  it("accepts a delivery signed by two secrets (a rotation's overlap) with either secret", async () => {
    const at = new Date(Date.now());
    const headers = {
      ...signedByReference(SECRET, PAYLOAD, at),
      "webhook-signature": `${new Webhook(OTHER).sign("msg_1", at, PAYLOAD)} ${new Webhook(SECRET).sign("msg_1", at, PAYLOAD)}`,
    };
    expect(await verifyWebhook(PAYLOAD, headers, SECRET)).toEqual(EVENT);
    expect(await verifyWebhook(PAYLOAD, headers, OTHER)).toEqual(EVENT);
  });

  it("refuses a changed body, another secret, a stale or future timestamp, missing headers, a bad secret", async () => {
    const headers = signedByReference(SECRET, PAYLOAD);
    expect(await reason(verifyWebhook(PAYLOAD.replace("gen_1", "gen_2"), headers, SECRET))).toBe("NO_MATCHING_SIGNATURE");
    expect(await reason(verifyWebhook(PAYLOAD, headers, OTHER))).toBe("NO_MATCHING_SIGNATURE");
    const old = signedByReference(SECRET, PAYLOAD, new Date(Date.now() - 10 * 60_000));
    expect(await reason(verifyWebhook(PAYLOAD, old, SECRET))).toBe("TIMESTAMP_OUT_OF_TOLERANCE");
    const future = signedByReference(SECRET, PAYLOAD, new Date(Date.now() + 10 * 60_000));
    expect(await reason(verifyWebhook(PAYLOAD, future, SECRET))).toBe("TIMESTAMP_OUT_OF_TOLERANCE");
    // A wider tolerance accepts the old one (clock skew on purpose).
    expect(await verifyWebhook(PAYLOAD, old, SECRET, { toleranceSeconds: 3600 })).toEqual(EVENT);
    expect(await reason(verifyWebhook(PAYLOAD, { "webhook-id": "msg_1" }, SECRET))).toBe("MISSING_HEADERS");
    expect(await reason(verifyWebhook(PAYLOAD, { ...headers, "webhook-timestamp": "soon" }, SECRET))).toBe("BAD_TIMESTAMP");
    expect(await reason(verifyWebhook(PAYLOAD, headers, "whsec_"))).toBe("BAD_SECRET");
    expect(await reason(verifyWebhook(PAYLOAD, { ...headers, "webhook-signature": "v2,abc v1,!!!" }, SECRET))).toBe("NO_MATCHING_SIGNATURE");
  });
});
