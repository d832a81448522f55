import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebhookEndpointSchema, WebhookSecretSchema } from "../../../src/schemas/webhooks";
import { onGenerationFinished } from "../../../src/services/generations/events";
import { api, createAccount, readWire } from "../../helpers/harness";
import { attemptsOf, captureWebhookQueue, createEndpoint, deliveriesOf, env, insertGeneration, mockReceiver, runWebhookConsumer } from "../../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

const ok = () => new Response("ok", { status: 200 });

describe("generation events → deliveries", () => {
  it("a 500, 500, 200 receiver gets three attempts with the same webhook-id; the delivery SUCCEEDS and every attempt is logged", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    expect(q.messages).toHaveLength(1);
    const msg = q.messages[0]!;

    const rx = mockReceiver([new Response("boom", { status: 500 }), new Response("still boom", { status: 500 }), ok()]);
    const r1 = await runWebhookConsumer([{ body: msg, attempts: 1 }]);
    expect(r1.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 5 }]);
    const r2 = await runWebhookConsumer([{ body: msg, attempts: 2 }]);
    expect(r2.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 300 }]);
    const r3 = await runWebhookConsumer([{ body: msg, attempts: 3 }]);
    expect(r3.retryMessages).toEqual([]);
    expect(r3.explicitAcks).toHaveLength(1);

    expect(rx.received).toHaveLength(3);
    const ids = new Set(rx.received.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    const [delivery] = await deliveriesOf(acct.accountId);
    expect([...ids][0]).toBe(delivery!.id);
    expect(delivery!.id).toMatch(/^msg_/);
    expect(delivery!.status).toBe("SUCCEEDED");
    expect(delivery!.attempt_count).toBe(3);

    const attempts = await attemptsOf(delivery!.id);
    expect(attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    expect(attempts.map((a) => a.attempt_no)).toEqual([1, 2, 3]);
    expect(attempts[0]!.response_snippet).toBe("boom");
    expect(attempts[0]!.error).toBe("HTTP 500");
    expect(attempts[2]!.error).toBeNull();

    // Every attempt is a POST to the endpoint, not following redirects, with a timeout, and verifies with the endpoint's secret.
    for (const req of rx.received) {
      expect(req.method).toBe("POST");
      expect(req.url).toBe(ep.url);
      expect(req.redirect).toBe("manual");
      expect(req.hasSignal).toBe(true);
      expect(req.headers["content-type"]).toBe("application/json");
      const event = new Webhook(ep.secret).verify(req.body, req.headers) as { type: string; data: { generationId: string; status: string } };
      expect(event.type).toBe("generation.completed");
      expect(event.data.generationId).toBe(genId);
    }

    // A redelivered message for the finished delivery sends nothing more.
    const again = await runWebhookConsumer([{ body: msg, attempts: 4 }]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(rx.received).toHaveLength(3);
  });

  it("the event's data is the generation exactly as the API presents it, with a signed result URL", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const rx = mockReceiver([ok()]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    const event = new Webhook(ep.secret).verify(rx.received[0]!.body, rx.received[0]!.headers) as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(["data", "livemode", "timestamp", "type"]);
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const { loadGenerationView } = await import("../../../src/services/generations/view");
    const { backgroundContext } = await import("../../../src/context/background");
    const view = await loadGenerationView(backgroundContext(env), acct.accountId, genId);
    const data = event.data as Record<string, unknown>;
    expect({ ...data, resultImageUrl: null }).toEqual({ ...view, resultImageUrl: null });
    expect(data.resultImageUrl).toMatch(/\/tryon\/v1\/files\/.+\?exp=\d+&sig=/);
  });

  it("a timing-out receiver counts as a failed attempt and is retried", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId, { status: "FAILED" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "FAILED", webhookUrl: null });
    // What fetch throws when AbortSignal.timeout fires.
    const rx = mockReceiver([new DOMException("The operation was aborted due to timeout", "TimeoutError")]);
    const res = await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }]);
    expect(rx.received).toHaveLength(1);
    expect(res.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 5 }]);
    const [delivery] = await deliveriesOf(acct.accountId);
    expect(delivery!.status).toBe("PENDING");
    expect(delivery!.event_type).toBe("generation.failed");
    const [attempt] = await attemptsOf(delivery!.id);
    expect(attempt!.status_code).toBeNull();
    expect(attempt!.error).toMatch(/timeout/);
  });

  it("a receiver that never answers is cut off by the attempt timeout (real AbortSignal.timeout, set to 1 s here)", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId);
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    // Never resolves on its own: it ends only when the request's signal aborts, as a real hung socket would.
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          const signal = init?.signal;
          if (!signal) return reject(new Error("no signal"));
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    const res = await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }], { vars: { WEBHOOK_TIMEOUT_SECONDS: "1" } });
    expect(res.retries).toEqual([{ msgId: expect.any(String), delaySeconds: 5 }]);
    const [delivery] = await deliveriesOf(acct.accountId);
    const [attempt] = await attemptsOf(delivery!.id);
    expect(attempt!.status_code).toBeNull();
    expect(attempt!.error).toBe("timeout: no response within 1 s");
  });

  it("calling onGenerationFinished twice (a redelivered pipeline message) creates and enqueues one delivery per target", async () => {
    const acct = await createAccount();
    const a = await createEndpoint(acct, { url: "https://a.example.com/hook" });
    const b = await createEndpoint(acct, { url: "https://b.example.com/hook" });
    const genId = await insertGeneration(acct.accountId, { webhookUrl: "https://once.example.com/cb" });
    const q = captureWebhookQueue();
    const event = { accountId: acct.accountId, generationId: genId, status: "COMPLETED" as const, webhookUrl: "https://once.example.com/cb" };
    await onGenerationFinished(env, event);
    await onGenerationFinished(env, event);
    await Promise.all([onGenerationFinished(env, event), onGenerationFinished(env, event)]);
    const rows = await deliveriesOf(acct.accountId);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.endpoint_id).sort()).toEqual([a.id, b.id, null].sort());
    expect(q.messages).toHaveLength(3);
    expect(new Set(q.messages.map((m) => m.deliveryId)).size).toBe(3);
  });

  it("a disabled endpoint gets nothing and the event filter is respected", async () => {
    const acct = await createAccount();
    const off = await createEndpoint(acct, { url: "https://off.example.com/hook", enabled: false });
    const failedOnly = await createEndpoint(acct, { url: "https://failed.example.com/hook", events: ["generation.failed"] });
    const completedOnly = await createEndpoint(acct, { url: "https://done.example.com/hook", events: ["generation.completed"] });
    const later = await createEndpoint(acct, { url: "https://later.example.com/hook" });
    await api(acct, `/webhooks/${later.id}`, { method: "PATCH", json: { enabled: false } });
    captureWebhookQueue();
    const g1 = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const g2 = await insertGeneration(acct.accountId, { status: "FAILED" });
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: g1, status: "COMPLETED", webhookUrl: null });
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: g2, status: "FAILED", webhookUrl: null });
    const rows = await deliveriesOf(acct.accountId);
    const got = rows.map((r) => `${r.endpoint_id}:${r.event_type}`).sort();
    expect(got).toEqual([`${completedOnly.id}:generation.completed`, `${failedOnly.id}:generation.failed`].sort());
    expect(rows.some((r) => r.endpoint_id === off.id || r.endpoint_id === later.id)).toBe(false);
  });

  it("an endpoint disabled after the event was queued is not called; the delivery ends FAILED", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const genId = await insertGeneration(acct.accountId);
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    await api(acct, `/webhooks/${ep.id}`, { method: "PATCH", json: { enabled: false } });
    const rx = mockReceiver([ok()]);
    const res = await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(res.explicitAcks).toHaveLength(1);
    expect(rx.received).toHaveLength(0);
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.status).toBe("FAILED");
  });

  it("the per-request webhookUrl gets its event, signed with the account's default secret", async () => {
    const acct = await createAccount();
    const genId = await insertGeneration(acct.accountId, { status: "FAILED", webhookUrl: "https://shop.example.com/cb?order=42" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "FAILED", webhookUrl: "https://shop.example.com/cb?order=42" });
    expect(q.messages).toHaveLength(1);
    const rx = mockReceiver([new Response(null, { status: 204 })]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]!.url).toBe("https://shop.example.com/cb?order=42");
    const { secret } = await readWire(await api(acct, "/webhooks/default-secret"), WebhookSecretSchema);
    const event = new Webhook(secret).verify(rx.received[0]!.body, rx.received[0]!.headers) as {
      type: string;
      data: { generationId: string; errorCode: string };
    };
    expect(event.type).toBe("generation.failed");
    expect(event.data).toMatchObject({ generationId: genId, errorCode: "GARMENT_NOT_DETECTED" });
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.endpoint_id).toBeNull();
    expect(row!.status).toBe("SUCCEEDED");
  });

  it("410 Gone disables the endpoint at once: no retry, later events skip it", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const g1 = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: g1, status: "COMPLETED", webhookUrl: null });
    mockReceiver([new Response("gone", { status: 410 })]);
    const res = await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(res.retries).toEqual([]);
    expect(res.explicitAcks).toHaveLength(1);
    const view = await readWire(await api(acct, `/webhooks/${ep.id}`), WebhookEndpointSchema);
    expect(view).toMatchObject({ enabled: false, disabledReason: "gone" });
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.status).toBe("FAILED");
    const g2 = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: g2, status: "COMPLETED", webhookUrl: null });
    expect(await deliveriesOf(acct.accountId)).toHaveLength(1);
  });

  it("a 3xx is a failure (redirects are not followed) and a 429's Retry-After sets the delay", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const msg = q.messages[0]!;
    mockReceiver([
      new Response(null, { status: 302, headers: { location: "https://elsewhere.example.com/" } }),
      new Response("slow down", { status: 429, headers: { "retry-after": "120" } }),
      new Response("later", { status: 503, headers: { "retry-after": "999999" } }),
    ]);
    const r1 = await runWebhookConsumer([{ body: msg, attempts: 1 }]);
    expect(r1.retries[0]!.delaySeconds).toBe(5);
    const r2 = await runWebhookConsumer([{ body: msg, attempts: 2 }]);
    expect(r2.retries[0]!.delaySeconds).toBe(120);
    const r3 = await runWebhookConsumer([{ body: msg, attempts: 3 }]);
    expect(r3.retries[0]!.delaySeconds).toBe(43200); // capped at the Queues maximum delay
    const [row] = await deliveriesOf(acct.accountId);
    const attempts = await attemptsOf(row!.id);
    expect(attempts.map((a) => a.status_code)).toEqual([302, 429, 503]);
    expect(attempts[0]!.error).toMatch(/redirect not followed/);
    expect(row!.status).toBe("PENDING");
  });

  it("follows the schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then the delivery is FAILED", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const rx = mockReceiver([new Response("down", { status: 502 })]);
    const delays: Array<number | undefined> = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const r = await runWebhookConsumer([{ body: q.messages[0]!, attempts: attempt }]);
      delays.push(r.retries[0]?.delaySeconds);
    }
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000, undefined]);
    expect(rx.received).toHaveLength(8);
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.status).toBe("FAILED");
    expect(row!.attempt_count).toBe(8);
  });

  it("an endpoint failing without a break for 5 days is disabled", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    mockReceiver([new Response("down", { status: 500 })]);
    await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }]);
    let view = await readWire(await api(acct, `/webhooks/${ep.id}`), WebhookEndpointSchema);
    expect(view.enabled).toBe(true);
    expect(view.failingSince).not.toBeNull();
    // The streak started 5 days ago.
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?")
      .bind(Date.now() - 5 * 86400_000 - 1000, ep.id)
      .run();
    const r = await runWebhookConsumer([{ body: q.messages[0]!, attempts: 2 }]);
    expect(r.retries).toEqual([]);
    view = await readWire(await api(acct, `/webhooks/${ep.id}`), WebhookEndpointSchema);
    expect(view).toMatchObject({ enabled: false, disabledReason: "failing" });
    // Re-enabling clears the streak.
    const re = await readWire(await api(acct, `/webhooks/${ep.id}`, { method: "PATCH", json: { enabled: true } }), WebhookEndpointSchema);
    expect(re).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("a success ends the failing streak", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    mockReceiver([new Response("down", { status: 500 }), ok()]);
    await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }]);
    await runWebhookConsumer([{ body: q.messages[0]!, attempts: 2 }]);
    const view = await readWire(await api(acct, `/webhooks/${ep.id}`), WebhookEndpointSchema);
    expect(view.failingSince).toBeNull();
  });

  it("two copies of one message make one attempt", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const rx = mockReceiver([ok()]);
    await runWebhookConsumer([{ body: q.messages[0]! }, { body: q.messages[0]! }]);
    expect(rx.received).toHaveLength(1);
    const [row] = await deliveriesOf(acct.accountId);
    expect(await attemptsOf(row!.id)).toHaveLength(1);
  });

  it("a message that lands in the DLQ ends its delivery FAILED", async () => {
    const acct = await createAccount();
    await createEndpoint(acct);
    const q = captureWebhookQueue();
    const genId = await insertGeneration(acct.accountId);
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const res = await runWebhookConsumer([{ body: q.messages[0]! }], { queue: "drape-webhooks-dlq" });
    expect(res.explicitAcks).toHaveLength(1);
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.status).toBe("FAILED");
  });
});
