import { afterEach, describe, expect, it, vi } from "vitest";
import { accountGateStub } from "../../../src/durable/account-gate/client";
import { now } from "../../../src/lib/clock";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { CREDIT_SNAPSHOT_TTL_MS } from "../../../src/services/admission/token-blocks";
import { api, callWithEnv, env, readWire, type TestAccount } from "../../helpers/harness";
import { meter } from "../../helpers/meter";
import { fundedAccount } from "../../helpers/pipeline";
import { grantCredits } from "../credits/helpers";

/** A key whose bucket is big enough for token blocks (1000 a minute, burst 1000: blocks of 10). */
const HIGH_RATE = { key: { rateLimitPerMinute: 1000, rateLimitBurst: 1000 } };

function remainingOf(res: Response): number {
  const m = /r=(\d+)/.exec(res.headers.get("ratelimit") ?? "");
  if (!m) throw new Error(`no RateLimit header (status ${res.status})`);
  return Number(m[1]);
}

async function balance(acct: TestAccount): Promise<number> {
  const res = await api(acct, "/account/credits");
  expect(res.status).toBe(200);
  return (await readWire(res, CreditBalanceSchema)).creditBalance;
}

let stopMeter: (() => void) | null = null;
afterEach(() => {
  stopMeter?.();
  stopMeter = null;
});

describe("token blocks over HTTP", () => {
  it("a high-rate key's reads cost one AccountGate call per block, and RateLimit counts down by one as before", async () => {
    const acct = await fundedAccount(5, HIGH_RATE);
    await accountGateStub(env, acct.accountId).testSetClock(now()); // no refill between reads
    const m = meter();
    stopMeter = m.stop;
    const remaining: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await api(acct, "/account/credits");
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      remaining.push(remainingOf(res));
    }
    expect(m.read().doCalls).toBe(3); // read 1 takes a block of 10; reads 7 and 13 find it at half and top it up
    expect(remaining).toEqual(Array.from({ length: 15 }, (_, i) => 999 - i));
  });

  it("with key shards on, the block comes from the key's KeyGate, which keeps counting the key", async () => {
    const acct = await fundedAccount(5, HIGH_RATE);
    const shardEnv = { ...env, GATE_SHARDS: "on" } as Env;
    const shardStubs = vi.spyOn(env.KEY_GATE, "get");
    stopMeter = () => shardStubs.mockRestore();
    const remaining: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await callWithEnv(shardEnv, "/tryon/v1/generations?limit=1", { headers: { "x-api-key": acct.key } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      remaining.push(remainingOf(res));
    }
    expect(shardStubs.mock.calls.length).toBe(3);
    // The shard's bucket refills in real time (16.7 tokens/s), so the countdown is only bounded here.
    expect(remaining[0]).toBe(999);
    expect(remaining.at(-1)).toBeLessThanOrEqual(985 + 10);
  });

  it("a key on the default limits (100 a minute) keeps the exact path: one AccountGate call per read", async () => {
    const acct = await fundedAccount(5);
    const m = meter();
    stopMeter = m.stop;
    for (let i = 0; i < 3; i++) await (await api(acct, "/account/credits")).arrayBuffer();
    expect(m.read().doCalls).toBe(3);
  });

  it("shows this isolate's own credit moves at once, though the balance came with a block", async () => {
    const acct = await fundedAccount(5, HIGH_RATE);
    expect(await balance(acct)).toBe(5);
    expect(await balance(acct)).toBe(5); // answered from the block and its summary
    expect((await grantCredits(acct.accountId, 3)).status).toBeLessThan(300);
    expect(await balance(acct)).toBe(8);
  });

  it("shows a move made elsewhere (here: straight on the AccountGate) once CREDIT_SNAPSHOT_TTL_MS has passed", async () => {
    const acct = await fundedAccount(5, HIGH_RATE);
    expect(await balance(acct)).toBe(5);
    const moved = await accountGateStub(env, acct.accountId).grant({ amount: 2, reason: "another isolate", reference: null });
    expect(moved.ok).toBe(true);
    expect([5, 7]).toContain(await balance(acct)); // within the bound: either figure
    await new Promise((r) => setTimeout(r, CREDIT_SNAPSHOT_TTL_MS + 50));
    expect(await balance(acct)).toBe(7);
  });
});

describe("token blocks in the AccountGate", () => {
  it("a block leaves the bucket as that many counted requests, never more than the bucket holds, and only with an allowed request", async () => {
    const acct = await fundedAccount(1);
    const gate = accountGateStub(env, acct.accountId);
    await gate.testSetClock(now());
    const rate = { keyId: acct.keyId, perMinute: 60, burst: 8 };
    const first = await gate.admit({ rate, tokenBlock: 5 });
    expect(first).toMatchObject({ rate: { allowed: true, remaining: 2 }, tokenBlock: 5 });
    const second = await gate.admit({ rate, tokenBlock: 5 });
    expect(second).toMatchObject({ rate: { allowed: true, remaining: 0 }, tokenBlock: 1 });
    const refused = await gate.admit({ rate, tokenBlock: 5 });
    expect(refused.rate.allowed).toBe(false);
    expect(refused.tokenBlock).toBeUndefined();
  });

  it("while a block may still be spent, the bucket refills only up to the capacity it leaves; then fully", async () => {
    const acct = await fundedAccount(1);
    const gate = accountGateStub(env, acct.accountId);
    const t0 = now();
    await gate.testSetClock(t0);
    const rate = { keyId: acct.keyId, perMinute: 600, burst: 8 }; // 10 tokens a second
    expect(await gate.admit({ rate, tokenBlock: 5 })).toMatchObject({ rate: { remaining: 2 }, tokenBlock: 5 });
    // 1.5 s later the bucket alone would be full (8) again; with 5 tokens still out it holds at most 3.
    await gate.testSetClock(t0 + 1500);
    expect((await gate.admit({ rate })).rate.remaining).toBe(2);
    // Once the block can no longer be spent (the gate counts it out for 2 s), the whole capacity is back.
    await gate.testSetClock(t0 + 2500);
    expect((await gate.admit({ rate })).rate.remaining).toBe(7);
  });

  it("a refusal's Retry-After is the refill's, and waits for blocks to age out only when a lowered limit leaves no room", async () => {
    const acct = await fundedAccount(1);
    const gate = accountGateStub(env, acct.accountId);
    const t0 = now();
    await gate.testSetClock(t0);
    const rate = { keyId: acct.keyId, perMinute: 600, burst: 8 }; // 10 tokens a second
    await gate.admit({ rate, tokenBlock: 5 }); // 2 left, 5 out in an isolate
    await gate.admit({ rate });
    await gate.admit({ rate });
    const refused = await gate.admit({ rate });
    // Blocks never take the last token of the capacity: the refill alone decides (0.1 s, answered as 1 s).
    expect(refused.rate).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    await gate.testSetClock(t0 + 500);
    expect((await gate.admit({ rate })).rate.allowed).toBe(true);

    // The key's limit is lowered to a burst of 3 while the block of 5 may still be spent: no token until it ages out (t0 + 2 s).
    const other = { keyId: `${acct.keyId}_lowered`, perMinute: 600, burst: 8 };
    await gate.testSetClock(t0);
    await gate.admit({ rate: other, tokenBlock: 5 });
    const lowered = { ...other, burst: 3 };
    await gate.testSetClock(t0 + 100);
    await gate.admit({ rate: lowered });
    await gate.admit({ rate: lowered });
    const held = await gate.admit({ rate: lowered });
    expect(held.rate).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    await gate.testSetClock(t0 + 1500);
    expect((await gate.admit({ rate: lowered })).rate.allowed).toBe(false);
    await gate.testSetClock(t0 + 2000);
    expect((await gate.admit({ rate: lowered })).rate.allowed).toBe(true);
  });
});
