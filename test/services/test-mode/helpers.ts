import { expect } from "vitest";
import { CreatedApiKeySchema } from "../../../src/schemas/admin";
import { admin, expectOk, type TestAccount } from "../../helpers/harness";

/** A `dr_test_` key of `acct`'s account, issued through the operator API. */
export async function testKeyOf(acct: TestAccount, key: Record<string, unknown> = {}): Promise<TestAccount> {
  const k = await expectOk(
    await admin(`/admin/v1/accounts/${acct.accountId}/keys`, { method: "POST", json: { name: "test", mode: "test", ...key } }),
    CreatedApiKeySchema,
    201,
  );
  expect(k.key).toMatch(/^dr_test_[0-9A-Za-z]{32}$/);
  return { accountId: acct.accountId, keyId: k.id, key: k.key };
}
