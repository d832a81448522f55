import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreatedApiKeySchema } from "../../../src/schemas/admin";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { admin, callWithEnv, createAccount, env, readWire, type TestAccount } from "../../helpers/harness";
import { captureGenerationQueue, registerProduct, silenceWebhookQueue, uploadPerson } from "../../helpers/pipeline";
import { accountGate, grantCredits } from "./helpers";

/** The same Worker with GATE_SHARDS on (the suite's default is off). */
const shardEnv = { ...env, GATE_SHARDS: "on" } as Env;

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

async function ready(credits: number): Promise<{ acct: TestAccount; body: unknown }> {
  const acct = await createAccount();
  await registerProduct(acct, "mock-shirt", "mock");
  const imageId = await uploadPerson(acct);
  if (credits > 0) await grantCredits(acct.accountId, credits);
  return { acct, body: { person: { image: { source: { id: imageId } } }, products: [{ externalId: "mock-shirt" }] } };
}

async function extraKey(acct: TestAccount): Promise<string> {
  const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys`, { method: "POST", json: { name: "more" } });
  return (await readWire(res, CreatedApiKeySchema)).key;
}

function tryOn(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return callWithEnv(shardEnv, "/tryon/v1/try-on", {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("POST /try-on with key shards on", () => {
  it("30 concurrent try-ons over 3 keys with 12 credits → exactly 12 × 202 and 18 × 402, and GET /account/credits is exact", async () => {
    const { acct, body } = await ready(12);
    const keys = [acct.key, await extraKey(acct), await extraKey(acct)];
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => tryOn(keys[i % 3] ?? "", body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(12);
    expect(statuses.filter((s) => s === 402)).toHaveLength(18);
    for (const r of responses.filter((x) => x.status === 402)) expect(((await r.json()) as { code: string }).code).toBe("INSUFFICIENT_CREDITS");
    expect(queue.messages).toHaveLength(12);

    const credits = await callWithEnv(shardEnv, "/tryon/v1/account/credits", { headers: { "x-api-key": acct.key } });
    expect(await readWire(credits, CreditBalanceSchema)).toEqual({ livemode: true, creditBalance: 0, reserved: 12, spent: 0 });
    const { sum } = await accountGate(env, acct.accountId).ledgerSum();
    expect(sum).toBe(0);
  });

  it("an Idempotency-Key retried with the same API key replays the first 202 and charges once (keys are scoped per API key)", async () => {
    const { acct, body } = await ready(5);
    const first = await tryOn(acct.key, body, { "idempotency-key": "shard-idem-1" });
    expect(first.status).toBe(202);
    const again = await tryOn(acct.key, body, { "idempotency-key": "shard-idem-1" });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { generationId: string }).generationId).toBe(((await first.json()) as { generationId: string }).generationId);
    const credits = await callWithEnv(shardEnv, "/tryon/v1/account/credits", { headers: { "x-api-key": acct.key } });
    expect(await readWire(credits, CreditBalanceSchema)).toMatchObject({ creditBalance: 4, reserved: 1 });

    // Another key of the same account has its own records (docs/scaling.md): the same string is a new request there.
    const other = await tryOn(await extraKey(acct), body, { "idempotency-key": "shard-idem-1" });
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });
});
