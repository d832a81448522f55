import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Drape, DrapeError, type WebhookEvent } from "../../src/index.js";
import { fileFromPath } from "../../src/node.js";

// The README walkthrough, through the client, against a live Drape started as `npm start` starts it
// (test/e2e/global-setup.ts): account, upload, product with a file part, try-on + waitFor, the sync
// hold, cancel, credits, cursor iterators, idempotent retries, and a webhook the client verifies.
const baseUrl = inject("baseUrl");
const apiKey = inject("demoApiKey");
const asset = (name: string) => fileURLToPath(new URL(`../../../../scripts/assets/${name}`, import.meta.url));
const RUN = Date.now().toString(36);
const PRODUCT = `client-shirt-${RUN}`;

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/drape`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("@drape/client against a live Drape (the README walkthrough)", () => {
  const drape = new Drape({ apiKey, baseUrl });
  let imageId: string;

  it("1. reads the account, in live mode", async () => {
    expect(drape.livemode).toBe(true);
    const account = await drape.account.get();
    expect(account).toMatchObject({ accountId: expect.stringMatching(/^acc_/), creditBalance: expect.any(Number) });
  });

  it("2-3. uploads a person photo from a path, and registers a product whose image travels as a file part", async () => {
    const image = await drape.images.upload(await fileFromPath(asset("person.jpg")), { externalUserId: `user-${RUN}` });
    expect(image.imageId).toMatch(/^img_/);
    imageId = image.imageId;
    const photo = await fetch(image.imageUrl);
    expect(photo.status).toBe(200);

    const product = await drape.products.upsert(
      { externalId: PRODUCT, title: "Striped shirt", images: [{ source: { fileKey: "front" } }] },
      { files: { front: await fileFromPath(asset("garment.png")) } },
    );
    expect(product).toMatchObject({ externalId: PRODUCT, title: "Striped shirt" });
    expect(product.images).toHaveLength(1);
  });

  it("4-5. starts a try-on, waits for it, and fetches the signed result; the webhook it triggers verifies", async () => {
    const endpoint = await drape.webhooks.create({ url: receiverUrl, events: ["generation.completed"] });
    const before = await drape.account.credits();
    const accepted = await drape.tryOn.create({ products: [{ externalId: PRODUCT }], person: { image: { source: { id: imageId } } } });
    expect(accepted.status).toBe("PENDING");
    const done = await drape.generations.waitFor(accepted, { timeout: 60_000 });
    expect(done).toMatchObject({ generationId: accepted.generationId, status: "COMPLETED" });
    const result = await fetch(done.resultImageUrl ?? "");
    expect(result.status).toBe(200);
    expect(new Uint8Array(await result.arrayBuffer()).slice(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
    const after = await drape.account.credits();
    expect(after.spent - before.spent).toBe(1);

    // The delivery Drape signed, verified by the client with the endpoint's secret.
    const delivery = await until("the webhook", () => deliveries.find((d) => d.body.includes(accepted.generationId)));
    const event: WebhookEvent = await drape.webhooks.verify(delivery.body, delivery.headers as Record<string, string>, endpoint.secret);
    expect(event).toMatchObject({ type: "generation.completed", data: { generationId: accepted.generationId, status: "COMPLETED" } });
    await expect(
      drape.webhooks.verify(delivery.body.replace("COMPLETED", "FAILED"), delivery.headers as Record<string, string>, endpoint.secret),
    ).rejects.toThrow(/no webhook-signature matches/);
    await drape.webhooks.delete(endpoint.id);
  });

  it("the sync hold: tryOn.run answers with the finished generation; cancelling it then is a 409 DrapeError", async () => {
    const done = await drape.tryOn.run({ products: [{ externalId: PRODUCT }], person: { image: { source: { id: imageId } } } }, { timeout: 60_000 });
    expect(done.status).toBe("COMPLETED");
    const err = await drape.generations.cancel(done.generationId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrapeError);
    expect(err).toMatchObject({ status: 409, retryable: false, requestId: expect.stringMatching(/^req_/) });
  });

  it("the same Idempotency-Key twice starts one generation and charges one credit", async () => {
    const before = await drape.account.credits();
    const body = { products: [{ externalId: PRODUCT }], person: { image: { source: { id: imageId } } } };
    const key = `client-test-${RUN}`;
    const first = await drape.tryOn.create(body, { idempotencyKey: key });
    const again = await drape.tryOn.create(body, { idempotencyKey: key });
    expect(again.generationId).toBe(first.generationId);
    await drape.generations.waitFor(first);
    const after = await drape.account.credits();
    expect(after.spent - before.spent).toBe(1);
  });

  it("cursor iterators walk every page", async () => {
    const products: string[] = [];
    for await (const p of drape.products.list({ limit: 1 })) products.push(p.externalId);
    expect(products).toContain(PRODUCT);
    const generations = await drape.generations.list({ productExternalId: PRODUCT, limit: 1 }).toArray();
    expect(generations.length).toBeGreaterThanOrEqual(3);
    expect(new Set(generations.map((g) => g.generationId)).size).toBe(generations.length);
  });

  it("a bad key is a 401 DrapeError, a bad body a 400 naming the field", async () => {
    const stranger = new Drape({ apiKey: "dr_live_00000000000000000000000000000000", baseUrl });
    await expect(stranger.account.get()).rejects.toMatchObject({ code: "INVALID_API_KEY", status: 401, retryable: false });
    const err = (await drape.tryOn
      .create({ products: [{ externalId: "" }], person: { image: { source: { id: imageId } } } })
      .catch((e: unknown) => e)) as DrapeError;
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", status: 400 });
    expect(err.fieldErrors.map((f) => f.path)).toContain("products.0.externalId");
  });
});
