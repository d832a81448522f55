import { describe, expect, it } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { findGeneration } from "../../../src/db/repo/generations";
import { reserveCredit, settle } from "../../../src/services/credits/credits";
import { settleGeneration } from "../../../src/services/generations/lifecycle";
import { createAccount, env } from "../../helpers/harness";
import { expectLedgerBalances, genId, grantCredits } from "./helpers";

// A try-on whose D1 write threw after it had in fact committed gets refunded by
// the acceptance path, yet its row exists and may complete. Settling it must
// record what the ledger says (refunded), never "committed" for a free run.
describe("settlement records the ledger's answer in D1", () => {
  it("a COMPLETED row whose credit was already refunded is recorded as refunded and charged nothing", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 3);
    const id = genId();
    await reserveCredit(env, { accountId: acct.accountId, keyId: acct.keyId, generationId: id, keySpendCap: null, accountSpendCapPerDay: null });
    await settle(env, acct.accountId, id, "refund", "try-on not recorded");
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO generations (id, account_id, status, product_external_id, product_snapshot, person_image_id, engine, keep_for_days, credit_state, created_at, updated_at, deadline_at, event_emitted_at)
       VALUES (?, ?, 'COMPLETED', 'p1', '{}', 'img_x', 'mock', 7, 'reserved', ?, ?, ?, ?)`,
    )
      .bind(id, acct.accountId, now, now, now + 600_000, now)
      .run();
    const ctx = backgroundContext(env);
    const row = await findGeneration(ctx.db, acct.accountId, id);
    if (!row) throw new Error("row missing");
    await settleGeneration(ctx, row);
    expect((await findGeneration(ctx.db, acct.accountId, id))?.creditState).toBe("refunded");
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 0, spent: 0 });
  });
});
