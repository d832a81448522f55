import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../../src/config/config";
import { backgroundContext } from "../../../src/context/background";
import { SWEEP_STEPS } from "../../../src/cron/sweep";
import { ApiError } from "../../../src/errors";
import {
  CreatedWebhookEndpointSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookSecretSchema,
} from "../../../src/schemas/webhooks";
import { validateWebhookUrl } from "../../../src/services/webhooks/url-policy";
import { api, call, callWithEnv, createAccount, expectEnvelope, readWire } from "../../helpers/harness";
import { attemptsOf, captureWebhookQueue, createEndpoint, deliveriesOf, env, mockReceiver, runWebhookConsumer } from "../../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("endpoint CRUD", () => {
  it("create returns the endpoint and its secret; the secret is readable again and stored only encrypted", async () => {
    const acct = await createAccount();
    const res = await api(acct, "/webhooks", { method: "POST", json: { url: "https://hooks.example.com/a", description: "orders" } });
    expect(res.status).toBe(201);
    const body = await readWire(res, CreatedWebhookEndpointSchema);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^whe_/),
      url: "https://hooks.example.com/a",
      description: "orders",
      events: ["generation.completed", "generation.failed"],
      enabled: true,
      disabledReason: null,
      failingSince: null,
      previousSecretExpiresAt: null,
    });
    expect(body.secret).toMatch(/^whsec_/);
    const again = await readWire(await api(acct, `/webhooks/${body.id}/secret`), WebhookSecretSchema);
    expect(again).toEqual({ livemode: true, secret: body.secret, previousSecretExpiresAt: null });
    const stored = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(body.id).first<Record<string, unknown>>();
    expect(JSON.stringify(stored)).not.toContain(body.secret.slice(6));
    expect(String(stored!.secret_enc)).toMatch(/^v2\.[0-9a-f]{8}\./); // sealed under the current at-rest key, naming its id
  });

  it("get, list (cursor), update and delete", async () => {
    const acct = await createAccount();
    const a = await createEndpoint(acct, { url: "https://a.example.com/h" });
    const b = await createEndpoint(acct, { url: "https://b.example.com/h" });
    const c = await createEndpoint(acct, { url: "https://c.example.com/h" });

    const got = await readWire(await api(acct, `/webhooks/${a.id}`), WebhookEndpointSchema);
    expect(got.url).toBe("https://a.example.com/h");
    expect(got).not.toHaveProperty("secret");

    const p1 = await readWire(await api(acct, "/webhooks?limit=2"), WebhookEndpointListSchema);
    expect(p1.items.map((e) => e.id)).toEqual([c.id, b.id]);
    expect(p1).toMatchObject({ hasMore: true, count: 2 });
    const p2 = await readWire(await api(acct, `/webhooks?limit=2&cursor=${p1.nextCursor}`), WebhookEndpointListSchema);
    expect(p2.items.map((e) => e.id)).toEqual([a.id]);
    expect(p2).toMatchObject({ hasMore: false, nextCursor: null });

    const upd = await api(acct, `/webhooks/${a.id}`, {
      method: "PATCH",
      json: { url: "https://a2.example.com/h", events: ["generation.failed"], description: null },
    });
    expect(upd.status).toBe(200);
    expect(await readWire(upd, WebhookEndpointSchema)).toMatchObject({ url: "https://a2.example.com/h", events: ["generation.failed"], description: null });
    const off = await readWire(await api(acct, `/webhooks/${a.id}`, { method: "PATCH", json: { enabled: false } }), WebhookEndpointSchema);
    expect(off).toMatchObject({ enabled: false, disabledReason: "manual" });

    const del = await api(acct, `/webhooks/${a.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    await expectEnvelope(await api(acct, `/webhooks/${a.id}`), 404, "WEBHOOK_NOT_FOUND");
    await expectEnvelope(await api(acct, `/webhooks/${a.id}`, { method: "DELETE" }), 404, "WEBHOOK_NOT_FOUND");
  });

  it("unknown ids and another account's endpoints are WEBHOOK_NOT_FOUND on every route", async () => {
    const owner = await createAccount();
    const other = await createAccount();
    const ep = await createEndpoint(owner);
    for (const id of [ep.id, "whe_doesnotexist", "nope"]) {
      await expectEnvelope(await api(other, `/webhooks/${id}`), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}`, { method: "PATCH", json: { enabled: false } }), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}`, { method: "DELETE" }), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}/secret`), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}/rotate-secret`, { method: "POST" }), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}/test`, { method: "POST" }), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}/deliveries`), 404, "WEBHOOK_NOT_FOUND");
      await expectEnvelope(await api(other, `/webhooks/${id}/deliveries/msg_x/retry`, { method: "POST" }), 404, "WEBHOOK_NOT_FOUND");
    }
    expect((await readWire(await api(other, "/webhooks"), WebhookEndpointListSchema)).items).toEqual([]);
    // The owner still sees it, untouched.
    expect((await api(owner, `/webhooks/${ep.id}`)).status).toBe(200);
  });

  it("needs an API key", async () => {
    await expectEnvelope(await call("/tryon/v1/webhooks"), 401, "MISSING_API_KEY");
  });

  it("rejects bad bodies with VALIDATION_FAILED and dotted paths", async () => {
    const acct = await createAccount();
    const bad = await expectEnvelope(
      await api(acct, "/webhooks", { method: "POST", json: { url: "https://x.example.com/", events: ["generation.created"] } }),
      400,
      "VALIDATION_FAILED",
    );
    expect((bad.details as Array<{ path: string }>).map((d) => d.path)).toEqual(["events.0"]);
    await expectEnvelope(await api(acct, "/webhooks", { method: "POST", json: { url: "https://x.example.com/", events: [] } }), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(acct, "/webhooks", { method: "POST", json: {} }), 400, "VALIDATION_FAILED");
  });
});

describe("URL rules", () => {
  const forbidden: Array<[string, string]> = [
    ["plain http", "http://hooks.example.com/h"],
    ["another scheme", "ftp://hooks.example.com/h"],
    ["private 10/8", "https://10.0.0.5/h"],
    ["private 192.168/16", "https://192.168.1.10/h"],
    ["private 172.16/12", "https://172.20.0.1/h"],
    ["loopback", "https://127.0.0.1/h"],
    ["loopback, decimal-encoded", "https://2130706433/h"],
    ["link-local / metadata", "https://169.254.169.254/latest/meta-data"],
    ["CGNAT", "https://100.64.0.1/h"],
    ["IPv6 loopback", "https://[::1]/h"],
    ["IPv6 unique-local", "https://[fd00::1]/h"],
    ["IPv6 link-local", "https://[fe80::1]/h"],
    ["IPv4-mapped IPv6", "https://[::ffff:10.0.0.1]/h"],
    ["localhost", "https://localhost/h"],
    [".local", "https://printer.local/h"],
    [".internal", "https://api.svc.internal/h"],
    ["not a URL", "hooks.example.com"],
  ];

  // A local .dev.vars may turn the dev flag on; these requests run with it explicitly off, as in production.
  const strictEnv = { ...env, ALLOW_LOOPBACK_FETCH: "false" } as Env;
  const strictApi = async (key: string, path: string, method: string, json: unknown) =>
    callWithEnv(strictEnv, `/tryon/v1${path}`, {
      method,
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify(json),
    });

  it.each(forbidden)("rejects %s", async (_label, url) => {
    const acct = await createAccount();
    const res = await strictApi(acct.key, "/webhooks", "POST", { url });
    const body = await expectEnvelope(res, 400, "VALIDATION_FAILED");
    expect(body.details).toEqual([{ path: "url", message: expect.any(String) }]);
    const ep = await createEndpoint(acct);
    const patch = await strictApi(acct.key, `/webhooks/${ep.id}`, "PATCH", { url });
    await expectEnvelope(patch, 400, "VALIDATION_FAILED");
    expect(validateWebhookUrl.bind(null, backgroundContext(strictEnv), url)).toThrow(ApiError);
  });

  it("validateWebhookUrl (used for per-request webhookUrl) throws VALIDATION_FAILED at the given path", () => {
    const ctx = backgroundContext({ ...env, ALLOW_LOOPBACK_FETCH: "false" } as Env);
    expect(validateWebhookUrl(ctx, "https://shop.example.com/cb")).toBe("https://shop.example.com/cb");
    try {
      validateWebhookUrl(ctx, "https://10.1.2.3/cb");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe("VALIDATION_FAILED");
      expect((err as ApiError).details).toEqual([{ path: "webhookUrl", message: expect.stringMatching(/private/) }]);
    }
  });

  it("the dev flag ALLOW_LOOPBACK_FETCH lets http://localhost and 127.0.0.1 through, and nothing else", () => {
    const devEnv = { ...env, ALLOW_LOOPBACK_FETCH: "true" } as Env;
    const ctx = { ...backgroundContext(devEnv), config: getConfig(devEnv) };
    expect(ctx.config.ALLOW_LOOPBACK_FETCH).toBe(true);
    expect(validateWebhookUrl(ctx, "http://localhost:4000/hook")).toBe("http://localhost:4000/hook");
    expect(validateWebhookUrl(ctx, "http://127.0.0.1:4000/hook")).toBe("http://127.0.0.1:4000/hook");
    expect(() => validateWebhookUrl(ctx, "http://hooks.example.com/h")).toThrow(ApiError);
    expect(() => validateWebhookUrl(ctx, "http://10.0.0.1/h")).toThrow(ApiError);
    // Without the flag, loopback is refused.
    expect(() => validateWebhookUrl(backgroundContext({ ...env, ALLOW_LOOPBACK_FETCH: "false" } as Env), "http://localhost:4000/hook")).toThrow(ApiError);
  });
});

describe("secret rotation", () => {
  it("rotating keeps the old secret signing for 24 h: both signatures are sent and either secret verifies", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const before = Date.now();
    const rot = await api(acct, `/webhooks/${ep.id}/rotate-secret`, { method: "POST" });
    expect(rot.status).toBe(200);
    const rotated = await readWire(rot, WebhookSecretSchema);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(ep.secret);
    const expires = Date.parse(rotated.previousSecretExpiresAt!);
    expect(expires - before).toBeGreaterThanOrEqual(86400_000 - 5000);
    expect(expires - before).toBeLessThanOrEqual(86400_000 + 5000);
    expect((await readWire(await api(acct, `/webhooks/${ep.id}/secret`), WebhookSecretSchema)).secret).toBe(rotated.secret);

    const q = captureWebhookQueue();
    expect((await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" })).status).toBe(202);
    const rx = mockReceiver([new Response("ok")]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    const req = rx.received[0]!;
    expect(req.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(ep.secret).verify(req.body, req.headers)).toMatchObject({ type: "webhook.test" });
    expect(new Webhook(rotated.secret).verify(req.body, req.headers)).toMatchObject({ type: "webhook.test" });
  });

  it("overlapSeconds 0 retires the old secret at once (e.g. after a leak)", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const rotated = await readWire(await api(acct, `/webhooks/${ep.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 0 } }), WebhookSecretSchema);
    expect(rotated.previousSecretExpiresAt).toBeNull();
    const q = captureWebhookQueue();
    await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
    const rx = mockReceiver([new Response("ok")]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    const req = rx.received[0]!;
    expect(req.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(ep.secret).verify(req.body, req.headers)).toThrow();
    expect(new Webhook(rotated.secret).verify(req.body, req.headers)).toBeTruthy();
    await expectEnvelope(await api(acct, `/webhooks/${ep.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 90000 } }), 400, "VALIDATION_FAILED");
  });

  it("after the overlap only the new secret signs", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const rotated = await readWire(await api(acct, `/webhooks/${ep.id}/rotate-secret`, { method: "POST" }), WebhookSecretSchema);
    await env.DB.prepare("UPDATE webhook_endpoints SET previous_secret_expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, ep.id)
      .run();
    const q = captureWebhookQueue();
    await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
    const rx = mockReceiver([new Response("ok")]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(rx.received[0]!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(new Webhook(rotated.secret).verify(rx.received[0]!.body, rx.received[0]!.headers)).toBeTruthy();
    expect(await readWire(await api(acct, `/webhooks/${ep.id}`), WebhookEndpointSchema)).toMatchObject({ previousSecretExpiresAt: null });
  });

  it("the default secret is created on first read, stable, per account, and rotatable", async () => {
    const acct = await createAccount();
    const other = await createAccount();
    const s1 = await readWire(await api(acct, "/webhooks/default-secret"), WebhookSecretSchema);
    expect(s1).toEqual({ livemode: true, secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: null });
    expect((await readWire(await api(acct, "/webhooks/default-secret"), WebhookSecretSchema)).secret).toBe(s1.secret);
    expect((await readWire(await api(other, "/webhooks/default-secret"), WebhookSecretSchema)).secret).not.toBe(s1.secret);
    const rot = await readWire(await api(acct, "/webhooks/default-secret/rotate", { method: "POST" }), WebhookSecretSchema);
    expect(rot.secret).not.toBe(s1.secret);
    expect(rot.previousSecretExpiresAt).not.toBeNull();
    const stored = await env.DB.prepare("SELECT secret_enc, previous_secret_enc FROM webhook_default_secrets WHERE account_id = ?")
      .bind(acct.accountId)
      .first<Record<string, string>>();
    expect(JSON.stringify(stored)).not.toContain(s1.secret.slice(6));
  });
});

describe("test events, delivery log and manual retry", () => {
  it("POST /test sends a signed webhook.test event through the queue; the log shows it with its attempts", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const res = await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
    expect(res.status).toBe(202);
    const delivery = await readWire(res, WebhookDeliverySchema);
    expect(delivery).toMatchObject({ id: expect.stringMatching(/^msg_/), status: "PENDING", eventType: "webhook.test", endpointId: ep.id });
    expect(q.messages).toEqual([{ accountId: acct.accountId, deliveryId: delivery.id }]);

    const rx = mockReceiver([new Response('{"received":true}', { status: 200 })]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(rx.received[0]!.headers["webhook-id"]).toBe(delivery.id);
    const event = new Webhook(ep.secret).verify(rx.received[0]!.body, rx.received[0]!.headers) as { type: string; data: { endpointId: string } };
    expect(event).toMatchObject({ type: "webhook.test", data: { endpointId: ep.id } });

    const log = await readWire(await api(acct, `/webhooks/${ep.id}/deliveries`), WebhookDeliveryListSchema);
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ id: delivery.id, status: "SUCCEEDED" });
    expect(log.items[0]!.attempts).toEqual([expect.objectContaining({ attemptNo: 1, statusCode: 200, responseSnippet: '{"received":true}' })]);
    const one = await api(acct, `/webhooks/${ep.id}/deliveries/${delivery.id}`);
    expect(one.status).toBe(200);
    await expectEnvelope(await api(acct, `/webhooks/${ep.id}/deliveries/msg_unknown`), 404, "WEBHOOK_NOT_FOUND");
  });

  it("a test event reaches a disabled endpoint (to check a fix before re-enabling)", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct, { enabled: false });
    const q = captureWebhookQueue();
    await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
    const rx = mockReceiver([new Response("ok")]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    expect(rx.received).toHaveLength(1);
  });

  it("a failing test event to a manually disabled endpoint leaves its state alone", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct, { enabled: false });
    const state = () =>
      env.DB.prepare("SELECT enabled, disabled_reason, failing_since FROM webhook_endpoints WHERE id = ?").bind(ep.id).first<Record<string, unknown>>();
    const before = await state();
    for (const reply of [new Response("down", { status: 500 }), new Response("gone", { status: 410 })]) {
      const q = captureWebhookQueue();
      await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
      mockReceiver([reply]);
      await runWebhookConsumer([{ body: q.messages[0]! }]);
      q.restore();
    }
    expect(await state()).toEqual(before);
  });

  it("the response snippet keeps only the first 1 KB", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" });
    mockReceiver([new Response("x".repeat(5000), { status: 500 })]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    const [row] = await deliveriesOf(acct.accountId);
    const [attempt] = await attemptsOf(row!.id);
    expect(attempt!.response_snippet).toBe("x".repeat(1024));
  });

  it("manual retry of a FAILED delivery makes one more attempt with the same webhook-id", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const created = await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema);
    const rx = mockReceiver([new Response("down", { status: 500 }), new Response("ok", { status: 200 })]);
    // The last scheduled attempt fails: the delivery is FAILED.
    await runWebhookConsumer([{ body: q.messages[0]!, attempts: 8 }]);
    expect((await deliveriesOf(acct.accountId))[0]!.status).toBe("FAILED");

    const res = await api(acct, `/webhooks/${ep.id}/deliveries/${created.id}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await readWire(res, WebhookDeliverySchema)).toMatchObject({ id: created.id, status: "PENDING" });
    expect(q.messages).toHaveLength(2);
    expect(q.messages[1]).toEqual({ accountId: acct.accountId, deliveryId: created.id, manual: { scheduled: false } });
    const run = await runWebhookConsumer([{ body: q.messages[1]! }]);
    expect(run.retries).toEqual([]);

    expect(rx.received.map((r) => r.headers["webhook-id"])).toEqual([created.id, created.id]);
    const [row] = await deliveriesOf(acct.accountId);
    expect(row!.status).toBe("SUCCEEDED");
    expect((await attemptsOf(created.id)).map((a) => a.status_code)).toEqual([500, 200]);
  });

  it("a failed manual retry of a finished delivery ends FAILED without starting a new schedule", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const created = await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema);
    mockReceiver([new Response("down", { status: 500 })]);
    await runWebhookConsumer([{ body: q.messages[0]!, attempts: 8 }]);
    await api(acct, `/webhooks/${ep.id}/deliveries/${created.id}/retry`, { method: "POST" });
    const run = await runWebhookConsumer([{ body: q.messages[1]! }]);
    expect(run.retries).toEqual([]);
    expect((await deliveriesOf(acct.accountId))[0]!.status).toBe("FAILED");
  });

  it("the delivery log pages with a cursor and filters by status", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    captureWebhookQueue();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema)).id);
    const p1 = await readWire(await api(acct, `/webhooks/${ep.id}/deliveries?limit=2`), WebhookDeliveryListSchema);
    expect(p1.items.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    expect(p1.hasMore).toBe(true);
    const p2 = await readWire(await api(acct, `/webhooks/${ep.id}/deliveries?limit=2&cursor=${p1.nextCursor}`), WebhookDeliveryListSchema);
    expect(p2.items.map((d) => d.id)).toEqual([ids[0]]);
    const succeeded = await readWire(await api(acct, `/webhooks/${ep.id}/deliveries?status=SUCCEEDED`), WebhookDeliveryListSchema);
    expect(succeeded.items).toEqual([]);
  });
});

describe("retention and recovery sweep", () => {
  it("purges deliveries (and their attempts) past 30 days and re-enqueues first messages that were lost", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const oldD = (await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema)).id;
    mockReceiver([new Response("ok")]);
    await runWebhookConsumer([{ body: q.messages[0]! }]);
    const lost = (await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema)).id;
    const now = Date.now();
    await env.DB.prepare("UPDATE webhook_deliveries SET created_at = ? WHERE id = ?")
      .bind(now - 31 * 86400_000, oldD)
      .run();
    await env.DB.prepare("UPDATE webhook_deliveries SET created_at = ?, next_attempt_at = ? WHERE id = ?")
      .bind(now - 20 * 60_000, now - 20 * 60_000, lost)
      .run();
    q.messages.length = 0;

    const result = await SWEEP_STEPS.webhooks(env, now);
    expect(result).toMatchObject({ purged: 1, requeued: 1 });
    expect((await deliveriesOf(acct.accountId)).map((d) => d.id)).toEqual([lost]);
    expect(await attemptsOf(oldD)).toEqual([]);
    expect(q.messages).toEqual([{ accountId: acct.accountId, deliveryId: lost }]);
    // Just re-enqueued: the next sweep leaves it alone.
    expect(await SWEEP_STEPS.webhooks(env, now + 60_000)).toMatchObject({ requeued: 0 });
  });

  it("a retry whose queue message was lost is re-enqueued where its schedule stood; a late stale copy is dropped", async () => {
    const acct = await createAccount();
    const ep = await createEndpoint(acct);
    const q = captureWebhookQueue();
    const id = (await readWire(await api(acct, `/webhooks/${ep.id}/test`, { method: "POST" }), WebhookDeliverySchema)).id;
    const rx = mockReceiver([new Response("down", { status: 500 })]);
    const r1 = await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }]);
    expect(r1.retries[0]!.delaySeconds).toBe(5);
    const original = q.messages[0]!;
    // The 5 s retry never arrives (e.g. lost in a local restart): 20 min later the sweep re-sends it.
    const now = Date.now();
    await env.DB.prepare("UPDATE webhook_deliveries SET created_at = ?, next_attempt_at = ? WHERE id = ?")
      .bind(now - 25 * 60_000, now - 20 * 60_000, id)
      .run();
    q.messages.length = 0;
    expect(await SWEEP_STEPS.webhooks(env, now)).toMatchObject({ requeued: 1 });
    expect(q.messages).toEqual([{ accountId: acct.accountId, deliveryId: id, offset: 1 }]);
    const r2 = await runWebhookConsumer([{ body: q.messages[0]!, attempts: 1 }]);
    expect(r2.retries[0]!.delaySeconds).toBe(300); // attempt 2 of the schedule, not attempt 1 again
    // The original message finally shows up, long before the delivery's next attempt: dropped.
    const late = await runWebhookConsumer([{ body: original, attempts: 2 }], { elapse: false });
    expect(late.explicitAcks).toHaveLength(1);
    expect(rx.received).toHaveLength(2);
    expect((await attemptsOf(id)).map((a) => a.attempt_no)).toEqual([1, 2]);
  });
});

describe("OpenAPI", () => {
  it("documents the routes and the event payloads", async () => {
    const doc = (await (await call("/tryon/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
      webhooks?: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const p of [
      "/tryon/v1/webhooks",
      "/tryon/v1/webhooks/{id}",
      "/tryon/v1/webhooks/{id}/secret",
      "/tryon/v1/webhooks/{id}/rotate-secret",
      "/tryon/v1/webhooks/{id}/test",
      "/tryon/v1/webhooks/{id}/deliveries",
      "/tryon/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
      "/tryon/v1/webhooks/default-secret",
      "/tryon/v1/webhooks/default-secret/rotate",
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(Object.keys(doc.webhooks ?? {}).sort()).toEqual(["generation.completed", "generation.failed", "webhook.test"]);
    expect(doc.components.schemas).toHaveProperty("GenerationEvent");
    expect(doc.components.schemas).toHaveProperty("WebhookDelivery");
  });
});
