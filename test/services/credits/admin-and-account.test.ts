import { describe, expect, it } from "vitest";
import { AccountViewSchema } from "../../../src/schemas/account";
import { CreditBalanceSchema, CreditLedgerSchema, GrantCreditsResponse } from "../../../src/schemas/credits";
import { reserveCredit } from "../../../src/services/credits/credits";
import { admin, api, createAccount, env, expectEnvelope, expectOk, readWire } from "../../helpers/harness";
import { expectLedgerBalances, genId, grantCredits } from "./helpers";

describe("operator credits API", () => {
  it("a grant with a reference happens once (the demo seed calls it on every start)", async () => {
    const acct = await createAccount();
    const first = await grantCredits(acct.accountId, 100, "demo-seed");
    expect(first.status).toBe(201);
    expect(await readWire(first, GrantCreditsResponse)).toMatchObject({
      creditBalance: 100,
      duplicate: false,
      entry: { kind: "grant", amount: 100, reference: "demo-seed" },
    });
    const again = await grantCredits(acct.accountId, 100, "demo-seed");
    expect(again.status).toBe(200);
    expect(await readWire(again, GrantCreditsResponse)).toMatchObject({ creditBalance: 100, duplicate: true });
    await expectEnvelope(await grantCredits(acct.accountId, 50, "demo-seed"), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 100, reserved: 0, spent: 0 });
  });

  it("a negative adjustment never takes the balance below 0", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 5);
    const adj = await admin(`/admin/v1/accounts/${acct.accountId}/credits`, { method: "POST", json: { amount: -3, reason: "goodwill reversal" } });
    expect(adj.status).toBe(201);
    expect(await readWire(adj, GrantCreditsResponse)).toMatchObject({ creditBalance: 2, entry: { kind: "adjust", amount: -3, reason: "goodwill reversal" } });
    await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/credits`, { method: "POST", json: { amount: -3, reason: "too much" } }),
      402,
      "INSUFFICIENT_CREDITS",
    );
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 2, reserved: 0, spent: 0 });
  });

  it("validates the body and the account", async () => {
    const acct = await createAccount();
    const bad = await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/credits`, { method: "POST", json: { amount: 0, reason: "" } }),
      400,
      "VALIDATION_FAILED",
    );
    expect((bad.details as { path: string }[]).map((d) => d.path).sort()).toEqual(["amount", "reason"]);
    await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/credits`, { method: "POST", json: { amount: 1.5, reason: "x" } }),
      400,
      "VALIDATION_FAILED",
    );
    await expectEnvelope(await grantCredits("acc_doesnotexist", 5), 404, "ACCOUNT_NOT_FOUND");
    await expectEnvelope(await admin("/admin/v1/accounts/acc_doesnotexist/credits"), 404, "ACCOUNT_NOT_FOUND");
    await expectEnvelope(await api(acct, "/account/credits", { headers: { authorization: "Bearer nope" }, method: "GET" }), 401, "INVALID_API_KEY");
  });

  it("GET shows the balance and the ledger newest first, paginated", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 3, "g1");
    await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId: genId(), keySpendCap: null, accountSpendCapPerDay: null });
    await grantCredits(acct.accountId, 2, "g2");
    const page = await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}/credits?limit=2`), CreditLedgerSchema);
    // The list shape of every list, plus the balance.
    expect(page).toMatchObject({ creditBalance: 4, reserved: 1, spent: 0, granted: 5, hasMore: true, count: 2 });
    expect(page.items.map((e) => [e.kind, e.balanceAfter])).toEqual([
      ["grant", 4],
      ["reserve", 2],
    ]);
    const next = await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}/credits?limit=2&cursor=${page.nextCursor}`), CreditLedgerSchema);
    expect(next.items.map((e) => e.kind)).toEqual(["grant"]);
    expect(next).toMatchObject({ hasMore: false, nextCursor: null, count: 1 });
  });
});

describe("integrator views of the balance", () => {
  it("GET /account and GET /account/credits read the DO (balance, reserved, spent, usage today)", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 10);
    for (let i = 0; i < 3; i++) {
      await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId: genId(), keySpendCap: null, accountSpendCapPerDay: null });
    }
    const credits = await api(acct, "/account/credits");
    expect(credits.status).toBe(200);
    expect(await readWire(credits, CreditBalanceSchema)).toEqual({ livemode: true, creditBalance: 7, reserved: 3, spent: 0 });
    const account = await api(acct, "/account");
    expect(account.status).toBe(200);
    expect(await readWire(account, AccountViewSchema)).toMatchObject({
      accountId: acct.accountId,
      creditBalance: 7,
      credits: { balance: 7, reserved: 3, spent: 0 },
      usageToday: { day: new Date().toISOString().slice(0, 10), generations: 3, completed: 0, failed: 0, pending: 3 },
      rateLimit: { perMinute: 100, burst: 100 },
    });
  });
});
