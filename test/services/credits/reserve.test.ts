import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { reserveCredit } from "../../../src/services/credits/credits";
import { api, createAccount, env, readWire } from "../../helpers/harness";
import { accountGate, expectLedgerBalances, genId, grantCredits } from "./helpers";

function reserveInput(acct: { accountId: string; keyId: string }, generationId = genId()) {
  return { accountId: acct.accountId, keyId: acct.keyId, generationId, keySpendCap: null, accountSpendCapPerDay: null };
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof ApiError ? err.code : `unexpected: ${String(err)}`;
  }
}

describe("reserve under concurrency", () => {
  for (const run of [1, 2, 3]) {
    it(`50 concurrent reservations with 10 credits → exactly 10 accepted, balance 0 (run ${run})`, async () => {
      const acct = await createAccount();
      expect((await grantCredits(acct.accountId, 10)).status).toBe(201);
      const results = await Promise.all(Array.from({ length: 50 }, () => outcome(reserveCredit(env, reserveInput(acct)))));
      expect(results.filter((r) => r === "ok")).toHaveLength(10);
      expect(results.filter((r) => r === "INSUFFICIENT_CREDITS")).toHaveLength(40);
      const totals = await expectLedgerBalances(acct.accountId);
      expect(totals).toEqual({ balance: 0, reserved: 10, spent: 0 });
      const ledger = await accountGate(env, acct.accountId).ledger(200);
      expect(ledger.entries.filter((e) => e.kind === "reserve")).toHaveLength(10);
      // The balance the API reports is the DO's.
      const res = await api(acct, "/account/credits");
      expect(await readWire(res, CreditBalanceSchema)).toEqual({ livemode: true, creditBalance: 0, reserved: 10, spent: 0 });
    });
  }

  it("reserving the same generation twice holds one credit", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 3);
    const input = reserveInput(acct);
    await Promise.all([reserveCredit(env, input), reserveCredit(env, input), reserveCredit(env, input)]);
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 2, reserved: 1, spent: 0 });
  });

  it("a key spend cap → QUOTA_EXCEEDED; another key of the account is unaffected", async () => {
    const acct = await createAccount({ key: { spendCap: 2 } });
    await grantCredits(acct.accountId, 10);
    const capped = { ...reserveInput(acct), keySpendCap: 2 };
    await reserveCredit(env, { ...capped, generationId: genId() });
    await reserveCredit(env, { ...capped, generationId: genId() });
    expect(await outcome(reserveCredit(env, { ...capped, generationId: genId() }))).toBe("QUOTA_EXCEEDED");
    expect(await outcome(reserveCredit(env, { ...reserveInput(acct), keyId: "key_other" }))).toBe("ok");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 7, reserved: 3, spent: 0 });
  });

  it("a refunded reservation no longer counts against the key cap; the account daily cap counts held + spent", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 10);
    const gate = accountGate(env, acct.accountId);
    const a = reserveInput(acct);
    await reserveCredit(env, { ...a, keySpendCap: 1 });
    expect(await outcome(reserveCredit(env, { ...reserveInput(acct), keySpendCap: 1 }))).toBe("QUOTA_EXCEEDED");
    await gate.refund(a.generationId, "GENERATION_FAILED");
    expect(await outcome(reserveCredit(env, { ...reserveInput(acct), keySpendCap: 1 }))).toBe("ok");
    expect(await outcome(reserveCredit(env, { ...reserveInput(acct), accountSpendCapPerDay: 2 }))).toBe("ok");
    expect(await outcome(reserveCredit(env, { ...reserveInput(acct), accountSpendCapPerDay: 2 }))).toBe("QUOTA_EXCEEDED");
    await expectLedgerBalances(acct.accountId);
  });

  it("no credits at all → INSUFFICIENT_CREDITS and nothing recorded", async () => {
    const acct = await createAccount();
    expect(await outcome(reserveCredit(env, reserveInput(acct)))).toBe("INSUFFICIENT_CREDITS");
    expect(await accountGate(env, acct.accountId).ledgerSum()).toEqual({ sum: 0, rows: 0 });
  });
});
