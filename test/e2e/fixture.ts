import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";

/**
 * What the quality runs (test/e2e/pages.test.ts) and `npm run screenshots` need on the pages: a
 * signed-in integrator with a key, and a finished try-on. Everything goes through the browser and
 * the public API, as a user would.
 */

export const E2E_PASSWORD = "violet-Anchor-58-quartz";

export interface Integrator {
  email: string;
  key: string;
  keyId: string;
}

/** Signs up, verifies through the dev outbox page, signs in and creates a key, all in `page`. */
export async function signUpWithKey(page: Page, base: string, opts: { email: string; accountName: string }): Promise<Integrator> {
  await page.goto(`${base}/dashboard/sign-up`);
  await page.getByLabel("Email").fill(opts.email);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByLabel("Company or project name").fill(opts.accountName);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  await page.goto(`${base}/dashboard/dev/outbox`);
  const message = page.getByRole("article", { name: "Verify your email for Drape" }).filter({ hasText: opts.email });
  await message.getByRole("link", { name: /verify-email/ }).click();
  await page.getByRole("heading", { name: "Email verified" }).waitFor();
  await page.goto(`${base}/dashboard/sign-in`);
  await page.getByLabel("Email").fill(opts.email);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/dashboard`);
  await page.goto(`${base}/dashboard/keys`);
  await page.getByLabel("Name").fill("production");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = await page.getByTestId("new-api-key").inputValue();
  const action = await page.locator('form[action$="/revoke"]').first().getAttribute("action");
  const keyId = /\/dashboard\/keys\/([^/]+)\/revoke/.exec(action ?? "")?.[1];
  if (!keyId) throw new Error("no key id on the keys page");
  return { email: opts.email, key, keyId };
}

const asset = (name: string) => readFileSync(join(import.meta.dirname, "..", "..", "scripts", "assets", name));

async function api(base: string, key: string, method: string, path: string, body?: FormData | object): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { "x-api-key": key };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${base}/tryon/v1${path}`, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A try-on with the bundled sample photo and garment (as `npm run demo`), polled until it finishes; its id. */
export async function finishedTryOn(base: string, key: string): Promise<string> {
  const upload = new FormData();
  upload.set("file", new Blob([asset("person.jpg")], { type: "image/jpeg" }), "person.jpg");
  upload.set("externalUserId", "shopper-1");
  const image = await api(base, key, "POST", "/images/upload", upload);
  const product = new FormData();
  product.set("data", JSON.stringify({ externalId: "striped-tee", title: "Striped tee", images: [{ source: { fileKey: "front" } }] }));
  product.set("front", new Blob([asset("garment.png")], { type: "image/png" }), "garment.png");
  await api(base, key, "POST", "/products", product);
  const accepted = await api(base, key, "POST", "/try-on", {
    products: [{ externalId: "striped-tee" }],
    person: { image: { source: { id: image.imageId } } },
    externalUserId: "shopper-1",
    category: "tops",
  });
  const id = String(accepted.generationId);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const g = await api(base, key, "GET", `/generations/${id}`);
    if (g.status === "COMPLETED") return id;
    if (g.status === "FAILED") throw new Error(`try-on ${id} failed: ${String(g.errorCode)}`);
    if (Date.now() > deadline) throw new Error(`try-on ${id} still ${String(g.status)} after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A webhook endpoint for the account's generations, created through the API before a try-on; its id. */
export async function webhookEndpoint(base: string, key: string): Promise<string> {
  const endpoint = await api(base, key, "POST", "/webhooks", {
    url: "https://hooks.example.com/drape",
    description: "Order system",
    events: ["generation.completed", "generation.failed"],
  });
  return String(endpoint.id);
}

/** The delivery a finished generation made (to the endpoint created before it); its id. */
export async function deliveryOf(base: string, key: string, generationId: string): Promise<string> {
  const list = await api(base, key, "GET", `/webhooks/deliveries?generationId=${encodeURIComponent(generationId)}`);
  const [first] = (list.items ?? []) as Array<{ id?: string }>;
  if (!first?.id) throw new Error(`generation ${generationId} made no webhook delivery`);
  return first.id;
}

/**
 * What the parameterised pages need, as the route list names it (test/helpers/dashboard-routes.ts):
 * the key, a finished try-on of the sample product, the endpoint its webhook went to with the delivery,
 * and the integrator's account (the operator console's account page).
 */
export async function pageIds(base: string, integrator: Integrator): Promise<Record<string, string>> {
  const endpointId = await webhookEndpoint(base, integrator.key);
  const generationId = await finishedTryOn(base, integrator.key);
  const deliveryId = await deliveryOf(base, integrator.key, generationId);
  const accountId = String((await api(base, integrator.key, "GET", "/account")).accountId);
  return { keyId: integrator.keyId, generationId, externalId: "striped-tee", endpointId, deliveryId, accountId };
}

/** Opens the operator console in `page` with the operator token, through its sign-in page. */
export async function operatorSignIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/dashboard/operator/sign-in`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Open the console" }).click();
  await page.waitForURL(`${base}/dashboard/operator`);
}
