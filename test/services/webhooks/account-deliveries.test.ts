import { afterEach, describe, expect, it, vi } from "vitest";
import { WebhookDeliveryListSchema, WebhookDeliverySchema } from "../../../src/schemas/webhooks";
import { onGenerationFinished } from "../../../src/services/generations/events";
import { api, createAccount, expectEnvelope, expectOk } from "../../helpers/harness";
import { captureWebhookQueue, createEndpoint, env, insertGeneration } from "../../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /webhooks/deliveries: the account's whole delivery log", () => {
  it("lists deliveries to endpoints and to per-request webhookUrls, filtered by generation and status, cursor paged", async () => {
    const acct = await createAccount();
    const other = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const perRequest = "https://receiver.example.com/one-off";
    const genA = await insertGeneration(acct.accountId, { webhookUrl: perRequest });
    const genB = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genA, status: "COMPLETED", webhookUrl: perRequest });
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genB, status: "COMPLETED", webhookUrl: null });
    expect(q.messages).toHaveLength(3);

    const all = await expectOk(await api(acct, "/webhooks/deliveries"), WebhookDeliveryListSchema);
    expect(all.items).toHaveLength(3);
    const oneOff = all.items.find((d) => d.endpointId === null);
    expect(oneOff).toMatchObject({ url: perRequest, generationId: genA, status: "PENDING" });

    const ofA = await expectOk(await api(acct, `/webhooks/deliveries?generationId=${genA}`), WebhookDeliveryListSchema);
    expect(ofA.items.map((d) => d.endpointId).sort()).toEqual([ep.id, null].sort());
    expect((await expectOk(await api(acct, "/webhooks/deliveries?status=SUCCEEDED"), WebhookDeliveryListSchema)).items).toEqual([]);

    const first = await expectOk(await api(acct, "/webhooks/deliveries?limit=2"), WebhookDeliveryListSchema);
    expect(first.items).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await expectOk(await api(acct, `/webhooks/deliveries?limit=2&cursor=${first.nextCursor}`), WebhookDeliveryListSchema);
    expect(second.items.map((d) => d.id)).toEqual(all.items.slice(2).map((d) => d.id));

    // Another account sees none of them, and cannot retry them.
    expect((await expectOk(await api(other, `/webhooks/deliveries?generationId=${genA}`), WebhookDeliveryListSchema)).items).toEqual([]);
    await expectEnvelope(await api(other, `/webhooks/deliveries/${oneOff?.id}/retry`, { method: "POST" }), 404, "WEBHOOK_NOT_FOUND");
    await expectEnvelope(await api(acct, "/webhooks/deliveries?status=LOST"), 400, "VALIDATION_FAILED");
  });

  it("retries a delivery to a per-request webhookUrl by its id: FAILED becomes PENDING and is queued again", async () => {
    const acct = await createAccount();
    const q = captureWebhookQueue();
    const url = "https://receiver.example.com/hook";
    const gen = await insertGeneration(acct.accountId, { webhookUrl: url });
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: gen, status: "COMPLETED", webhookUrl: url });
    const [msg] = q.messages;
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL WHERE id = ?").bind(msg?.deliveryId).run();
    const retried = await expectOk(await api(acct, `/webhooks/deliveries/${msg?.deliveryId}/retry`, { method: "POST" }), WebhookDeliverySchema, 202);
    expect(retried).toMatchObject({ id: msg?.deliveryId, endpointId: null, status: "PENDING" });
    expect(q.messages).toHaveLength(2);
    expect(q.messages[1]?.deliveryId).toBe(msg?.deliveryId);
    const row = await env.DB.prepare("SELECT status FROM webhook_deliveries WHERE id = ?").bind(msg?.deliveryId).first<{ status: string }>();
    expect(row?.status).toBe("PENDING");
  });
});
