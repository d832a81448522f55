import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import Fashn, { RateLimitError } from "fashn";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * FASHN's official SDK, unchanged, against a live Drape started as `npm start`
 * starts it: only `baseURL` and the key differ from a FASHN integration.
 * A local receiver serves the input images (the dev server may fetch loopback
 * URLs) and records the `webhook_url` callbacks.
 */
const base = inject("baseUrl");
const root = join(import.meta.dirname, "..", "..");
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(join(root, ".dev.vars"), "utf8"))?.[1] ?? "";
const personJpg = readFileSync(join(root, "scripts", "assets", "person.jpg"));
const garmentPng = readFileSync(join(root, "scripts", "assets", "garment.png"));

interface Callback {
  path: string;
  body: Record<string, unknown>;
}
const callbacks: Callback[] = [];
let receiver: Server;
let receiverBase: string;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    if (req.method === "POST") {
      callbacks.push({ path: req.url ?? "", body: JSON.parse(await readBody(req)) as Record<string, unknown> });
      res.writeHead(200).end("ok");
    } else if (req.url === "/person.jpg") res.writeHead(200, { "content-type": "image/jpeg" }).end(personJpg);
    else if (req.url === "/garment.png") res.writeHead(200, { "content-type": "image/png" }).end(garmentPng);
    else res.writeHead(404).end("gone");
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const address = receiver.address();
  receiverBase = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
});

async function admin<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${base}/admin/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A fresh account with `credits` and a key limited to `perMinute` requests; the SDK client for it. */
async function fashnClient(credits: number, key: { rateLimitPerMinute?: number; rateLimitBurst?: number } = {}, maxRetries = 2) {
  const account = await admin<{ id: string }>("/accounts", { name: `fashn-sdk-${Date.now()}` });
  if (credits > 0) await admin(`/accounts/${account.id}/credits`, { amount: credits, reason: "fashn sdk test" });
  const created = await admin<{ key: string }>(`/accounts/${account.id}/keys`, { name: "fashn", ...key });
  return new Fashn({ apiKey: created.key, baseURL: base, maxRetries });
}

const dataUri = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString("base64")}`;

async function expectFetchableImage(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^image\/(jpeg|png)/);
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
}

describe("FASHN's official SDK against Drape's /v1 facade", () => {
  it("predictions.subscribe with URL inputs: queue updates, then completed with a fetchable output; credits are spent once", async () => {
    const client = await fashnClient(3);
    const seen: string[] = [];
    let enqueued = "";
    const result = await client.predictions.subscribe({
      model_name: "tryon-v1.6",
      inputs: { model_image: `${receiverBase}/person.jpg`, garment_image: `${receiverBase}/garment.png`, category: "tops", mode: "balanced", seed: 42 },
      onEnqueued: (id) => {
        enqueued = id;
      },
      onQueueUpdate: (s) => seen.push(s.status),
      timeout: 60_000,
    });
    expect(result.status, JSON.stringify(result)).toBe("completed");
    expect(result.id).toBe(enqueued);
    expect(result.error).toBeNull();
    expect(result.output).toHaveLength(1);
    await expectFetchableImage(result.output?.[0] as string);
    expect(seen.at(-1)).toBe("completed");
    for (const s of seen) expect(["starting", "in_queue", "processing", "completed"]).toContain(s);

    // The same id through status(), and the balance through /v1/credits (not part of the SDK).
    expect((await client.predictions.status(result.id)).status).toBe("completed");
    const credits = await fetch(`${base}/v1/credits`, { headers: { authorization: `Bearer ${client.apiKey}` } });
    expect(await credits.json()).toEqual({ credits: { total: 2, subscription: 0, on_demand: 2 } });
  });

  it("predictions.subscribe with base64 inputs and return_base64: the output is a data URI of the image", async () => {
    const client = await fashnClient(1);
    const result = await client.predictions.subscribe({
      model_name: "tryon-v1.6",
      inputs: { model_image: dataUri("image/jpeg", personJpg), garment_image: dataUri("image/png", garmentPng), return_base64: true },
      timeout: 60_000,
    });
    expect(result.status, JSON.stringify(result)).toBe("completed");
    const out = result.output?.[0] ?? "";
    expect(out).toMatch(/^data:image\/(jpeg|png);base64,/);
    expect(Buffer.from(out.slice(out.indexOf(",") + 1), "base64").byteLength).toBeGreaterThan(1000);
  });

  it("a failure at run time surfaces as FASHN's runtime error (ImageLoadError), and its credit is refunded", async () => {
    const client = await fashnClient(1);
    const result = await client.predictions.subscribe({
      model_name: "tryon-v1.6",
      inputs: { model_image: `${receiverBase}/person.jpg`, garment_image: `${receiverBase}/gone.png` },
      timeout: 60_000,
    });
    expect(result.status).toBe("failed");
    expect(result.error?.name).toBe("ImageLoadError");
    expect(result.error?.message).toMatch(/product image/i);
    expect(result.output ?? null).toBeNull();
    const credits = await fetch(`${base}/v1/credits`, { headers: { authorization: `Bearer ${client.apiKey}` } });
    expect(((await credits.json()) as { credits: { total: number } }).credits.total).toBe(1);
  });

  it("an empty balance is 429 OutOfCredits, which the SDK raises at once (x-should-retry: false)", async () => {
    const client = await fashnClient(0, {}, 3);
    const started = Date.now();
    const err = await client.predictions
      .run({ model_name: "tryon-v1.6", inputs: { model_image: `${receiverBase}/person.jpg`, garment_image: `${receiverBase}/garment.png` } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).status).toBe(429);
    expect((err as RateLimitError).error).toMatchObject({ error: "OutOfCredits", message: expect.stringContaining("INSUFFICIENT_CREDITS") });
    // Three retries with the SDK's backoff would take seconds; the answer said not to retry.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("over the key's rate limit is 429 RateLimitExceeded with Retry-After, as the SDK's RateLimitError", async () => {
    const client = await fashnClient(5, { rateLimitPerMinute: 1, rateLimitBurst: 1 }, 0);
    await client.predictions.status("gen_unknown").catch(() => undefined);
    const err = await client.predictions.status("gen_unknown").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).error).toMatchObject({ error: "RateLimitExceeded" });
    expect(Number((err as RateLimitError).headers?.get("retry-after"))).toBeGreaterThan(0);
  });

  it("an unknown prediction id is 404 NotFound and a bad key 401 UnauthorizedAccess, in FASHN's format", async () => {
    const client = await fashnClient(1);
    const missing = await client.predictions.status("gen_doesnotexist00000").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, error: { error: "NotFound" } });
    const stranger = new Fashn({ apiKey: "dr_live_not_a_real_key_000000000000", baseURL: base, maxRetries: 0 });
    const denied = await stranger.predictions.status("gen_x").catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 401, error: { error: "UnauthorizedAccess" } });
    const badModel = await client.predictions
      .run({ model_name: "product-to-model", inputs: { product_image: `${receiverBase}/garment.png` } })
      .catch((e: unknown) => e);
    expect(badModel).toMatchObject({ status: 400, error: { error: "BadRequest" } });
  });

  it("webhook_url receives the status object when the prediction completes", async () => {
    const client = await fashnClient(1);
    const { id } = await client.predictions.run({
      model_name: "tryon-v1.6",
      inputs: { model_image: `${receiverBase}/person.jpg`, garment_image: `${receiverBase}/garment.png` },
      webhook_url: `${receiverBase}/hook`,
    });
    const deadline = Date.now() + 60_000;
    while (!callbacks.some((c) => c.body.id === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const callback = callbacks.find((c) => c.body.id === id);
    expect(callback?.path).toBe("/hook");
    expect(callback?.body).toMatchObject({ id, status: "completed", error: null });
    const output = callback?.body.output as string[];
    expect(output).toHaveLength(1);
    await expectFetchableImage(output[0] as string);
  });
});
