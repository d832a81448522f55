import { describe, expect, it } from "vitest";
import { ORPHAN_AFTER_MS } from "../../../src/durable/account-gate/gate";
import { createAccount, env, expectEnvelope } from "../../helpers/harness";
import { REQUEST_DELIVERY } from "../../helpers/outbox-delivery";
import { captureGenerationQueue, registerProduct, tryOn, uploadPerson } from "../../helpers/pipeline";
import { accountGateStub, expectLedgerBalances, grantCredits } from "./helpers";

// In its own file: it renames a table (storage is per test file).
// Request delivery's failure table; with the outbox, D1 is not on the accept's path (outbox.test.ts).
describe.skipIf(!REQUEST_DELIVERY)("a failure injected after the reservation", () => {
  it("D1 unusable (the write and its withdrawal both throw) → 503, the credit held until the reconciler finds nothing and refunds it", async () => {
    const queue = captureGenerationQueue();
    try {
      const acct = await createAccount();
      await registerProduct(acct, "mock-shirt", "mock");
      const imageId = await uploadPerson(acct);
      await grantCredits(acct.accountId, 3);
      const gate = accountGateStub(env, acct.accountId);
      await gate.testSetClock(Date.now());
      await env.DB.exec("ALTER TABLE generations RENAME TO generations_away");
      let res: Response;
      try {
        res = await tryOn(acct, { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] });
      } finally {
        await env.DB.exec("ALTER TABLE generations_away RENAME TO generations");
      }
      // Whether the generation was recorded is unknown: its credit is not released on a guess.
      await expectEnvelope(res, 503, "SERVICE_UNAVAILABLE");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 2, reserved: 1, spent: 0 });
      expect(queue.messages).toHaveLength(0);

      await gate.testAdvanceClock(ORPHAN_AFTER_MS + 1000);
      expect(await gate.settleOrphans()).toBe(1);
      expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 0, spent: 0 });
    } finally {
      queue.restore();
    }
  });
});
