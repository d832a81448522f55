import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keyGate } from "../../../src/durable/key-gate";
import { SHARD_IDLE_MS } from "../../../src/durable/key-gate/gate";
import { ApiError } from "../../../src/errors";
import { reserveCredit, settle, withdrawCredit } from "../../../src/services/credits/credits";
import { exactSummary } from "../../../src/services/credits/shards";
import { ADMIN_TOKEN, callWithEnv, createAccount } from "../../helpers/harness";
import { accountGate, genId, grantCredits } from "./helpers";

/** The deployment with key shards on (docs/scaling.md); the suite's default is off. */
const shardEnv = { ...env, GATE_SHARDS: "on" } as Env;

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof ApiError ? err.code : `unexpected: ${String(err)}`;
  }
}

function reserveAs(accountId: string, keyId: string, generationId = genId()) {
  return reserveCredit(shardEnv, { accountId, keyId, generationId, keySpendCap: null, accountSpendCapPerDay: null });
}

/**
 * The exact summary (every shard's unused block returned first) and the
 * ledger's own invariants on the account: sum of entries = balance, and
 * granted − spent − held = balance once nothing is left at a shard.
 */
async function exact(accountId: string) {
  const s = await exactSummary(shardEnv, accountId);
  const { sum } = await accountGate(env, accountId).ledgerSum();
  expect(sum).toBe(s.balance);
  expect(s.granted - s.spent - s.reserved).toBe(s.balance);
  return s;
}

describe("key shards: credits leased in blocks stay exact", () => {
  it("5,000 concurrent try-on charges over 20 keys against 1,000 credits → exactly 1,000 accepted, balance exactly 0", async () => {
    const acct = await createAccount();
    expect((await grantCredits(acct.accountId, 1000)).status).toBe(201);
    const keys = Array.from({ length: 20 }, (_, i) => `key_shard${String(i).padStart(2, "0")}`);
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => outcome(reserveAs(acct.accountId, keys[i % keys.length] ?? ""))));
    expect(results.filter((r) => r === "ok")).toHaveLength(1000);
    expect(results.filter((r) => r === "INSUFFICIENT_CREDITS")).toHaveLength(4000);

    const s = await exact(acct.accountId);
    expect({ balance: s.balance, reserved: s.reserved, spent: s.spent, granted: s.granted }).toEqual({ balance: 0, reserved: 1000, spent: 0, granted: 1000 });
    // Every charge happened at a shard from a leased block: leases − returns = the 1,000 held there.
    const ledger = await accountGate(env, acct.accountId).ledger(5000);
    const moved = (kind: string) => ledger.entries.filter((e) => e.kind === kind).reduce((n, e) => n + Math.abs(e.amount), 0);
    expect(moved("lease") - moved("lease_return")).toBe(1000);
    expect(ledger.entries.filter((e) => e.kind === "reserve")).toHaveLength(0);
    const held = await Promise.all(
      keys.map((keyId) => keyGate(env, { accountId: acct.accountId, keyId }).release({ accountId: acct.accountId, keyId }, "test")),
    );
    expect(held.reduce((n, h) => n + h.held, 0)).toBe(1000);
    expect(held.every((h) => h.unused === 0)).toBe(true);
  });

  it("fewer try-ons than credits: the unused blocks come back, and the balance is exact to the credit", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 1000);
    const keys = Array.from({ length: 20 }, (_, i) => `key_part${i}`);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => outcome(reserveAs(acct.accountId, keys[i % keys.length] ?? ""))));
    expect(results.every((r) => r === "ok")).toBe(true);
    // Blocks are out at the shards: the AccountGate alone shows less than 700.
    expect((await accountGate(env, acct.accountId).summary()).balance).toBeLessThan(700);
    const s = await exact(acct.accountId);
    expect({ balance: s.balance, reserved: s.reserved }).toEqual({ balance: 700, reserved: 300 });
    expect((await accountGate(env, acct.accountId).summary()).balance).toBe(700);
  });

  it("a key whose shard runs dry gets credits another shard holds (recalled), so no credit is stranded", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 10);
    // key A takes the whole balance as its block (it is the only active shard) and spends one.
    await reserveAs(acct.accountId, "key_a");
    expect((await accountGate(env, acct.accountId).summary()).balance).toBe(0);
    // key B: the account recalls A's 9 unused credits and leases to B.
    const b = await Promise.all(Array.from({ length: 12 }, () => outcome(reserveAs(acct.accountId, "key_b"))));
    expect(b.filter((r) => r === "ok")).toHaveLength(9);
    expect(b.filter((r) => r === "INSUFFICIENT_CREDITS")).toHaveLength(3);
    const s = await exact(acct.accountId);
    expect({ balance: s.balance, reserved: s.reserved }).toEqual({ balance: 0, reserved: 10 });
  });

  it("revoking a key with an outstanding block returns its unused credits to the account", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 100);
    await reserveAs(acct.accountId, acct.keyId);
    const gate = accountGate(env, acct.accountId);
    const before = (await gate.summary()).balance;
    expect(before).toBeLessThan(99);
    const res = await callWithEnv(shardEnv, `/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    // Without asking the shards: the revocation itself moved the block back.
    expect((await gate.summary()).balance).toBe(99);
    const last = (await gate.ledger(1)).entries[0];
    expect(last).toMatchObject({ kind: "lease_return", amount: 99 - before, keyId: acct.keyId, reason: "API key revoked" });
  });

  it("a refund after a failure lands on the account's balance, once; a commit spends; a withdraw refunds", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 10);
    const [failed, done, unrecorded] = [genId(), genId(), genId()];
    for (const g of [failed, done, unrecorded]) await reserveAs(acct.accountId, acct.keyId, g);
    const gate = accountGate(env, acct.accountId);
    const balanceBefore = (await gate.summary()).balance;

    const r1 = await settle(shardEnv, acct.accountId, failed, "refund", "ENGINE_FAILED", acct.keyId);
    const r2 = await settle(shardEnv, acct.accountId, failed, "refund", "ENGINE_FAILED", acct.keyId);
    expect([r1.state, r1.changed, r2.state, r2.changed]).toEqual(["refunded", true, "refunded", false]);
    expect((await gate.summary()).balance).toBe(balanceBefore + 1);
    const refunds = (await gate.ledger(50)).entries.filter((e) => e.kind === "refund");
    expect(refunds).toEqual([expect.objectContaining({ generationId: failed, amount: 1, keyId: acct.keyId, reason: "ENGINE_FAILED" })]);

    expect(await settle(shardEnv, acct.accountId, done, "commit", "", acct.keyId)).toMatchObject({ state: "committed", changed: true });
    // A refund after the commit changes nothing: the credit stays spent.
    expect(await settle(shardEnv, acct.accountId, done, "refund", "late", acct.keyId)).toMatchObject({ state: "committed", changed: false });
    expect(await withdrawCredit(shardEnv, acct.accountId, unrecorded, "try-on not recorded", acct.keyId)).toMatchObject({ state: "refunded", changed: true });

    const s = await exact(acct.accountId);
    expect({ balance: s.balance, reserved: s.reserved, spent: s.spent, refunded: s.refunded }).toEqual({ balance: 9, reserved: 0, spent: 1, refunded: 2 });
  });

  it("an idle shard's alarm returns its unused block, and a shard that went quiet arms its alarm again on its next lease", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 10);
    const g = genId();
    await reserveAs(acct.accountId, "key_idle", g);
    const gate = accountGate(env, acct.accountId);
    // The only active shard took the whole balance as its block.
    expect((await gate.summary()).balance).toBe(0);
    const stub = keyGate(env, { accountId: acct.accountId, keyId: "key_idle" });
    const idle = () =>
      runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec("UPDATE pool SET last_used_at = last_used_at - ?", SHARD_IDLE_MS);
      });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await gate.summary()).balance).toBe(0); // used within the last minute: kept
    await idle();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await gate.summary()).balance).toBe(9);

    // Nothing left to watch (settled, returned): the alarm stops; the next block must arm it again.
    await settle(shardEnv, acct.accountId, g, "commit", "", "key_idle");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    await reserveAs(acct.accountId, "key_idle");
    await idle();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await exact(acct.accountId)).balance).toBe(8);
    expect((await gate.summary()).balance).toBe(8);
  });

  it("a credit a shard charged is still settled there after the flag is turned off", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 5);
    const g = genId();
    await reserveAs(acct.accountId, acct.keyId, g);
    const res = await settle(env, acct.accountId, g, "refund", "ENGINE_FAILED", acct.keyId);
    expect(res).toMatchObject({ state: "refunded", changed: true });
    expect((await exact(acct.accountId)).balance).toBe(5);
  });
});
