import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser";

// WebAuthn refuses an IP address as relying party id: this journey uses the server by name.
const base = inject("baseUrl").replace("127.0.0.1", "localhost");
const email = `e2e-passkey-${Date.now().toString(36)}@example.com`;
const password = "violet-Anchor-58-quartz";

let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser(base);
  // Chromium's virtual authenticator (DevTools protocol): a platform authenticator with resident
  // keys and user verification, which answers every ceremony without a prompt.
  const cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
});
afterAll(async () => {
  await browser?.close();
});

describe("a passkey in a real browser", () => {
  it("signs up and verifies the email", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/sign-up`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    await page.goto(`${base}/dashboard/dev/outbox`);
    const message = page.getByRole("article", { name: "Verify your email for Drape" }).filter({ hasText: email });
    const link = await message.getByRole("link", { name: /verify-email/ }).getAttribute("href");
    const url = new URL(link ?? "");
    await page.goto(`${base}${url.pathname}${url.search}`);
    await page.getByRole("heading", { name: "Email verified" }).waitFor();
  });

  it("signs in with the password and registers a passkey on the account page", async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard/account`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${base}/dashboard/account`);
    await page.getByLabel("Passkey name").fill("virtual authenticator");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText('The passkey "virtual authenticator" is added.').waitFor();
    expect(await page.getByRole("cell", { name: "virtual authenticator", exact: true }).count()).toBe(1);
  });

  it("signs out, then signs in with the passkey alone (no email, no password)", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(`${base}/dashboard/sign-in`);
    await page.goto(`${base}/dashboard/sign-in?next=%2Fdashboard%2Faccount`);
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await page.waitForURL(`${base}/dashboard/account`);
    expect(await page.getByText(email).count()).toBeGreaterThan(0);
    expect(browser.foreignRequests).toEqual([]);
  });
});
