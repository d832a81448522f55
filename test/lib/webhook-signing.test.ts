import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { base64Decode } from "../../src/lib/base64";
import { generateWebhookSecret, webhookHeaders } from "../../src/lib/webhook-signing";

const body = JSON.stringify({ type: "generation.completed", timestamp: "2026-11-25T08:00:00.000Z", data: { generationId: "gen_x", status: "COMPLETED" } });
const now = () => Math.floor(Date.now() / 1000);

describe("Standard Webhooks signatures, checked by the standardwebhooks package", () => {
  it("secrets are whsec_ + base64 of 32 random bytes, each one different", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(base64Decode(a.slice(6)).length).toBe(32);
    expect(a).not.toBe(b);
  });

  it("a signed message verifies and parses", async () => {
    const secret = generateWebhookSecret();
    const headers = await webhookHeaders([secret], "msg_abc", now(), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("matches the package's own sign() byte for byte", async () => {
    const secret = generateWebhookSecret();
    const ts = now();
    const headers = await webhookHeaders([secret], "msg_abc", ts, body);
    expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign("msg_abc", new Date(ts * 1000), body));
  });

  it("during rotation both signatures are sent and either secret verifies", async () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const headers = await webhookHeaders([newSecret, oldSecret], "msg_rot", now(), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it("a tampered body, timestamp or id fails; a stale timestamp fails", async () => {
    const secret = generateWebhookSecret();
    const ts = now();
    const headers = await webhookHeaders([secret], "msg_t", ts, body);
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.replace("COMPLETED", "FAILED"), headers)).toThrow(/signature/i);
    expect(() => wh.verify(body, { ...headers, "webhook-timestamp": String(ts - 1) })).toThrow(/signature/i);
    expect(() => wh.verify(body, { ...headers, "webhook-id": "msg_other" })).toThrow(/signature/i);
    const stale = await webhookHeaders([secret], "msg_t", ts - 3600, body);
    expect(() => wh.verify(body, stale)).toThrow(/too old/i);
  });
});
