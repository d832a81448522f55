import { describe, expect, it } from "vitest";
import { Drape } from "../../src/index.js";
import { BASE, envelope, FAST, fakeFetch, json } from "../helpers.js";

const ACCEPTED = { generationId: "gen_1", status: "PENDING", productExternalId: "shirt-42" };
const TRY_ON = { products: [{ externalId: "shirt-42" }], person: { image: { source: { id: "img_1" } } } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("automatic Idempotency-Key", () => {
  it("every POST gets a fresh UUID, and its retries (503, network error, 409 IN_USE) resend the same key and body", async () => {
    const f = fakeFetch([
      envelope(503, "SERVICE_UNAVAILABLE"),
      new TypeError("socket hang up"),
      envelope(409, "IDEMPOTENCY_KEY_IN_USE", {}, { "retry-after": "0" }),
      json(202, ACCEPTED),
      json(202, { ...ACCEPTED, generationId: "gen_2" }),
    ]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch, retry: FAST });
    expect(await drape.tryOn.create(TRY_ON)).toEqual(ACCEPTED);
    const keys = f.requests.map((r) => r.headers.get("idempotency-key"));
    expect(keys).toHaveLength(4);
    expect(keys[0]).toMatch(UUID);
    expect(new Set(keys).size).toBe(1);
    expect(new Set(f.bodies)).toEqual(new Set([JSON.stringify(TRY_ON)]));

    await drape.tryOn.create(TRY_ON);
    const second = f.requests[4]?.headers.get("idempotency-key");
    expect(second).toMatch(UUID);
    expect(second).not.toBe(keys[0]);
  });

  it("a multipart POST keeps its key and its whole body across a retry", async () => {
    const f = fakeFetch([envelope(503, "SERVICE_UNAVAILABLE"), json(201, { imageId: "img_1" })]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch, retry: FAST });
    await drape.images.upload(new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]), { externalUserId: "user_1" });
    expect(f.requests).toHaveLength(2);
    expect(f.requests[0]?.headers.get("idempotency-key")).toBe(f.requests[1]?.headers.get("idempotency-key"));
    expect(f.bodies[0]).toContain('name="externalUserId"');
    expect(f.bodies[1]).toBe(f.bodies[0]);
  });

  it("uses the caller's key when given, and sends none on GET", async () => {
    const f = fakeFetch([json(202, ACCEPTED), json(200, { creditBalance: 1, reserved: 0, spent: 0 })]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    await drape.tryOn.create(TRY_ON, { idempotencyKey: "order-123-tryon" });
    await drape.account.credits();
    expect(f.requests[0]?.headers.get("idempotency-key")).toBe("order-123-tryon");
    expect(f.requests[1]?.method).toBe("GET");
    expect(f.requests[1]?.headers.has("idempotency-key")).toBe(false);
  });

  it("a 422 IDEMPOTENCY_KEY_REUSED is not retried", async () => {
    const f = fakeFetch([envelope(422, "IDEMPOTENCY_KEY_REUSED")]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch, retry: FAST });
    await expect(drape.tryOn.create(TRY_ON, { idempotencyKey: "k" })).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", retryable: false });
    expect(f.requests).toHaveLength(1);
  });
});
