import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser";

const base = inject("baseUrl");
const email = `e2e-${Date.now().toString(36)}@example.com`;
const password = "violet-Anchor-58-quartz";

const assets = join(import.meta.dirname, "..", "..", "scripts", "assets");

let browser: TestBrowser;
/** The key the journey creates on the keys page, then uses, rolls and revokes. */
let apiKey = "";

/**
 * A local webhook receiver: it answers 500 to the first delivery and 200 after, so the journey
 * sees a failed delivery in the log, retries it from the page, and sees it succeed.
 */
const received: string[] = [];
let receiver: Server;
let receiverUrl = "";

beforeAll(async () => {
  browser = await launchBrowser(base);
  // Revoke and delete ask for confirmation (app.js): the journey confirms.
  browser.page.on("dialog", (d) => void d.accept());
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(req.url ?? "");
      res.writeHead(received.length === 1 ? 500 : 200).end(received.length === 1 ? "not yet" : "ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks/drape`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => receiver?.close(r));
});

/** Calls the API with the journey's key. */
function callApi(path: string, init: RequestInit = {}, key = apiKey): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("x-api-key", key);
  return fetch(`${base}/tryon/v1${path}`, { ...init, headers });
}

/** Reloads `path` until `ready` holds (a queue consumer or a delivery runs in the background). */
async function reloadUntil(path: string, ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await browser.page.goto(`${base}${path}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${path}: still no ${what} after 60 s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The page has no horizontal scroll at this viewport. */
async function expectNoHorizontalScroll() {
  // A string: the function runs in the page, whose DOM types this (Workers-typed) project lacks.
  const overflow = await browser.page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
  expect(overflow).toBeLessThanOrEqual(0);
}

describe("a new integrator, from sign-up to a working API key, in the browser", () => {
  it("signs up", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/sign-up`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Company or project name").fill("E2E shop");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  });

  it("verifies the email through the dev outbox page", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/dev/outbox`);
    const message = page.getByRole("article", { name: "Verify your email for Drape" }).filter({ hasText: email });
    await message.getByRole("link", { name: /verify-email/ }).click();
    await page.getByRole("heading", { name: "Email verified" }).waitFor();
  });

  it("signs in and lands on the overview with the starting credits", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/keys`);
    expect(page.url()).toBe(`${base}/dashboard/sign-in?next=%2Fdashboard%2Fkeys`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/dashboard/keys`);
    await page.getByRole("link", { name: "Overview" }).click();
    expect(await page.getByTestId("credit-balance").textContent()).toBe("10");
    await expectNoHorizontalScroll();
  });

  it("creates an API key, reads it from the page, and the API accepts it", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name").fill("e2e");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByTestId("new-api-key").inputValue();
    expect(key).toMatch(/^dr_live_[0-9A-Za-z]{32}$/);
    apiKey = key;
    const res = await fetch(`${base}/tryon/v1/account`, { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    await page.goto(`${base}/dashboard/keys`); // the list never shows the plaintext again
    expect(await page.content()).not.toContain(key);
  });

  it("fits a 390 px phone and a 1280 px desktop without horizontal scroll, and loads nothing from another origin", async () => {
    for (const width of [390, 1280]) {
      await browser.page.setViewportSize({ width, height: 844 });
      for (const path of ["/dashboard", "/dashboard/keys", "/dashboard/account", "/dashboard/generations"]) {
        await browser.page.goto(`${base}${path}`);
        await expectNoHorizontalScroll();
      }
    }
    expect(browser.foreignRequests).toEqual([]);
  });

  it("uses the key for a real try-on, and sees the generation with its thumbnails in the dashboard", async () => {
    const upload = new FormData();
    upload.set("file", new Blob([readFileSync(join(assets, "person.jpg"))], { type: "image/jpeg" }), "person.jpg");
    const imageRes = await callApi("/images/upload", { method: "POST", body: upload });
    expect(imageRes.status, await imageRes.clone().text()).toBe(201);
    const image = (await imageRes.json()) as { imageId: string };
    const product = new FormData();
    product.set("data", JSON.stringify({ externalId: "e2e-tee", title: "Striped tee", images: [{ source: { fileKey: "front" } }] }));
    product.set("front", new Blob([readFileSync(join(assets, "garment.png"))], { type: "image/png" }), "garment.png");
    expect((await callApi("/products", { method: "POST", body: product })).status).toBe(200);
    const tryOn = await callApi("/try-on", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ products: [{ externalId: "e2e-tee" }], person: { image: { source: { id: image.imageId } } }, category: "tops" }),
    });
    expect(tryOn.status, await tryOn.clone().text()).toBe(202);
    const { generationId } = (await tryOn.json()) as { generationId: string };

    const { page } = browser;
    await reloadUntil(`/dashboard/generations/${generationId}`, async () => (await page.getByRole("img", { name: "Result" }).count()) > 0, "result");
    for (const name of ["Person", "Garment 1", "Result"]) {
      const img = page.getByRole("img", { name });
      await img.scrollIntoViewIfNeeded();
      // The thumbnail really loaded (a signed URL the browser could fetch), not just an <img> tag.
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    await page.goto(`${base}/dashboard/generations`);
    await expect.poll(() => page.locator(`a[href="/dashboard/generations/${generationId}"]`).count()).toBeGreaterThan(0);
  });

  it("adds a webhook endpoint for a local receiver, sees the failed delivery in the log, retries it and sees it succeed", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/webhooks`);
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const endpointLink = page.getByRole("link", { name: receiverUrl });
    await endpointLink.click();
    const endpointPath = new URL(page.url()).pathname;
    await page.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    const retry = page.getByRole("button", { name: /^Retry delivery / });
    await reloadUntil(
      endpointPath,
      async () => (await retry.count()) > 0 && (await page.locator("tr[data-delivery]").first().textContent())?.includes("Attempt") === true,
      "delivery",
    );
    await retry.first().click();
    await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await reloadUntil(
      endpointPath,
      async () => ((await page.locator("tr[data-delivery]").first().textContent()) ?? "").includes("SUCCEEDED"),
      "SUCCEEDED delivery",
    );
  });

  it("rolls the key (no overlap) and then revokes its successor; the API refuses each old key", async () => {
    const { page } = browser;
    const first = apiKey;
    await page.goto(`${base}/dashboard/keys`);
    await page.getByRole("link", { name: "Roll e2e" }).click();
    await page.getByLabel("Overlap (hours)").fill("0");
    await page.getByRole("button", { name: "Roll key" }).click();
    const successor = await page.getByTestId("new-api-key").inputValue();
    expect(successor).toMatch(/^dr_live_[0-9A-Za-z]{32}$/);
    expect((await callApi("/account", {}, first)).status).toBe(401);
    expect((await callApi("/account", {}, successor)).status).toBe(200);

    await page.goto(`${base}/dashboard/keys`);
    await page.getByRole("button", { name: "Revoke e2e" }).first().click();
    await page.waitForLoadState();
    await expect.poll(async () => (await callApi("/account", {}, successor)).status, { timeout: 35_000 }).toBe(401);
  });

  it("invites a developer, who joins from the emailed link and cannot manage members or settings", async () => {
    const { page } = browser;
    const devEmail = `dev-${Date.now().toString(36)}@example.com`;
    await page.goto(`${base}/dashboard/members`);
    await page.getByLabel("Email").fill(devEmail);
    await page.getByRole("button", { name: "Send invite" }).click();
    await page.getByText(devEmail).first().waitFor();

    const dev = await launchBrowser(base);
    try {
      await dev.page.goto(`${base}/dashboard/dev/outbox`);
      const message = dev.page.getByRole("article", { name: "You are invited to E2E shop on Drape" }).filter({ hasText: devEmail });
      await message.getByRole("link").first().click();
      await dev.page.getByLabel("Password").fill("copper-Lantern-93-meadow");
      await dev.page.getByRole("button", { name: "Join" }).click();
      await dev.page.waitForURL(`${base}/dashboard`);
      for (const path of ["/dashboard/members", "/dashboard/settings"]) {
        expect((await dev.page.goto(`${base}${path}`))?.status(), path).toBe(403);
      }
      expect((await dev.page.goto(`${base}/dashboard/keys`))?.status()).toBe(200);
      await expect.poll(() => dev.page.getByRole("link", { name: "Members" }).count()).toBe(0);
    } finally {
      await dev.close();
    }
  });
});
