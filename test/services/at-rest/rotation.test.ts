import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CreatedWebhookEndpointSchema, WebhookSecretSchema } from "../../../src/schemas/webhooks";
import { onGenerationFinished } from "../../../src/services/generations/events";
import { keyIdOf, legacySealText, randomKey, TEST_KEY } from "../../helpers/at-rest-keys";
import { apiWithEnv, createAccount, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
import { attemptsOf, captureWebhookQueue, createEndpoint, deliveriesOf, env, insertGeneration, mockReceiver, runWebhookConsumer } from "../../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The Worker entry with this deployment's secrets replaced by `vars` (a fresh env object). */
function apiWith(vars: Record<string, string>, acct: TestAccount, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  return apiWithEnv({ ...env, ...vars } as Env, acct, path, init);
}

// Everything below was sealed under the suite's key (TEST_KEY); then the operator rotates to NEW.
const NEW = randomKey();
const rotating = { AT_REST_KEY: NEW, AT_REST_KEY_PREVIOUS: TEST_KEY };
const rotatedAndDropped = { AT_REST_KEY: NEW, AT_REST_KEY_PREVIOUS: "" };

describe("rotating the at-rest key: webhook secrets", () => {
  it("with the old key as AT_REST_KEY_PREVIOUS the secret reads as before; without it, 503 ENCRYPTED_DATA_UNREADABLE naming the key", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);

    const during = await apiWith(rotating, acct, `/webhooks/${ep.id}/secret`);
    expect(during.status).toBe(200);
    expect((await readWire(during, WebhookSecretSchema)).secret).toBe(ep.secret);

    const after = await apiWith(rotatedAndDropped, acct, `/webhooks/${ep.id}/secret`);
    const body = await expectEnvelope(after, 503, "ENCRYPTED_DATA_UNREADABLE");
    expect(body.details).toEqual([expect.objectContaining({ path: "", keyId: await keyIdOf(TEST_KEY) })]);
    expect(body.message).toMatch(/Rotate the secret/);

    // The owner's way out: rotating issues a new secret sealed under the new key, readable from then on.
    const rotated = await apiWith(rotatedAndDropped, acct, `/webhooks/${ep.id}/rotate-secret`, { method: "POST", json: {} });
    expect(rotated.status).toBe(200);
    const fresh = (await readWire(rotated, WebhookSecretSchema)).secret;
    expect(fresh).not.toBe(ep.secret);
    const reread = await apiWith(rotatedAndDropped, acct, `/webhooks/${ep.id}/secret`);
    expect((await readWire(reread, WebhookSecretSchema)).secret).toBe(fresh);
  });

  it("a secret stored in the format before key ids (master key directly) still reads, under the old name of the key too", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const legacy = await legacySealText(TEST_KEY, "whsec_bGVnYWN5LXNlY3JldC1zdG9yZWQtYmVmb3JlLWtleS1pZHM=", `webhook_endpoints:${ep.id}`);
    await env.DB.prepare("UPDATE webhook_endpoints SET secret_enc = ? WHERE id = ?").bind(legacy, ep.id).run();

    const settings: Array<Record<string, string>> = [{}, rotating, { AT_REST_KEY: "", WEBHOOK_ENCRYPTION_KEY: TEST_KEY }];
    for (const vars of settings) {
      const res = await apiWith(vars, acct, `/webhooks/${ep.id}/secret`);
      expect(res.status, JSON.stringify(vars)).toBe(200);
      expect((await readWire(res, WebhookSecretSchema)).secret).toBe("whsec_bGVnYWN5LXNlY3JldC1zdG9yZWQtYmVmb3JlLWtleS1pZHM=");
    }
    const gone = await apiWith(rotatedAndDropped, acct, `/webhooks/${ep.id}/secret`);
    await expectEnvelope(gone, 503, "ENCRYPTED_DATA_UNREADABLE");
  });

  it("a delivery whose secret cannot be opened fails that attempt with a clear error (nothing sent, retried); restoring the key delivers it", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const msg = q.messages[0]!;
    const rx = mockReceiver([new Response("ok", { status: 200 })]);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});

    const first = await runWebhookConsumer([{ body: msg, attempts: 1 }], { vars: rotatedAndDropped });
    expect(first.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 5 }]);
    expect(rx.received).toHaveLength(0);
    const [delivery] = await deliveriesOf(acct.accountId);
    expect(delivery!.status).toBe("PENDING");
    const [attempt] = await attemptsOf(delivery!.id);
    expect(attempt!.status_code).toBeNull();
    expect(attempt!.error).toContain(`at-rest key ${await keyIdOf(TEST_KEY)}`);
    expect(attempt!.error).toContain("AT_REST_KEY_PREVIOUS");
    expect(logged.mock.calls.map((c) => String(c[0])).some((l) => l.includes("webhook signing secret unreadable"))).toBe(true);
    // Our key problem is not the receiver's failure: the endpoint's failing streak does not start.
    const { results } = await env.DB.prepare("SELECT failing_since FROM webhook_endpoints WHERE id = ?").bind(ep.id).all<{ failing_since: number | null }>();
    expect(results[0]!.failing_since).toBeNull();

    const second = await runWebhookConsumer([{ body: msg, attempts: 2 }], { vars: rotating });
    expect(second.explicitAcks).toHaveLength(1);
    expect(rx.received).toHaveLength(1);
    expect(new Webhook(ep.secret).verify(rx.received[0]!.body, rx.received[0]!.headers)).toMatchObject({ type: "generation.completed" });
    expect((await deliveriesOf(acct.accountId))[0]!.status).toBe("SUCCEEDED");
  });
});

describe("rotating the at-rest key: stored idempotent responses", () => {
  it("a replay opens with the previous key; once it is dropped, the replay is a clear 503, never a 500 and never a second run", async () => {
    const acct = await createAccount();
    const send = (vars: Record<string, string>) =>
      apiWith(vars, acct, "/webhooks", { method: "POST", headers: { "idempotency-key": "rotate-1" }, json: { url: "https://hooks.example.com/rot" } });
    const first = await send({});
    expect(first.status).toBe(201);
    const created = await readWire(first, CreatedWebhookEndpointSchema);

    const replay = await send(rotating);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await readWire(replay, CreatedWebhookEndpointSchema)).toEqual(created);

    vi.spyOn(console, "error").mockImplementation(() => {});
    const lost = await send(rotatedAndDropped);
    const body = await expectEnvelope(lost, 503, "ENCRYPTED_DATA_UNREADABLE");
    expect(body.details).toEqual([expect.objectContaining({ path: "", keyId: await keyIdOf(TEST_KEY) })]);
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE account_id = ?").bind(acct.accountId).all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
  });
});
