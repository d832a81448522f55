import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { ORPHAN_AFTER_MS } from "../../../src/durable/account-gate/gate";
import { reserveCredit, settle } from "../../../src/services/credits/credits";
import { reconcileCredits } from "../../../src/services/credits/reconcile";
import { createAccount, env } from "../../helpers/harness";
import { accountGate, accountGateStub, expectLedgerBalances, genId, grantCredits } from "./helpers";

async function reserved(credits: number) {
  const acct = await createAccount();
  await grantCredits(acct.accountId, credits);
  const generationId = genId();
  await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId, keySpendCap: null, accountSpendCapPerDay: null });
  return { acct, generationId };
}

/** A generation row as the pipeline leaves it after a crash between its terminal update and the settle call. */
async function insertGeneration(accountId: string, id: string, status: string, creditState = "reserved", updatedAt = Date.now() - 5 * 60_000) {
  await env.DB.prepare(
    `INSERT INTO generations (id, account_id, status, product_external_id, product_snapshot, person_image_id, engine, keep_for_days, credit_state, error_code, created_at, updated_at, deadline_at)
     VALUES (?, ?, ?, 'p1', '{}', 'img_x', 'mock', 7, ?, ?, ?, ?, ?)`,
  )
    .bind(id, accountId, status, creditState, status === "FAILED" ? "GENERATION_CANCELLED" : null, updatedAt, updatedAt, updatedAt + 600_000)
    .run();
}

async function creditStateOf(id: string): Promise<string | undefined> {
  return (await env.DB.prepare("SELECT credit_state FROM generations WHERE id = ?").bind(id).first<{ credit_state: string }>())?.credit_state;
}

describe("settlement", () => {
  it("commit spends the held credit once; a repeated commit changes nothing; a later refund is refused", async () => {
    const { acct, generationId } = await reserved(5);
    await Promise.all([settle(env, acct.accountId, generationId, "commit"), settle(env, acct.accountId, generationId, "commit")]);
    await settle(env, acct.accountId, generationId, "refund", "late");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 0, spent: 1 });
    const ledger = await accountGate(env, acct.accountId).ledger(50);
    expect(ledger.entries.map((e) => e.kind)).toEqual(["commit", "reserve", "grant"]);
  });

  it("a failed generation refunds exactly once when the settle call is repeated", async () => {
    const { acct, generationId } = await reserved(5);
    await Promise.all(Array.from({ length: 5 }, () => settle(env, acct.accountId, generationId, "refund", "GENERATION_FAILED")));
    await settle(env, acct.accountId, generationId, "refund", "GENERATION_FAILED");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 5, reserved: 0, spent: 0 });
    const refunds = (await accountGate(env, acct.accountId).ledger(50)).entries.filter((e) => e.kind === "refund");
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.reason).toBe("GENERATION_FAILED");
  });

  it("a cancelled generation racing the reconciler is refunded exactly once, and D1 records it", async () => {
    const { acct, generationId } = await reserved(3);
    await insertGeneration(acct.accountId, generationId, "FAILED");
    const ctx = backgroundContext(env);
    const [, , sweep] = await Promise.all([
      settle(env, acct.accountId, generationId, "refund", "GENERATION_CANCELLED"),
      settle(env, acct.accountId, generationId, "refund", "GENERATION_CANCELLED"),
      reconcileCredits(ctx, Date.now()),
      reconcileCredits(ctx, Date.now()),
    ]);
    expect(sweep).toMatchObject({ failed: 0 });
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 0, spent: 0 });
    expect((await accountGate(env, acct.accountId).ledger(50)).entries.filter((e) => e.kind === "refund")).toHaveLength(1);
    expect(await creditStateOf(generationId)).toBe("refunded");
  });

  it("the reconciler commits a COMPLETED generation left reserved, and leaves fresh or settled rows alone", async () => {
    const { acct, generationId } = await reserved(3);
    await insertGeneration(acct.accountId, generationId, "COMPLETED");
    const fresh = genId();
    await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId: fresh, keySpendCap: null, accountSpendCapPerDay: null });
    await insertGeneration(acct.accountId, fresh, "FAILED", "reserved", Date.now()); // within the grace period
    const res = await reconcileCredits(backgroundContext(env), Date.now());
    expect(res.committed).toBeGreaterThanOrEqual(1);
    expect(await creditStateOf(generationId)).toBe("committed");
    expect(await creditStateOf(fresh)).toBe("reserved");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 1, reserved: 1, spent: 1 });
    // Running it again is a no-op for the settled one.
    await reconcileCredits(backgroundContext(env), Date.now());
    expect((await accountGate(env, acct.accountId).ledger(50)).entries.filter((e) => e.kind === "commit")).toHaveLength(1);
  });

  it("a failure injected after the reservation (D1 write throws) → refund → balance unchanged", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 2);
    const generationId = genId();
    // The pipeline's protocol: reserve, record, enqueue; on any failure after the reservation, refund before answering.
    const accept = async () => {
      await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId, keySpendCap: null, accountSpendCapPerDay: null });
      try {
        await env.DB.prepare("INSERT INTO no_such_table VALUES (1)").run();
      } catch (err) {
        await settle(env, acct.accountId, generationId, "refund", "acceptance failed");
        throw err;
      }
    };
    await expect(accept()).rejects.toThrow();
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 2, reserved: 0, spent: 0 });
  });

  it("the alarm refunds a reservation whose generation was never recorded (crash before the D1 write)", async () => {
    const { acct, generationId } = await reserved(2);
    const kept = genId();
    await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId: kept, keySpendCap: null, accountSpendCapPerDay: null });
    await insertGeneration(acct.accountId, kept, "PROCESSING", "reserved");
    const stub = accountGateStub(env, acct.accountId);
    await stub.testAdvanceClock(ORPHAN_AFTER_MS + 1000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await accountGate(env, acct.accountId).reservation(generationId)).toBe("refunded");
    expect(await accountGate(env, acct.accountId).reservation(kept)).toBe("held"); // still running: the timeout sweep will fail it
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 1, reserved: 1, spent: 0 });
  });
});
