import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { IDEMPOTENCY_LEASE_MS } from "../../../src/durable/account-gate/gate";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { createAccount, env, readWire } from "../../helpers/harness";
import { captureGenerationQueue, registerProduct, silenceWebhookQueue, tryOn, uploadPerson } from "../../helpers/pipeline";
import { expectLedgerBalances, genId, grantCredits } from "../credits/helpers";

let queue: ReturnType<typeof captureGenerationQueue>;
let restoreWebhooks: () => void;
beforeEach(() => {
  queue = captureGenerationQueue();
  restoreWebhooks = silenceWebhookQueue();
});
afterEach(() => {
  queue.restore();
  restoreWebhooks();
});

async function storedStatus(accountId: string, key: string): Promise<{ state: string; status: number | null } | null> {
  return runInDurableObject(accountGateStub(env, accountId), (_instance, state) => {
    const row = state.storage.sql.exec<{ state: string; status: number | null }>("SELECT state, status FROM idempotency WHERE key = ?", key).toArray()[0];
    return row ?? null;
  });
}

describe("an idempotent POST /try-on/sync that dies while it waits", () => {
  it("a retry after the lease gets the accepted 202, not a second generation and a second charge", async () => {
    const acct = await createAccount();
    await registerProduct(acct, "mock-shirt", "mock");
    const imageId = await uploadPerson(acct);
    await grantCredits(acct.accountId, 5);
    const gate = accountGateStub(env, acct.accountId);
    await gate.testSetClock(Date.now());
    const body = { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] };
    const key = crypto.randomUUID();

    // The first request is accepted and then holds (nothing processes the queue).
    const first = tryOn(acct, body, "/try-on/sync?wait=4", { "idempotency-key": key });
    let seen: Awaited<ReturnType<typeof storedStatus>> = null;
    for (let i = 0; i < 200 && seen?.status !== 202; i++) {
      seen = await storedStatus(acct.accountId, key);
      if (seen?.status !== 202) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual({ state: "running", status: 202 });

    // As if the first request had died: its lease runs out; the client retries with the same key.
    await gate.testAdvanceClock(IDEMPOTENCY_LEASE_MS + 60_000);
    const retry = await tryOn(acct, body, "/try-on/sync?wait=4", { "idempotency-key": key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const replayed = await readWire(retry, TryOnAcceptedSchema);
    expect(replayed.status).toBe("PENDING");
    expect(retry.headers.get("location")).toBe(`/tryon/v1/generations/${replayed.generationId}`);

    const original = await first;
    expect(original.status).toBe(202);
    expect((await readWire(original, TryOnAcceptedSchema)).generationId).toBe(replayed.generationId);
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 4, reserved: 1, spent: 0 });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM generations WHERE account_id = ?").bind(acct.accountId).first<{ n: number }>();
    expect(n?.n).toBe(1);
  });

  it("a provisional answer recorded with the charge survives its owner's release (a later 5xx); a stranger cannot charge on the key", async () => {
    const acct = await createAccount();
    await grantCredits(acct.accountId, 2);
    const gate = accountGate(env, acct.accountId);
    const idempotency = { key: "k-1", method: "POST", path: "/tryon/v1/try-on/sync", fingerprint: "f", owner: "first", requestId: "req_first" };
    const rate = { keyId: acct.keyId, perMinute: 100, burst: 100 };
    expect((await gate.admit({ rate, idempotency })).idempotency).toEqual({ state: "new" });
    const body = new TextEncoder().encode('{"generationId":"gen_x","status":"PENDING","productExternalId":"p"}');
    const reserve = (generationId: string, owner: string) =>
      gate.reserve({
        accountId: acct.accountId,
        generationId,
        keyId: acct.keyId,
        keySpendCap: null,
        accountSpendCapPerDay: null,
        idempotency: { key: "k-1", owner, response: { status: 202, headers: [["content-type", "application/json"]], body } },
      });
    expect(await reserve(genId(), "someone-else")).toMatchObject({ ok: false, code: "IDEMPOTENCY_KEY_IN_USE" });
    expect(await reserve(genId(), "first")).toMatchObject({ ok: true });
    expect(await expectLedgerBalances(acct.accountId)).toEqual({ balance: 1, reserved: 1, spent: 0 });
    expect(await gate.completeIdempotency("k-1", "first", null)).toBe(true);
    const again = await gate.admit({ rate, idempotency: { ...idempotency, owner: "second", requestId: "req_second" } });
    expect(again.idempotency).toMatchObject({ state: "replay", originalRequestId: "req_first", response: { status: 202, body } });
  });
});
