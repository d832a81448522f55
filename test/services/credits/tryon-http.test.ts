import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { now } from "../../../src/lib/clock";
import { MINUTE } from "../../../src/lib/time";
import { admin, api, createAccount, env, expectEnvelope, type TestAccount } from "../../helpers/harness";
import { makePng } from "../../helpers/images";
import { meter } from "../../helpers/meter";
import { REQUEST_DELIVERY } from "../../helpers/outbox-delivery";
import { captureGenerationQueue, registerProduct, silenceWebhookQueue, tryOn, uploadPerson } from "../../helpers/pipeline";
import { expectLedgerBalances, grantCredits } from "./helpers";

// The queue is captured (no consumer runs), so every accepted generation keeps its credit held.
let queue: ReturnType<typeof captureGenerationQueue>;
let restoreWebhooks: () => void;
beforeEach(() => {
  queue = captureGenerationQueue();
  restoreWebhooks = silenceWebhookQueue();
});
afterEach(() => {
  queue.restore();
  restoreWebhooks();
});

async function ready(credits: number, opts: Parameters<typeof createAccount>[0] = {}): Promise<{ acct: TestAccount; body: unknown }> {
  const acct = await createAccount(opts);
  await registerProduct(acct, "mock-shirt", "mock");
  const imageId = await uploadPerson(acct);
  if (credits > 0) await grantCredits(acct.accountId, credits);
  return { acct, body: { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] } };
}

/**
 * Freezes the account's gate clock a minute past now, so the buckets that `ready()` spent from are full
 * again and refill stops: the counts below are exact whatever day the suite runs on.
 */
async function freezeRefilled(acct: TestAccount): Promise<void> {
  await accountGateStub(env, acct.accountId).testSetClock(now() + MINUTE);
}

/** Shrinks the key's bucket to `burst` (60/min), as an operator would. */
async function limitKey(acct: TestAccount, burst: number): Promise<void> {
  const patch = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, {
    method: "PATCH",
    json: { rateLimitPerMinute: 60, rateLimitBurst: burst },
  });
  expect(patch.status).toBe(200);
}

function rl(res: Response): number {
  const m = /r=(\d+)/.exec(res.headers.get("ratelimit") ?? "");
  if (!m) throw new Error(`no RateLimit header on ${res.status}`);
  return Number(m[1]);
}

describe("POST /try-on and credits", () => {
  for (const run of [1, 2, 3]) {
    it(`50 concurrent try-ons with 10 credits → exactly 10 × 202 and 40 × 402, balance 0 (run ${run})`, async () => {
      const { acct, body } = await ready(10);
      const responses = await Promise.all(Array.from({ length: 50 }, () => tryOn(acct, body)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(10);
      expect(statuses.filter((s) => s === 402)).toHaveLength(40);
      for (const r of responses.filter((x) => x.status === 402)) await expectEnvelope(r, 402, "INSUFFICIENT_CREDITS");
      expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 0, reserved: 10, spent: 0 });
      const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
      expect(rows?.n).toBe(10);
      expect(queue.messages.filter((m) => m.accountId === acct.accountId)).toHaveLength(10);
    });
  }

  it("an Idempotency-Key replay returns the same generation without a second charge", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const first = await tryOn(acct, body, "/try-on", { "idempotency-key": key });
    expect(first.status).toBe(202);
    const firstText = await first.text();
    const again = await tryOn(acct, body, "/try-on", { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await again.text()).toBe(firstText);
    expect(JSON.parse(firstText)).toMatchObject({ status: "PENDING", generationId: expect.stringMatching(/^gen_/) });
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    await expectEnvelope(
      await tryOn(acct, { ...(body as object), externalUserId: "someone-else" }, "/try-on", { "idempotency-key": key }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });

  it("a try-on counts once against the rate limit (in the reservation call), and a rejected one is counted on the way out", async () => {
    const { acct, body } = await ready(5, { key: { rateLimitPerMinute: 60, rateLimitBurst: 6 } });
    await freezeRefilled(acct);
    const a = await api(acct, "/account/credits");
    expect(rl(a)).toBe(5);
    const accepted = await tryOn(acct, body);
    expect(accepted.status).toBe(202);
    expect(rl(accepted)).toBe(4);
    const invalid = await tryOn(acct, { products: [{ externalId: "mock-shirt" }] });
    expect(invalid.status).toBe(400);
    expect(rl(invalid)).toBe(3);
    const broke = await createAccount(); // another account: its own bucket
    expect(rl(await api(broke, "/account/credits"))).toBe(99);
    expect(rl(await api(acct, "/account/credits"))).toBe(2);
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });

  it("an exhausted key gets 429 on try-on and nothing is charged", async () => {
    const { acct, body } = await ready(5, { key: { rateLimitPerMinute: 60, rateLimitBurst: 2 } });
    await freezeRefilled(acct);
    expect((await tryOn(acct, body)).status).toBe(202);
    expect((await tryOn(acct, body)).status).toBe(202);
    const refused = await tryOn(acct, body);
    await expectEnvelope(refused, 429, "RATE_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("1");
    const again = await tryOn(acct, body);
    await expectEnvelope(again, 429, "RATE_LIMITED");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 2, spent: 0 });
    expect((await accountGate(env, acct.accountId).ledger(50)).entries.filter((e) => e.kind === "reserve")).toHaveLength(2);
  });

  it("when the deferred count finds the bucket empty, the reservation call refuses with 429 and charges nothing", async () => {
    const { acct, body } = await ready(5, { key: { rateLimitPerMinute: 60, rateLimitBurst: 10 } });
    await freezeRefilled(acct);
    const patch = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, { method: "PATCH", json: { rateLimitBurst: 1 } });
    expect(patch.status).toBe(200);
    // Another isolate spent the token: this isolate has no hint, so it defers the count to the reservation.
    const spent = await accountGate(env, acct.accountId).admit({ rate: { keyId: acct.keyId, perMinute: 60, burst: 1 } });
    expect(spent.rate.allowed).toBe(true);
    const refused = await tryOn(acct, body);
    await expectEnvelope(refused, 429, "RATE_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(rl(refused)).toBe(0);
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>()).toEqual({ n: 0 });
  });

  it("an exhausted key sending URL-sourced try-ons causes zero outbound fetches, even when the isolate hint is stale", async () => {
    const { acct } = await ready(5);
    await limitKey(acct, 3);
    await freezeRefilled(acct);
    // Another isolate spends the whole bucket: this isolate's hint still says "plenty", so it defers the count.
    for (let i = 0; i < 3; i++)
      expect((await accountGate(env, acct.accountId).admit({ rate: { keyId: acct.keyId, perMinute: 60, burst: 3 } })).rate.allowed).toBe(true);
    const png = await makePng(300, 300);
    const fetches = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(png, { headers: { "content-type": "image/png" } }));
    const urlBody = { person: { image: { source: { url: "https://images.example.com/person.png" } } }, products: [{ externalId: "mock-shirt" }] };
    for (let i = 0; i < 12; i++) {
      const res = await tryOn(acct, urlBody);
      await expectEnvelope(res, 429, "RATE_LIMITED");
      expect(res.headers.get("retry-after")).toBe("1");
    }
    expect(fetches).not.toHaveBeenCalled();
    fetches.mockRestore();
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
  });

  // Counts the request's calls: with the outbox suite, the harness's delivery after it would count too.
  it.skipIf(!REQUEST_DELIVERY)(
    "a reservation's rate answer feeds the isolate's hint: once the bucket is empty, a try-on is refused before any D1 read",
    async () => {
      const { acct, body } = await ready(5);
      await limitKey(acct, 2); // this isolate's hint, from ready(), still says "plenty"
      await freezeRefilled(acct);
      expect((await tryOn(acct, body)).status).toBe(202); // deferred: the reservation counts it, 1 token left
      expect((await tryOn(acct, body)).status).toBe(202); // the hint says "nearly empty": counted up front, 0 left
      const m = meter();
      await expectEnvelope(await tryOn(acct, body), 429, "RATE_LIMITED");
      const cost = m.read();
      m.stop();
      expect(cost).toEqual({ d1: 0, doCalls: 1, queueSends: 0 });
      expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 2, spent: 0 });
    },
  );

  it("a key spend cap answers 402 QUOTA_EXCEEDED", async () => {
    const { acct, body } = await ready(5, { key: { spendCap: 1 } });
    expect((await tryOn(acct, body)).status).toBe(202);
    await expectEnvelope(await tryOn(acct, body), 402, "QUOTA_EXCEEDED");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
  });
});
