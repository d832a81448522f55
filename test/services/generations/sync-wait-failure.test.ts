import { describe, expect, it, vi } from "vitest";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { createAccount, env, readWire } from "../../helpers/harness";
import { REQUEST_DELIVERY } from "../../helpers/outbox-delivery";
import { registerProduct, tryOn, uploadPerson } from "../../helpers/pipeline";
import { expectLedgerBalances, grantCredits } from "../credits/helpers";

// In its own file: it renames a table (storage is per test file).
// With the outbox, the renamed table fails the delivery, not the wait: request delivery only.
describe.skipIf(!REQUEST_DELIVERY)("POST /try-on/sync when the wait fails after acceptance", () => {
  it("answers 202 (not a 5xx that frees the Idempotency-Key), so a retry replays instead of charging again", async () => {
    const acct = await createAccount();
    await registerProduct(acct, "mock-shirt", "mock");
    const imageId = await uploadPerson(acct);
    await grantCredits(acct.accountId, 5);
    const body = { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] };
    // The generation is accepted and queued; then D1 becomes unreadable for the wait.
    const spy = vi.spyOn(env.GENERATIONS_QUEUE, "send").mockImplementation(async () => {
      await env.DB.exec("ALTER TABLE generations RENAME TO generations_away");
      return undefined as never;
    });
    const key = crypto.randomUUID();
    let first: Response;
    try {
      first = await tryOn(acct, body, "/try-on/sync?wait=1", { "idempotency-key": key });
    } finally {
      spy.mockRestore();
      await env.DB.exec("ALTER TABLE generations_away RENAME TO generations");
    }
    expect(first.status).toBe(202);
    const accepted = await readWire(first, TryOnAcceptedSchema);
    expect(accepted).toMatchObject({ generationId: expect.stringMatching(/^gen_/), status: "PENDING", productExternalId: "mock-shirt" });
    expect(first.headers.get("location")).toBe(`/tryon/v1/generations/${accepted.generationId}`);

    const again = await tryOn(acct, body, "/try-on/sync?wait=1", { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await readWire(again, TryOnAcceptedSchema)).generationId).toBe(accepted.generationId);
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });
});
