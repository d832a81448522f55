import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser";

const base = inject("baseUrl");
const email = `e2e-${Date.now().toString(36)}@example.com`;
const password = "violet-Anchor-58-quartz";

let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser(base);
});
afterAll(async () => {
  await browser?.close();
});

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
});
