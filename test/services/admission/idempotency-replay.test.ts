import { describe, expect, it } from "vitest";
import { accountGate, accountGateStub } from "../../../src/durable/account-gate/client";
import { now } from "../../../src/lib/clock";
import { bodyFingerprint } from "../../../src/lib/fingerprint";
import { CreatedWebhookEndpointSchema } from "../../../src/schemas/webhooks";
import { api, createAccount, env, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";

const hook = (n: number) => ({ url: `https://shop${n}.example.com/hooks/drape`, description: `endpoint ${n}` });

function post(acct: TestAccount, key: string, json: unknown, path = "/webhooks") {
  return api(acct, path, { method: "POST", json, headers: { "idempotency-key": key } });
}

async function endpointCount(accountId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE account_id = ?").bind(accountId).first<{ n: number }>())?.n ?? -1;
}

describe("Idempotency-Key on POST", () => {
  it("a replay returns the first status, headers that matter and body byte-for-byte, and does nothing twice", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    const first = await post(acct, key, hook(1));
    expect(first.status).toBe(201);
    const firstBody = new Uint8Array(await first.arrayBuffer());
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await post(acct, key, hook(1));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(again.headers.get("original-request-id")).toBe(first.headers.get("x-request-id"));
    expect(again.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(again.headers.get("ratelimit")).toMatch(/^"per-key";r=\d+;t=\d+$/);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(firstBody);
    expect(await endpointCount(acct.accountId)).toBe(1);
  });

  it("the same key with a different body, path or method → 422 IDEMPOTENCY_KEY_REUSED, nothing done", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    expect((await post(acct, key, hook(1))).status).toBe(201);
    await expectEnvelope(await post(acct, key, hook(2)), 422, "IDEMPOTENCY_KEY_REUSED");
    await expectEnvelope(await post(acct, key, {}, "/webhooks/default-secret/rotate"), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await endpointCount(acct.accountId)).toBe(1);
  });

  it("a duplicate while the first is still running → 409 IDEMPOTENCY_KEY_IN_USE; a dead request's key frees up after its lease", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    const body = JSON.stringify(hook(1));
    // The first request is in flight: its record was begun and not completed.
    const gate = accountGate(env, acct.accountId);
    const began = await gate.admit({
      rate: { keyId: acct.keyId, perMinute: 100, burst: 100 },
      idempotency: {
        key,
        method: "POST",
        path: "/tryon/v1/webhooks",
        fingerprint: await bodyFingerprint("application/json", new TextEncoder().encode(body)),
        owner: "first",
        requestId: "req_first",
      },
    });
    expect(began.idempotency).toEqual({ state: "new" });
    const dup = await post(acct, key, hook(1));
    await expectEnvelope(dup, 409, "IDEMPOTENCY_KEY_IN_USE");
    expect(dup.headers.get("retry-after")).toBe("1");
    expect(await endpointCount(acct.accountId)).toBe(0);
    // A different body is still a misuse, not a wait.
    await expectEnvelope(await post(acct, key, hook(2)), 422, "IDEMPOTENCY_KEY_REUSED");
    // The first request died without completing: after the 5-minute lease the key may run again.
    await accountGateStub(env, acct.accountId).testAdvanceClock(5 * 60_000 + 1);
    expect((await post(acct, key, hook(1))).status).toBe(201);
    expect(await endpointCount(acct.accountId)).toBe(1);
  });

  it("keys are scoped per account", async () => {
    const a = await createAccount();
    const b = await createAccount();
    const key = crypto.randomUUID();
    const ra = await post(a, key, hook(1));
    const rb = await post(b, key, hook(2));
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.headers.get("idempotent-replayed")).toBeNull();
    const ida = (await readWire(ra, CreatedWebhookEndpointSchema)).id;
    const idb = (await readWire(rb, CreatedWebhookEndpointSchema)).id;
    expect(ida).not.toBe(idb);
    expect(await endpointCount(a.accountId)).toBe(1);
    expect(await endpointCount(b.accountId)).toBe(1);
  });

  it("records expire after 24 h: the key then starts a new request", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    const stub = accountGateStub(env, acct.accountId);
    await stub.testSetClock(now());
    expect((await post(acct, key, hook(1))).status).toBe(201);
    await stub.testAdvanceClock(24 * 3600_000 - 1);
    const stillThere = await post(acct, key, hook(1));
    expect(stillThere.headers.get("idempotent-replayed")).toBe("true");
    await stub.testAdvanceClock(1);
    const fresh = await post(acct, key, hook(2));
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect(await endpointCount(acct.accountId)).toBe(2);
  });

  it("the alarm purges expired records", async () => {
    const acct = await createAccount();
    const stub = accountGateStub(env, acct.accountId);
    await stub.testSetClock(now());
    expect((await post(acct, crypto.randomUUID(), hook(1))).status).toBe(201);
    const { runDurableObjectAlarm, runInDurableObject } = await import("cloudflare:test");
    const count = () => runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency").one().n);
    expect(await count()).toBe(1);
    await stub.testAdvanceClock(24 * 3600_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await count()).toBe(0);
  });

  it("validation failures are not stored: the corrected request may reuse the key", async () => {
    const acct = await createAccount();
    const key = crypto.randomUUID();
    await expectEnvelope(await post(acct, key, { url: "" }), 400, "VALIDATION_FAILED");
    const fixed = await post(acct, key, hook(1));
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
  });

  it("a malformed key is refused; GET ignores the header", async () => {
    const acct = await createAccount();
    await expectEnvelope(await post(acct, "bad key with spaces", hook(1)), 400, "VALIDATION_FAILED");
    await expectEnvelope(await post(acct, "x".repeat(256), hook(1)), 400, "VALIDATION_FAILED");
    expect((await api(acct, "/account/credits", { headers: { "idempotency-key": "k" } })).status).toBe(200);
    expect(await endpointCount(acct.accountId)).toBe(0);
  });
});
