import { describe, expect, it } from "vitest";
import { Drape, DrapeError } from "../../src/index.js";
import { backoffMs, DEFAULT_RETRY_POLICY, retryingFetch } from "../../src/retry.js";
import { BASE, envelope, FAST, fakeFetch, json } from "../helpers.js";

const ACCOUNT = { accountId: "acc_1" };

function recordSleeps() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe("retryingFetch", () => {
  it("honours Retry-After on a 429 (seconds, not the backoff) and returns the answer that follows", async () => {
    const f = fakeFetch([envelope(429, "RATE_LIMITED", {}, { "retry-after": "2" }), json(200, ACCOUNT)]);
    const { sleeps, sleep } = recordSleeps();
    const send = retryingFetch({ fetch: f.fetch, policy: DEFAULT_RETRY_POLICY, timeoutMs: 0, sleep });
    const res = await send(new Request(`${BASE}/tryon/v1/account`));
    expect(res.status).toBe(200);
    expect(f.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it("backs off with full jitter, doubling up to the cap, on 503 without Retry-After and on network errors", async () => {
    const f = fakeFetch([envelope(503, "SERVICE_UNAVAILABLE"), new TypeError("fetch failed"), envelope(503, "SERVICE_UNAVAILABLE"), json(200, ACCOUNT)]);
    const { sleeps, sleep } = recordSleeps();
    const policy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 3000, maxRetryAfterSeconds: 60 };
    const send = retryingFetch({ fetch: f.fetch, policy, timeoutMs: 0, sleep, random: () => 1 });
    expect((await send(new Request(`${BASE}/x`))).status).toBe(200);
    // random() = 1 shows the ceilings: 1000, 2000, then 4000 capped at 3000.
    expect(sleeps).toEqual([1000, 2000, 3000]);
    expect(backoffMs(5, policy, () => 0.5)).toBe(1500);
  });

  it("does not retry a 400, a 500 or a 402, and gives a 429 back when Retry-After is beyond the longest wait", async () => {
    for (const res of [envelope(400, "VALIDATION_FAILED"), envelope(500, "INTERNAL_ERROR"), envelope(402, "INSUFFICIENT_CREDITS")]) {
      const f = fakeFetch([res, json(200, ACCOUNT)]);
      const send = retryingFetch({ fetch: f.fetch, policy: DEFAULT_RETRY_POLICY, timeoutMs: 0, sleep: async () => {} });
      expect((await send(new Request(`${BASE}/x`))).status).toBe(res.status);
      expect(f.requests).toHaveLength(1);
    }
    const f = fakeFetch([envelope(429, "RATE_LIMITED", {}, { "retry-after": "3600" }), json(200, ACCOUNT)]);
    const send = retryingFetch({ fetch: f.fetch, policy: DEFAULT_RETRY_POLICY, timeoutMs: 0, sleep: async () => {} });
    expect((await send(new Request(`${BASE}/x`))).status).toBe(429);
    expect(f.requests).toHaveLength(1);
  });

  it("stops at once when the caller's signal aborts during a backoff, with the signal's reason", async () => {
    const f = fakeFetch([envelope(503, "SERVICE_UNAVAILABLE")]);
    const controller = new AbortController();
    const send = retryingFetch({ fetch: f.fetch, policy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 60_000, maxDelayMs: 60_000 }, timeoutMs: 0, random: () => 1 });
    const pending = send(new Request(`${BASE}/x`, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("user gave up")), 20);
    await expect(pending).rejects.toThrow("user gave up");
    expect(f.requests).toHaveLength(1);
  });
});

describe("Drape client errors", () => {
  it("throws a typed DrapeError from the envelope after the retries are spent, retryable for a 429", async () => {
    const f = fakeFetch([envelope(429, "RATE_LIMITED", { details: [] }, { "retry-after": "0" })]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch, maxRetries: 2, retry: FAST });
    const err = await drape.account.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrapeError);
    expect(err).toMatchObject({ code: "RATE_LIMITED", status: 429, requestId: "req_test123", retryable: true, details: [], retryAfter: 0 });
    expect(f.requests).toHaveLength(3);
  });

  it("a VALIDATION_FAILED is not retryable and names the fields", async () => {
    const details = [{ path: "products.0.externalId", message: "Required" }];
    const f = fakeFetch([envelope(400, "VALIDATION_FAILED", { details })]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: f.fetch });
    const err = (await drape.tryOn.create({ products: [] } as never).catch((e: unknown) => e)) as DrapeError;
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", status: 400, retryable: false, message: "VALIDATION_FAILED happened" });
    expect(err.fieldErrors).toEqual(details);
    expect(f.requests).toHaveLength(1);
  });

  it("a network failure that outlasts the retries is NETWORK_ERROR (status 0, retryable); a proxy's HTML is INVALID_RESPONSE", async () => {
    const down = fakeFetch([new TypeError("connect ECONNREFUSED")]);
    const drape = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: down.fetch, maxRetries: 1, retry: FAST });
    await expect(drape.account.get()).rejects.toMatchObject({ code: "NETWORK_ERROR", status: 0, retryable: true });
    expect(down.requests).toHaveLength(2);
    const proxy = fakeFetch([new Response("<html>bad gateway</html>", { status: 502 })]);
    const viaProxy = new Drape({ apiKey: "dr_live_x", baseUrl: BASE, fetch: proxy.fetch });
    await expect(viaProxy.account.get()).rejects.toMatchObject({ code: "INVALID_RESPONSE", status: 502 });
  });

  it("sends the key as a bearer token to the API's base path, whatever form baseUrl takes", async () => {
    for (const baseUrl of [BASE, `${BASE}/`, `${BASE}/tryon/v1`, `${BASE}/tryon/v1/`]) {
      const f = fakeFetch([json(200, ACCOUNT)]);
      await new Drape({ apiKey: "dr_live_abc", baseUrl, fetch: f.fetch }).account.get();
      expect(f.requests[0]?.url).toBe(`${BASE}/tryon/v1/account`);
      expect(f.requests[0]?.headers.get("authorization")).toBe("Bearer dr_live_abc");
    }
    expect(() => new Drape({ apiKey: "", baseUrl: BASE })).toThrow(/apiKey/);
    expect(() => new Drape({ apiKey: "k", baseUrl: "drape.example.com" })).toThrow(/baseUrl/);
  });

  it("knows its mode from the key: live, test, or unknown", () => {
    expect(new Drape({ apiKey: "dr_live_abc", baseUrl: BASE }).livemode).toBe(true);
    expect(new Drape({ apiKey: "dr_test_abc", baseUrl: BASE }).livemode).toBe(false);
    expect(new Drape({ apiKey: "something", baseUrl: BASE }).livemode).toBeUndefined();
  });
});
