import { describe, expect, it } from "vitest";
import { accountGateStub } from "../../../src/durable/account-gate/client";
import { now } from "../../../src/lib/clock";
import { CreatedApiKeySchema } from "../../../src/schemas/admin";
import { admin, api, createAccount, env, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";

/** Freezes the account's gate clock so refill is exact (no real time leaks into the bucket). */
async function freeze(acct: TestAccount, at = now()) {
  const stub = accountGateStub(env, acct.accountId);
  await stub.testSetClock(at);
  return { advance: (ms: number) => stub.testAdvanceClock(ms) };
}

function parseRateLimit(res: Response): { q: number; w: number; r: number; t: number } {
  const policy = res.headers.get("ratelimit-policy") ?? "";
  const state = res.headers.get("ratelimit") ?? "";
  const pm = /^"per-key";q=(\d+);w=(\d+)$/.exec(policy);
  const sm = /^"per-key";r=(\d+);t=(\d+)$/.exec(state);
  if (!pm || !sm) throw new Error(`bad rate-limit headers: ${policy} / ${state} (status ${res.status})`);
  return { q: Number(pm[1]), w: Number(pm[2]), r: Number(sm[1]), t: Number(sm[2]) };
}

async function get(acct: TestAccount) {
  const res = await api(acct, "/account/credits");
  await res.arrayBuffer();
  return res;
}

describe("per-key token bucket", () => {
  it("default policy: 100 requests/min with a burst of 100", async () => {
    const acct = await createAccount();
    await freeze(acct);
    const res = await get(acct);
    expect(res.status).toBe(200);
    expect(parseRateLimit(res)).toEqual({ q: 100, w: 60, r: 99, t: 1 });
  });

  it("burst then steady rate, exactly as documented; remaining counts down; Retry-After is truthful", async () => {
    // 60/min = one token per second; bucket of 5.
    const acct = await createAccount({ key: { rateLimitPerMinute: 60, rateLimitBurst: 5 } });
    const clock = await freeze(acct);
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get(acct);
      expect(res.status).toBe(200);
      const rl = parseRateLimit(res);
      expect(rl.q).toBe(5);
      expect(rl.w).toBe(5);
      remaining.push(rl.r);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);

    const refused = await api(acct, "/account/credits");
    await expectEnvelope(refused, 429, "RATE_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(parseRateLimit(refused)).toMatchObject({ r: 0, t: 5 });

    await clock.advance(999);
    const early = await api(acct, "/account/credits");
    await expectEnvelope(early, 429, "RATE_LIMITED");
    expect(early.headers.get("retry-after")).toBe("1");

    await clock.advance(1);
    const afterRetry = await get(acct);
    expect(afterRetry.status).toBe(200);
    expect(parseRateLimit(afterRetry).r).toBe(0);

    // Steady state: one request per second is always admitted.
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      expect((await get(acct)).status).toBe(200);
    }
    // A long pause refills to the burst, never beyond it.
    await clock.advance(60_000);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(acct)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("a throttled bucket survives the object losing its memory (eviction, restart)", async () => {
    const acct = await createAccount({ key: { rateLimitPerMinute: 60, rateLimitBurst: 3 } });
    await freeze(acct);
    for (let i = 0; i < 3; i++) expect((await get(acct)).status).toBe(200);
    expect((await get(acct)).status).toBe(429);
    const { runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(accountGateStub(env, acct.accountId), (obj) => {
      (obj as unknown as { buckets: Map<string, unknown> }).buckets.clear();
    });
    expect((await get(acct)).status).toBe(429);
  });

  it("Retry-After covers the wait for one token at slow rates", async () => {
    const acct = await createAccount({ key: { rateLimitPerMinute: 2, rateLimitBurst: 1 } });
    const clock = await freeze(acct);
    expect((await get(acct)).status).toBe(200);
    const refused = await get(acct);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    await clock.advance(29_000);
    expect((await get(acct)).status).toBe(429);
    await clock.advance(1_000);
    expect((await get(acct)).status).toBe(200);
  });

  it("limits are per key: another key of the same account is unaffected", async () => {
    const acct = await createAccount({ key: { rateLimitPerMinute: 60, rateLimitBurst: 2 } });
    await freeze(acct);
    const k2 = await admin(`/admin/v1/accounts/${acct.accountId}/keys`, {
      method: "POST",
      json: { name: "second", rateLimitPerMinute: 60, rateLimitBurst: 2 },
    });
    const other = { ...acct, key: (await readWire(k2, CreatedApiKeySchema)).key };
    expect((await get(acct)).status).toBe(200);
    expect((await get(acct)).status).toBe(200);
    expect((await get(acct)).status).toBe(429);
    const res = await get(other);
    expect(res.status).toBe(200);
    expect(parseRateLimit(res).r).toBe(1);
  });

  it("key and account overrides apply as soon as they are changed", async () => {
    const acct = await createAccount();
    await freeze(acct);
    expect(parseRateLimit(await get(acct)).q).toBe(100);

    const patchAccount = await admin(`/admin/v1/accounts/${acct.accountId}`, { method: "PATCH", json: { rateLimitPerMinute: 30 } });
    expect(patchAccount.status).toBe(200);
    const acc = parseRateLimit(await get(acct));
    expect(acc).toMatchObject({ q: 30, w: 60 });
    expect(acc.r).toBeLessThan(30);

    const patchKey = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, {
      method: "PATCH",
      json: { rateLimitPerMinute: 60, rateLimitBurst: 2 },
    });
    expect(patchKey.status).toBe(200);
    const first = await get(acct);
    expect(parseRateLimit(first)).toMatchObject({ q: 2, w: 2, r: 1 });
    expect((await get(acct)).status).toBe(200);
    expect((await get(acct)).status).toBe(429);
  });

  it("every authenticated response carries the headers, errors included", async () => {
    const acct = await createAccount();
    await freeze(acct);
    const notFound = await api(acct, "/webhooks/whe_000000000000000000000000");
    expect(notFound.status).toBeGreaterThanOrEqual(400);
    expect(parseRateLimit(notFound).r).toBe(99);
    const badKey = await api(acct, "/webhooks", { method: "POST", json: {}, headers: { "idempotency-key": `${"x".repeat(300)}` } });
    await expectEnvelope(badKey.clone(), 400, "VALIDATION_FAILED");
    expect(parseRateLimit(badKey).r).toBe(98);
    // Unauthenticated responses carry none (nothing to count against).
    const anon = await api({ key: "" }, "/account/credits", { headers: { "x-api-key": "dr_live_nope" } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("ratelimit")).toBeNull();
  });
});
