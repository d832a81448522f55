import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadKeyring, sealSecret } from "../../../src/lib/secret-box";
import { AtRestKeyStatusSchema, ResealResultSchema } from "../../../src/schemas/at-rest-key";
import { WebhookSecretSchema } from "../../../src/schemas/webhooks";
import { onGenerationFinished } from "../../../src/services/generations/events";
import { keyIdOf, legacySealText, randomKey, TEST_KEY } from "../../helpers/at-rest-keys";
import { ADMIN_TOKEN, callWithEnv, createAccount, readWire } from "../../helpers/harness";
import { captureWebhookQueue, createEndpoint, env, insertGeneration, mockReceiver, runWebhookConsumer } from "../../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

async function send(vars: Record<string, string>, path: string, init: { method?: string; json?: unknown; key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.key ? { "x-api-key": init.key } : { authorization: `Bearer ${ADMIN_TOKEN}` });
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return await callWithEnv({ ...env, ...vars } as Env, path, {
    method: init.method ?? "GET",
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

interface Status {
  currentKeyId: string;
  previousKeyIds: string[];
  stale: { webhook_endpoints: number; webhook_default_secrets: number };
}
interface Result extends Status {
  resealed: number;
  unreadable: Array<{ table: string; id: string; keyId: string | null }>;
  nextCursor: string | null;
}

describe("completing a rotation: POST /admin/v1/at-rest-key/reseal", () => {
  it("re-seals every webhook secret under the new key, in batches; then the previous key can go and nothing is lost", async () => {
    const NEW = randomKey();
    const rotating = { AT_REST_KEY: NEW, AT_REST_KEY_PREVIOUS: TEST_KEY };
    const acct = await createAccount();
    const a = await createEndpoint(acct);
    const b = await createEndpoint(acct, { url: "https://hooks.example.com/b" });
    // One secret still in the format before key ids, one endpoint mid-rotation (old secret in its overlap).
    const legacySecret = "whsec_bGVnYWN5LXNlY3JldC1zdG9yZWQtYmVmb3JlLWtleS1pZHM=";
    await env.DB.prepare("UPDATE webhook_endpoints SET secret_enc = ? WHERE id = ?")
      .bind(await legacySealText(TEST_KEY, legacySecret, `webhook_endpoints:${a.id}`), a.id)
      .run();
    const rotatedB = await readWire(
      await send({}, `/tryon/v1/webhooks/${b.id}/rotate-secret`, { method: "POST", json: {}, key: acct.key }),
      WebhookSecretSchema,
    );
    const defaultSecret = (await readWire(await send({}, "/tryon/v1/webhooks/default-secret", { key: acct.key }), WebhookSecretSchema)).secret;
    // A secret sealed under a key nobody has any more: reported, skipped, and the loop still ends.
    const lost = await createEndpoint(acct, { url: "https://hooks.example.com/lost" });
    const strangerKey = randomKey();
    await env.DB.prepare("UPDATE webhook_endpoints SET secret_enc = ? WHERE id = ?")
      .bind(await sealSecret(await loadKeyring(strangerKey), "webhook-secret", "whsec_x", `webhook_endpoints:${lost.id}`), lost.id)
      .run();

    const before = await readWire(await send(rotating, "/admin/v1/at-rest-key"), AtRestKeyStatusSchema);
    expect(before.currentKeyId).toBe(await keyIdOf(NEW));
    expect(before.previousKeyIds).toEqual([await keyIdOf(TEST_KEY)]);
    expect(before.stale).toEqual({ webhook_endpoints: 3, webhook_default_secrets: 1 });

    let cursor: string | undefined;
    let resealed = 0;
    const unreadable: Result["unreadable"] = [];
    for (let calls = 0; calls < 10; calls++) {
      const res = await send(rotating, "/admin/v1/at-rest-key/reseal", { method: "POST", json: { limit: 1, ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      const r = await readWire(res, ResealResultSchema);
      resealed += r.resealed;
      unreadable.push(...r.unreadable);
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    expect(resealed).toBe(3);
    expect(unreadable).toEqual([{ table: "webhook_endpoints", id: lost.id, keyId: await keyIdOf(strangerKey) }]);
    const after = await readWire(await send(rotating, "/admin/v1/at-rest-key"), AtRestKeyStatusSchema);
    expect(after.stale).toEqual({ webhook_endpoints: 1, webhook_default_secrets: 0 }); // only the lost one

    // The previous key is removed: every secret still reads, as it was.
    const dropped = { AT_REST_KEY: NEW, AT_REST_KEY_PREVIOUS: "" };
    const read = async (path: string) => (await readWire(await send(dropped, `/tryon/v1${path}`, { key: acct.key }), WebhookSecretSchema)).secret;
    expect(await read(`/webhooks/${a.id}/secret`)).toBe(legacySecret);
    expect(await read(`/webhooks/${b.id}/secret`)).toBe(rotatedB.secret);
    expect(await read("/webhooks/default-secret")).toBe(defaultSecret);

    // Mid-rotation endpoint: both its new and its old secret still sign, under the new key alone.
    const genId = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const q = captureWebhookQueue();
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: genId, status: "COMPLETED", webhookUrl: null });
    const rx = mockReceiver([new Response("ok", { status: 200 })]);
    for (const m of q.messages) await runWebhookConsumer([{ body: m }], { vars: dropped });
    const toB = rx.received.find((r) => r.url === "https://hooks.example.com/b");
    expect(toB?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(b.secret).verify(toB!.body, toB!.headers)).toMatchObject({ type: "generation.completed" });
    expect(new Webhook(rotatedB.secret).verify(toB!.body, toB!.headers)).toMatchObject({ type: "generation.completed" });
  });

  it("with no body, one batch of 100; the operator token is required", async () => {
    const res = await send({}, "/admin/v1/at-rest-key/reseal", { method: "POST" });
    expect(res.status).toBe(200);
    expect((await readWire(res, ResealResultSchema)).nextCursor).toBeNull();
    const anon = await callWithEnv(env, "/admin/v1/at-rest-key");
    expect(anon.status).toBe(401);
  });
});
