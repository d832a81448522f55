import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS, ORPHAN_AFTER_MS } from "../../../src/durable/account-gate/gate";
import { keyGate } from "../../../src/durable/key-gate";
import { SHARD_IDLE_MS } from "../../../src/durable/key-gate/gate";
import { now } from "../../../src/lib/clock";
import { CreatedApiKeySchema } from "../../../src/schemas/admin";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { settle } from "../../../src/services/credits/credits";
import { exactSummary } from "../../../src/services/credits/shards";
import { breakGenerationWrite, breakObjects, generationRows } from "../../helpers/faults";
import { admin, callWithEnv, createAccount, env, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
import { registerProduct, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { accountGate, grantCredits } from "./helpers";

/**
 * The exactness guarantees of the credit, admission and idempotency suites
 * (tryon-http, rate-limit, idempotency-replay, no-double-charge, lifecycle),
 * proved for a sharded key: its rate limit, its Idempotency-Key records and
 * its charges are decided by its KeyGate (docs/scaling.md, "Key shards").
 * Shards are on here whatever DRAPE_GATE_SHARDS says; what is asserted is what
 * the integrator sees (status, envelope, headers) and the gates' sums.
 */

/** The same Worker with GATE_SHARDS on (the suite's default is off). */
const shardEnv = { ...env, GATE_SHARDS: "on" } as Env;

const queue = usePipelineQueues();

interface Ready {
  acct: TestAccount;
  body: { person: { image: { source: { id: string } } }; products: Array<{ externalId: string }> };
}

/** A live account with a product, a stored person photo and `credits` credits. */
async function ready(credits: number, opts: Parameters<typeof createAccount>[0] = {}): Promise<Ready> {
  const acct = await createAccount(opts);
  await registerProduct(acct, "mock-shirt", "mock");
  const imageId = await uploadPerson(acct);
  if (credits > 0) expect((await grantCredits(acct.accountId, credits)).status).toBe(201);
  return { acct, body: { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] } };
}

/** Another key of the account (its own shard). */
async function extraKey(acct: TestAccount, limits: Record<string, number> = {}): Promise<TestAccount> {
  const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys`, { method: "POST", json: { name: "more", ...limits } });
  const key = await readWire(res, CreatedApiKeySchema);
  return { accountId: acct.accountId, keyId: key.id, key: key.key };
}

/** Shrinks the key's bucket to `burst` (60/min), as an operator would; the bucket then holds exactly `burst` tokens. */
async function limitKey(acct: TestAccount, burst: number): Promise<void> {
  const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}`, {
    method: "PATCH",
    json: { rateLimitPerMinute: 60, rateLimitBurst: burst },
  });
  expect(res.status).toBe(200);
}

/**
 * Stops the clock of the Worker and of every object (they run in this isolate
 * and read time through src/lib/clock.ts, test/setup.ts), so no token refills
 * while a burst is in flight; returns a function that moves it on.
 */
function freezeClock(): (ms: number) => void {
  let at = Date.now();
  vi.spyOn(Date, "now").mockImplementation(() => at);
  return (ms) => {
    at += ms;
  };
}

function send(acct: TestAccount, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("x-api-key", acct.key);
  return callWithEnv(shardEnv, `/tryon/v1${path}`, { ...init, headers });
}

function tryOn(acct: TestAccount, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return send(acct, "/try-on", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

function remaining(res: Response): number {
  const m = /r=(\d+)/.exec(res.headers.get("ratelimit") ?? "");
  if (!m) throw new Error(`no RateLimit header on ${res.status}`);
  return Number(m[1]);
}

/**
 * The account's exact figures (every shard's unused block returned first),
 * checked against the ledger's invariants: sum of entries = balance, and
 * granted − spent − held = balance.
 */
async function exact(accountId: string): Promise<{ balance: number; reserved: number; spent: number }> {
  const s = await exactSummary(shardEnv, accountId);
  expect((await accountGate(env, accountId).ledgerSum()).sum).toBe(s.balance);
  expect(s.granted - s.spent - s.reserved).toBe(s.balance);
  return { balance: s.balance, reserved: s.reserved, spent: s.spent };
}

/** The account's ledger rows of one kind (newest first). */
async function ledgerRows(accountId: string, kind: string) {
  return (await accountGate(env, accountId).ledger(500)).entries.filter((e) => e.kind === kind);
}

async function expectAccepted(res: Response, replayed: boolean): Promise<{ generationId: string; text: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(202);
  expect(res.headers.get("idempotent-replayed")).toBe(replayed ? "true" : null);
  const { generationId } = TryOnAcceptedSchema.parse(JSON.parse(text));
  expect(res.headers.get("location")).toBe(`/tryon/v1/generations/${generationId}`);
  return { generationId, text };
}

// ------------------------------------------------------------------------------------ fault injection

/**
 * Holds the AccountGate's settle-only lease calls (`resolveOnly`) until `open()`; `held` resolves when
 * the first one is waiting.
 */
function holdSettlements(): { held: Promise<void>; open: () => void } {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let seen = () => {};
  const held = new Promise<void>((resolve) => {
    seen = resolve;
  });
  const ns = env.ACCOUNT_GATE as unknown as DurableObjectNamespace;
  const real = ns.get.bind(ns);
  vi.spyOn(ns, "get").mockImplementation((id) => {
    const stub = real(id);
    return new Proxy(stub, {
      get(target, prop) {
        if (prop === "then") return undefined;
        const call = (...args: unknown[]) => (target as unknown as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[prop]?.(...args);
        if (prop !== "lease") return call;
        return async (input: { resolveOnly?: boolean }) => {
          if (input.resolveOnly) {
            seen();
            await gate;
          }
          return call(input);
        };
      },
    });
  });
  return { held, open };
}

const breakShard = (methods: string[], mode: "reject" | "lose-answer") => breakObjects("KEY_GATE", methods, mode);
const breakAccountGate = (methods: string[], mode: "reject" | "lose-answer") => breakObjects("ACCOUNT_GATE", methods, mode);

// ------------------------------------------------------------------------------------ rate limits

describe("a sharded key's rate limit is exact under concurrency", () => {
  it("12 concurrent try-ons against a burst of 5 → exactly 5 × 202 and 7 × 429 RATE_LIMITED with Retry-After; only the 5 are charged", async () => {
    const { acct, body } = await ready(20);
    await limitKey(acct, 5);
    freezeClock();
    const responses = await Promise.all(Array.from({ length: 12 }, () => tryOn(acct, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    for (const r of responses.filter((x) => x.status === 429)) {
      expect(r.headers.get("retry-after")).toBe("1");
      expect(remaining(r)).toBe(0);
      await expectEnvelope(r, 429, "RATE_LIMITED");
    }
    expect(await exact(acct.accountId)).toEqual({ balance: 15, reserved: 5, spent: 0 });
    // Charged at the shard, from leased credits: the AccountGate holds no reservation of its own.
    expect(await ledgerRows(acct.accountId, "reserve")).toHaveLength(0);
    expect(await generationRows(acct.accountId)).toHaveLength(5);
    expect(queue.messages).toHaveLength(5);

    // The bucket stays empty for any request of the key, until a token is back (one per second).
    await expectEnvelope(await send(acct, "/generations"), 429, "RATE_LIMITED");
  });

  it("10 concurrent reads on each of two keys with a burst of 4 → exactly 4 × 200 per key; a token is back after Retry-After", async () => {
    const acct = await createAccount();
    const other = await extraKey(acct, { rateLimitPerMinute: 60, rateLimitBurst: 4 });
    await limitKey(acct, 4);
    const advance = freezeClock();
    const keys = [acct, other];
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(keys[i % 2] ?? acct, "/generations")));
    for (const k of [0, 1]) {
      const mine = responses.filter((_, i) => i % 2 === k);
      expect(mine.filter((r) => r.status === 200)).toHaveLength(4);
      const refused = mine.filter((r) => r.status === 429);
      expect(refused).toHaveLength(6);
      for (const r of refused) {
        expect(r.headers.get("retry-after")).toBe("1");
        await expectEnvelope(r, 429, "RATE_LIMITED");
      }
    }

    advance(999);
    await expectEnvelope(await send(acct, "/generations"), 429, "RATE_LIMITED");
    advance(1);
    const back = await send(acct, "/generations");
    expect(back.status).toBe(200);
    expect(remaining(back)).toBe(0);
  });
});

describe("a sharded key's spend cap", () => {
  it("a key spend cap of 2 answers 402 QUOTA_EXCEEDED to the third try-on; a refunded one no longer counts", async () => {
    const { acct, body } = await ready(10, { key: { spendCap: 2 } });
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await expectAccepted(await tryOn(acct, body), false)).generationId);
    await expectEnvelope(await tryOn(acct, body), 402, "QUOTA_EXCEEDED");
    expect(await settle(shardEnv, acct.accountId, ids[0] ?? "", "refund", "GENERATION_FAILED", acct.keyId)).toMatchObject({ changed: true });
    await expectAccepted(await tryOn(acct, body), false);
    await expectEnvelope(await tryOn(acct, body), 402, "QUOTA_EXCEEDED");
    expect(await exact(acct.accountId)).toEqual({ balance: 8, reserved: 2, spent: 0 });
  });
});

// ------------------------------------------------------------------------------------ Idempotency-Key races

describe("Idempotency-Key races on a sharded key", () => {
  it("8 concurrent try-ons with one Idempotency-Key → one charge; every answer is that 202 or 409 IDEMPOTENCY_KEY_IN_USE; a retry replays it byte for byte", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 8 }, () => tryOn(acct, body, { "idempotency-key": key })));
    const accepted = responses.filter((r) => r.status === 202);
    const busy = responses.filter((r) => r.status === 409);
    expect(accepted.length + busy.length).toBe(8);
    for (const r of busy) {
      expect(r.headers.get("retry-after")).toBe("1");
      await expectEnvelope(r, 409, "IDEMPOTENCY_KEY_IN_USE");
    }
    const firsts = accepted.filter((r) => r.headers.get("idempotent-replayed") === null);
    expect(firsts).toHaveLength(1);
    const first = await expectAccepted(firsts[0] as Response, false);
    for (const r of accepted.filter((x) => x !== firsts[0])) expect(await expectAccepted(r, true)).toEqual(first);

    const retry = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), true);
    expect(retry).toEqual(first);
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await keyGate(env, acct).reservation(first.generationId)).toBe("held");
    expect(await generationRows(acct.accountId)).toEqual([{ id: first.generationId, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([first.generationId]);
  });

  it("the same Idempotency-Key with another body → 422 IDEMPOTENCY_KEY_REUSED, nothing charged", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const first = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    await expectEnvelope(await tryOn(acct, { ...body, externalUserId: "someone-else" }, { "idempotency-key": key }), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([{ id: first.generationId, status: "PENDING" }]);
  });

  it("the idempotency completion fails after a 202 → 409 while the lease runs, then the same 202 byte for byte; one charge", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const advance = freezeClock();
    const heal = breakShard(["completeIdempotency"], "reject");
    const first = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    heal();
    const busy = await tryOn(acct, body, { "idempotency-key": key });
    expect(busy.headers.get("retry-after")).toBe("1");
    await expectEnvelope(busy, 409, "IDEMPOTENCY_KEY_IN_USE");

    advance(IDEMPOTENCY_LEASE_MS + 1000);
    expect(await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), true)).toEqual(first);
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([{ id: first.generationId, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([first.generationId]);
  });

  it("a generation recorded and later FAILED keeps its 202 (a refund is not a withdrawal) and is refunded once", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const first = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    const r1 = await settle(shardEnv, acct.accountId, first.generationId, "refund", "GENERATION_FAILED", acct.keyId);
    const r2 = await settle(shardEnv, acct.accountId, first.generationId, "refund", "GENERATION_FAILED", acct.keyId);
    expect([r1.changed, r2.changed]).toEqual([true, false]);
    expect(await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), true)).toEqual(first);
    expect(await ledgerRows(acct.accountId, "refund")).toEqual([expect.objectContaining({ generationId: first.generationId, amount: 1, keyId: acct.keyId })]);
    expect(await exact(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
  });
});

// ------------------------------------------------------------------------------------ failures after the charge

describe("a sharded try-on that fails after its charge is refunded to the account exactly once", () => {
  it("the queue send throws → 503, the shard's credit is refunded once; the retry with the same key runs once", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    queue.failNext(1);
    const first = await tryOn(acct, body, { "idempotency-key": key });
    expect(first.headers.get("retry-after")).toBe("5");
    await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
    const refunds = await ledgerRows(acct.accountId, "refund");
    expect(refunds).toEqual([expect.objectContaining({ amount: 1, keyId: acct.keyId, reason: "try-on not queued" })]);
    expect(await keyGate(env, acct).reservation(refunds[0]?.generationId ?? "")).toBe("refunded");
    expect(await exact(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([]);

    const retry = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    expect(retry.generationId).not.toBe(refunds[0]?.generationId);
    expect(await ledgerRows(acct.accountId, "refund")).toHaveLength(1);
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
  });

  for (const when of ["before-commit", "after-commit"] as const) {
    it(`the D1 write throws (${when}) → no generation left, the shard's credit refunded once; the retry runs once`, async () => {
      const { acct, body } = await ready(5);
      const key = crypto.randomUUID();
      const heal = breakGenerationWrite(when);
      const first = await tryOn(acct, body, { "idempotency-key": key });
      heal();
      await expectEnvelope(first, 500, "INTERNAL_ERROR");
      const refunds = await ledgerRows(acct.accountId, "refund");
      expect(refunds).toEqual([expect.objectContaining({ amount: 1, keyId: acct.keyId, reason: "try-on not recorded" })]);
      expect(await exact(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
      expect(await generationRows(acct.accountId)).toEqual([]);

      const retry = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
      expect(await ledgerRows(acct.accountId, "refund")).toHaveLength(1);
      expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
      expect(await generationRows(acct.accountId)).toEqual([{ id: retry.generationId, status: "PENDING" }]);
      expect(queue.messages.map((m) => m.generationId)).toEqual([retry.generationId]);
    });
  }

  it("the D1 write and its withdrawal both throw → 503, held and replayed; the shard's alarm finds no row, refunds once and frees the key", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const advance = freezeClock();
    const heal = breakGenerationWrite("before-commit", "throws");
    const first = await tryOn(acct, body, { "idempotency-key": key });
    heal();
    await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
    // Whether it was recorded is unknown: the credit stays held at the shard, and a retry gets the recorded 202.
    const held = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), true);
    const shard = keyGate(env, acct);
    expect(await shard.reservation(held.generationId)).toBe("held");
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });

    advance(ORPHAN_AFTER_MS + SHARD_IDLE_MS);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await shard.reservation(held.generationId)).toBe("refunded");
    expect(await ledgerRows(acct.accountId, "refund")).toEqual([
      expect.objectContaining({ generationId: held.generationId, amount: 1, keyId: acct.keyId, reason: "generation was never recorded" }),
    ]);
    expect(await exact(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
    // Another alarm changes nothing.
    await runDurableObjectAlarm(shard);
    expect(await ledgerRows(acct.accountId, "refund")).toHaveLength(1);

    const fresh = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    expect(fresh.generationId).not.toBe(held.generationId);
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([{ id: fresh.generationId, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([fresh.generationId]);
  });

  it("the shard charges but its answer is lost → 503 and replays; never recorded, so the shard's alarm refunds it once and frees the key", async () => {
    const { acct, body } = await ready(5);
    const key = crypto.randomUUID();
    const shard = keyGate(env, acct);
    const advance = freezeClock();
    const heal = breakShard(["reserve"], "lose-answer");
    const first = await tryOn(acct, body, { "idempotency-key": key });
    heal();
    await expectEnvelope(first, 503, "SERVICE_UNAVAILABLE");
    const held = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), true);
    expect(await shard.reservation(held.generationId)).toBe("held");
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([]);

    advance(ORPHAN_AFTER_MS + SHARD_IDLE_MS);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await ledgerRows(acct.accountId, "refund")).toEqual([expect.objectContaining({ generationId: held.generationId, amount: 1, keyId: acct.keyId })]);
    const fresh = await expectAccepted(await tryOn(acct, body, { "idempotency-key": key }), false);
    expect(fresh.generationId).not.toBe(held.generationId);
    expect(await exact(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    expect(await generationRows(acct.accountId)).toEqual([{ id: fresh.generationId, status: "PENDING" }]);
    expect(queue.messages.map((m) => m.generationId)).toEqual([fresh.generationId]);
  });
});

// ------------------------------------------------------------------------------------ lost lease answers

/**
 * A key with 10 credits whose first try-on's lease call failed, answered 503: "lose-answer" = the account
 * lent the credits but the shard never saw it; "reject" = the call never reached the account.
 */
async function afterFailedLease(mode: "reject" | "lose-answer"): Promise<Ready> {
  const funded = await ready(10);
  const heal = breakAccountGate(["lease"], mode);
  await expectEnvelope(await tryOn(funded.acct, funded.body), 503, "SERVICE_UNAVAILABLE");
  heal();
  return funded;
}

describe("a lease whose answer is lost", () => {
  // The shard keeps the lease in its outbox; its release (revocation, idle alarm, exact read, another key's
  // recall) and its alarm settle it under its reference before returning the block, so the credits are never
  // at neither side.
  it("the key that leased is revoked → its credits come back: the balance is exact and another key is charged", async () => {
    const { acct, body } = await afterFailedLease("lose-answer");
    const other = await extraKey(acct);
    const revoked = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);

    const credits = await send(other, "/account/credits");
    expect(await readWire(credits, CreditBalanceSchema)).toEqual({ livemode: true, creditBalance: 10, reserved: 0, spent: 0 });
    await expectAccepted(await tryOn(other, body), false);
  });

  it("another key finding the balance empty recalls it: the shard settles the lease inside the recall, and the other key is charged", async () => {
    const { acct, body } = await afterFailedLease("lose-answer");
    const other = await extraKey(acct);
    // The account lent all 10 to the first key's shard, which never saw the answer.
    await expectAccepted(await tryOn(other, body), false);
    expect(await exact(acct.accountId)).toEqual({ balance: 9, reserved: 1, spent: 0 });
  });

  it("the shard's alarm settles it with no further request and returns the idle block: the ledger stays exact", async () => {
    const { acct, body } = await afterFailedLease("lose-answer");
    const shard = keyGate(env, acct);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    // The whole balance went to the shard with the lease whose answer was lost: the alarm settled it and, the
    // block being idle, returned it to the account in the same run.
    const left = await runInDurableObject(shard, (_gate, state) => ({
      unused: state.storage.sql.exec<{ unused: number }>("SELECT unused FROM pool WHERE id = 1").one().unused,
      outbox: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
    }));
    expect(left).toEqual({ unused: 0, outbox: 0 });
    expect(await ledgerRows(acct.accountId, "lease")).toHaveLength(1);
    expect(await ledgerRows(acct.accountId, "lease_return")).toEqual([expect.objectContaining({ amount: 10 })]);
    expect(await exact(acct.accountId)).toEqual({ balance: 10, reserved: 0, spent: 0 });
    await expectAccepted(await tryOn(acct, body), false);
  });

  it("a try-on arriving while the alarm settles a lease that was never applied is charged from a new lease, not refused", async () => {
    const { acct, body } = await afterFailedLease("reject");
    const hold = holdSettlements();
    const shard = keyGate(env, acct);
    const alarm = runDurableObjectAlarm(shard);
    await hold.held;
    const pending = tryOn(acct, body);
    // Let the try-on reach its refill while the settlement is held (a few turns of the event loop).
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    hold.open();
    await alarm;
    await expectAccepted(await pending, false);
    expect(await exact(acct.accountId)).toEqual({ balance: 9, reserved: 1, spent: 0 });
  });

  it("a settlement whose answer is lost too: the next try-on asks under a new reference and is charged", async () => {
    const { acct, body } = await afterFailedLease("reject");
    // The alarm's settlement is recorded (the reference grants nothing for good), but its answer is lost.
    const lost = breakAccountGate(["lease"], "lose-answer");
    await runDurableObjectAlarm(keyGate(env, acct));
    lost();
    await expectAccepted(await tryOn(acct, body), false);
    expect(await exact(acct.accountId)).toEqual({ balance: 9, reserved: 1, spent: 0 });
  });

  it("settled under its reference, a lease is answered once: what it was granted, or nothing for good", async () => {
    const { acct } = await ready(10);
    const gate = accountGate(env, acct.accountId);
    const shard = `test-shard-${acct.keyId}`;
    // Applied, answer lost: settling answers what was granted, and asks for nothing more.
    const granted = await gate.lease({ shard, keyId: acct.keyId, want: 4, reference: "led_test_applied" });
    expect(granted.granted).toBe(4);
    expect(await gate.lease({ shard, keyId: acct.keyId, want: 4, reference: "led_test_applied", resolveOnly: true })).toEqual(granted);
    // Never applied: settled as nothing, and a late copy of the first call cannot grant it afterwards.
    expect((await gate.lease({ shard, keyId: acct.keyId, want: 4, reference: "led_test_lost", resolveOnly: true })).granted).toBe(0);
    expect((await gate.lease({ shard, keyId: acct.keyId, want: 4, reference: "led_test_lost" })).granted).toBe(0);
    expect(await ledgerRows(acct.accountId, "lease")).toHaveLength(1);
    expect((await gate.ledgerSum()).sum).toBe(6);
  });
});

// ------------------------------------------------------------------------------------ housekeeping

describe("a sharded key whose requests never charge", () => {
  it("still has its expired Idempotency-Key records purged by its shard's alarm", async () => {
    const advance = freezeClock();
    const { acct } = await ready(0);
    const res = await send(acct, "/webhooks", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "hook-once" },
      body: JSON.stringify({ url: "https://hooks.example.com/drape" }),
    });
    expect(res.status).toBe(201);
    const shard = keyGate(env, acct);
    const records = () => runInDurableObject(shard, (_gate, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency").one().n);
    expect(await records()).toBe(1);
    // With no credits or moves in play the shard sleeps until the record expires, not a minute at a time.
    const created = now();
    advance(SHARD_IDLE_MS);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await records()).toBe(1);
    const next = await runInDurableObject(shard, (_gate, state) => state.storage.getAlarm());
    expect(next).toBe(created + IDEMPOTENCY_TTL_MS);
    advance(IDEMPOTENCY_TTL_MS);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await records()).toBe(0);
  });
});
