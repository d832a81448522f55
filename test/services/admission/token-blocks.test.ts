import { describe, expect, it } from "vitest";
import type { AdmitInput, AdmitResult, CreditSummary, RateLimitSpec } from "../../../src/durable/account-gate";
import type { GateRoute } from "../../../src/services/admission";
import {
  admitFromBlocks,
  admitFromHeldBlock,
  CREDIT_SNAPSHOT_TTL_MS,
  creditsChanged,
  TOKEN_BLOCK_TTL_MS,
  tokenBlockSize,
  tokenBlocksApply,
} from "../../../src/services/admission/token-blocks";

let seq = 0;
/** A route of its own per test (the isolate's blocks and snapshots are per account and key). */
const fresh = (label: string): GateRoute => ({ accountId: `acc_blocks_${label}_${++seq}`, keyId: "key_blocks", sharded: false });

/**
 * A key's bucket as the AccountGate keeps it (frozen clock, no refill): each call counts one
 * request and hands out the block asked for while tokens remain. Records every call.
 */
function gate(tokens: number, balance = 10) {
  const state = { tokens, balance, calls: [] as AdmitInput[] };
  const call = async (input: AdmitInput): Promise<AdmitResult> => {
    state.calls.push(input);
    const allowed = state.tokens >= 1;
    if (allowed) state.tokens -= 1;
    const block = allowed ? Math.min(input.tokenBlock ?? 0, state.tokens) : 0;
    state.tokens -= block;
    const rate = { allowed, limit: 1000, remaining: state.tokens, resetSeconds: 1, retryAfterSeconds: allowed ? 0 : 1, windowSeconds: 60 };
    const result: AdmitResult = { rate };
    if (block > 0) result.tokenBlock = block;
    if (input.withCredits) result.credits = summary(state.balance);
    return result;
  };
  return { state, call };
}

function summary(balance: number): CreditSummary {
  return { balance, reserved: 0, spent: 0, granted: balance, refunded: 0, usageToday: { day: "d", reserved: 0, committed: 0, refunded: 0, pending: 0 } };
}

const rate: RateLimitSpec = { keyId: "key_blocks", perMinute: 1000, burst: 1000 };
const read = (withCredits = false): AdmitInput => ({ rate, withCredits });

describe("token blocks (isolate side)", () => {
  it("apply only to high-rate keys, without an Idempotency-Key or a test refill", () => {
    expect(tokenBlockSize({ keyId: "k", perMinute: 100, burst: 100 })).toBe(0);
    expect(tokenBlockSize({ keyId: "k", perMinute: 1000, burst: 999 })).toBe(0);
    expect(tokenBlockSize(rate)).toBe(10);
    expect(tokenBlockSize({ keyId: "k", perMinute: 100000, burst: 100000 })).toBe(256);
    expect(tokenBlocksApply(read())).toBe(true);
    expect(tokenBlocksApply({ rate, testDailyCredits: 5 })).toBe(false);
    const idempotency = { key: "k", method: "POST", path: "/p", fingerprint: "f", owner: "o", requestId: "r" };
    expect(tokenBlocksApply({ rate, idempotency })).toBe(false);
    expect(tokenBlocksApply({ rate: { keyId: "k", perMinute: 100, burst: 100 } })).toBe(false);
  });

  it("pays a key's reads from one block per gate call; remaining counts down by one, as on the exact path", async () => {
    const account = fresh("countdown");
    const g = gate(1000);
    const remaining: number[] = [];
    for (let i = 0; i < 23; i++) remaining.push((await admitFromBlocks(account, read(), g.call, () => 0)).rate.remaining);
    expect(remaining).toEqual(Array.from({ length: 23 }, (_, i) => 999 - i));
    // Read 1 took a block of 10; from then on, each read that finds it down to half (5 left: reads 7,
    // 13, 19) counts itself at the gate and tops the block up to 10 again.
    expect(g.state.calls.map((c) => c.tokenBlock)).toEqual([10, 5, 5, 5]);
    expect(g.state.tokens).toBe(1000 - 23 - 6); // 23 reads counted; this isolate holds the 6 left of its block
  });

  it("a block pays at once (no call, no promise); admitFromHeldBlock answers null (nothing spent) when the gate must be asked", async () => {
    const account = fresh("at-once");
    const g = gate(1000);
    expect(admitFromHeldBlock(account, read(), 0)).toBeNull(); // no block yet
    await admitFromBlocks(account, read(), g.call, () => 0); // takes a block of 10
    const answers = [1, 2, 3, 4, 5].map(() => admitFromHeldBlock(account, read(), 0)?.rate.remaining);
    expect(answers).toEqual([998, 997, 996, 995, 994]); // the countdown the exact path would give
    // Five left, down to half: the next read asks the gate (to top up), so the sync path declines it.
    expect(admitFromHeldBlock(account, read(), 0)).toBeNull();
    expect(g.state.calls).toHaveLength(1);
    const topUp = admitFromBlocks(account, read(), g.call, () => 0);
    expect(topUp).toBeInstanceOf(Promise); // the gate is asked
    expect((await topUp).rate.remaining).toBe(993);
    expect(g.state.calls.map((c) => c.tokenBlock)).toEqual([10, 5]);
    // admitFromBlocks itself answers a read its block pays for synchronously, and asks nobody.
    const paid = admitFromBlocks(account, read(), g.call, () => 0);
    expect(paid).not.toBeInstanceOf(Promise);
    expect((paid as Awaited<typeof paid>).rate.remaining).toBe(992);
    expect(g.state.calls).toHaveLength(2);
    // A balance read needs a fresh credit summary: without one the block does not pay for it.
    expect(admitFromHeldBlock(account, read(true), 0)).toBeNull();
    // A key shard's balance read always asks (it sums every shard).
    expect(admitFromHeldBlock({ ...account, sharded: true }, read(true), 0)).toBeNull();
  });

  it("never admits past the bucket: of 1100 reads, at most 1000 pass, and at most one block's worth is lost", async () => {
    const account = fresh("exact");
    const g = gate(1000);
    const outcomes = await Promise.all(Array.from({ length: 1100 }, () => admitFromBlocks(account, read(), g.call, () => 0)));
    const allowed = outcomes.filter((o) => o.rate.allowed).length;
    expect(allowed).toBeLessThanOrEqual(1000);
    expect(allowed).toBeGreaterThanOrEqual(1000 - tokenBlockSize(rate));
    expect(g.state.tokens).toBe(0);
  });

  it("asks for one block at a time per key; while the top-up is out, the others spend what is left", async () => {
    const account = fresh("one-ask");
    const g = gate(1000);
    await Promise.all([admitFromBlocks(account, read(), g.call, () => 0), admitFromBlocks(account, read(), g.call, () => 0)]);
    expect(g.state.calls.map((c) => c.tokenBlock ?? 0)).toEqual([10, 0]);
    for (let i = 0; i < 5; i++) await admitFromBlocks(account, read(), g.call, () => 0); // 10 → 5 left
    const calls = g.state.calls.length;
    // The next read tops up; the three sent with it are paid from the 5 left, with no call.
    await Promise.all(Array.from({ length: 4 }, () => admitFromBlocks(account, read(), g.call, () => 0)));
    expect(g.state.calls.slice(calls).map((c) => c.tokenBlock ?? 0)).toEqual([5]);
  });

  it("drops a block's tokens once TOKEN_BLOCK_TTL_MS has passed: the next read goes to the gate", async () => {
    const account = fresh("ttl");
    const g = gate(1000);
    await admitFromBlocks(account, read(), g.call, () => 0);
    await admitFromBlocks(account, read(), g.call, () => TOKEN_BLOCK_TTL_MS - 1);
    expect(g.state.calls).toHaveLength(1);
    await admitFromBlocks(account, read(), g.call, () => TOKEN_BLOCK_TTL_MS);
    expect(g.state.calls).toHaveLength(2);
  });

  it("a block that arrives while a refused read's call was out pays for that read", async () => {
    const account = fresh("late");
    let releaseRefused: () => void = () => {};
    const refusedHeld = new Promise<void>((r) => {
      releaseRefused = r;
    });
    const g = gate(11);
    // The first call takes the last 11 tokens (1 + a block of 10) and answers at once; the second,
    // sent before that answer arrived, finds the bucket empty and its refusal comes back after it.
    const slow = async (input: AdmitInput) => {
      const out = await g.call(input);
      if (!input.tokenBlock) await refusedHeld;
      return out;
    };
    const first = admitFromBlocks(account, read(), slow, () => 0);
    const second = admitFromBlocks(account, read(), slow, () => 0);
    expect((await first).rate.allowed).toBe(true);
    releaseRefused();
    const late = await second;
    expect(late.rate).toMatchObject({ allowed: true, remaining: 9 });
    expect(g.state.calls.map((c) => c.tokenBlock ?? 0)).toEqual([10, 0]);
  });

  it("answers a balance read from the summary its block's call fetched, for CREDIT_SNAPSHOT_TTL_MS at most", async () => {
    const account = fresh("snapshot");
    const g = gate(1000, 7);
    expect((await admitFromBlocks(account, read(true), g.call, () => 0)).credits?.balance).toBe(7);
    g.state.balance = 8; // moved by another isolate
    expect((await admitFromBlocks(account, read(true), g.call, () => CREDIT_SNAPSHOT_TTL_MS - 1)).credits?.balance).toBe(7);
    expect(g.state.calls).toHaveLength(1);
    expect((await admitFromBlocks(account, read(true), g.call, () => CREDIT_SNAPSHOT_TTL_MS)).credits?.balance).toBe(8);
    expect(g.state.calls).toHaveLength(2);
  });

  it("a credit move made in this isolate drops the snapshot at once, and one fetched across the move is not kept", async () => {
    const account = fresh("moved");
    const g = gate(1000, 3);
    await admitFromBlocks(account, read(true), g.call, () => 0);
    g.state.balance = 2;
    creditsChanged(account.accountId);
    expect((await admitFromBlocks(account, read(true), g.call, () => 1)).credits?.balance).toBe(2);

    // A summary read while a move is under way may predate it: it answers its own request only.
    const racing = async (input: AdmitInput) => {
      const out = await g.call(input);
      g.state.balance = 1;
      creditsChanged(account.accountId);
      return out;
    };
    const later = 1 + CREDIT_SNAPSHOT_TTL_MS;
    expect((await admitFromBlocks(account, read(true), racing, () => later)).credits?.balance).toBe(2);
    const calls = g.state.calls.length;
    expect((await admitFromBlocks(account, read(true), g.call, () => later + 1)).credits?.balance).toBe(1);
    expect(g.state.calls.length).toBe(calls + 1);
  });
});
