import { describe, expect, it } from "vitest";
import { createAccount, env } from "../helpers/harness";
import { captureGenerationQueue, registerProduct, tryOn, uploadPerson } from "../pipeline/helpers";
import { expectLedgerBalances, grantCredits } from "./helpers";

// In its own file: it renames a table (storage is per test file).
describe("a failure injected after the reservation", () => {
  it("D1 write throwing → error response, balance unchanged, nothing recorded", async () => {
    const queue = captureGenerationQueue();
    try {
      const acct = await createAccount();
      await registerProduct(acct, "mock-shirt", "mock");
      const imageId = await uploadPerson(acct);
      await grantCredits(acct.accountId, 3);
      await env.DB.exec("ALTER TABLE generations RENAME TO generations_away");
      const res = await tryOn(acct, { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] });
      await env.DB.exec("ALTER TABLE generations_away RENAME TO generations");
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 3, reserved: 0, spent: 0 });
      expect(queue.messages).toHaveLength(0);
    } finally {
      queue.restore();
    }
  });
});
