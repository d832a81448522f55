import type { Response as PwResponse } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Access, dashboardPages, type RouteIds } from "../helpers/dashboard-routes";
import { type AxeViolation, axeViolations, blocking } from "./axe";
import { launchBrowser, type TestBrowser } from "./browser";
import { operatorSignIn, pageIds, signUpWithKey } from "./fixture";

/**
 * Every dashboard page of the one list (test/helpers/dashboard-routes.ts), in Chromium, at a
 * 390 px phone and a 1280 px desktop: axe-core finds no serious or critical violation, the page
 * has no horizontal scroll, weighs at most 100 KB without images (HTML, CSS, JS and fonts, cache
 * off), and nothing is loaded from another origin. Member pages are visited
 * by a signed-in owner with a key, a webhook endpoint and a finished try-on that made a delivery
 * (so tables and thumbnails have rows);
 * signed-out pages by a new visitor; the operator console by an operator signed in with the
 * server's ADMIN_TOKEN on the console's own sign-in page.
 */

const base = inject("baseUrl");
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];

let member: TestBrowser;
let visitor: TestBrowser;
let operator: TestBrowser;
let ids: RouteIds;

beforeAll(async () => {
  member = await launchBrowser(base);
  visitor = await launchBrowser(base);
  operator = await launchBrowser(base);
  for (const b of [member, visitor, operator]) {
    // Every visit downloads every byte, so the weight counts what a first visit costs.
    const cdp = await b.context.newCDPSession(b.page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  }
  const integrator = await signUpWithKey(member.page, base, { email: `pages-${Date.now().toString(36)}@example.com`, accountName: "Pages shop" });
  // Route parameters a page may name: a new page with another parameter fails loudly until pageIds gives it.
  ids = await pageIds(base, integrator);
  await operatorSignIn(operator.page, base, inject("adminToken"));
});
afterAll(async () => {
  await member?.close();
  await visitor?.close();
  await operator?.close();
});

const browserFor = (access: Access) => (access === "operator" ? operator : access === "member" ? member : visitor);

/** The page weight budget without images: HTML + CSS + JS (+ fonts), all first-party (docs/dashboard.md). */
const WEIGHT_BUDGET_BYTES = 100 * 1024;
const WEIGHED = new Set(["document", "stylesheet", "script", "font"]);

/** Loads the page with the HTTP cache off; the bytes of its document, styles, scripts and fonts. */
async function visit(browser: TestBrowser, path: string, status: number): Promise<number> {
  const responses: PwResponse[] = [];
  const onResponse = (r: PwResponse) => responses.push(r);
  browser.page.on("response", onResponse);
  const res = await browser.page.goto(`${base}${path}`, { waitUntil: "load" });
  browser.page.off("response", onResponse);
  expect(res?.status(), path).toBe(status);
  let bytes = 0;
  for (const r of responses) {
    if (!WEIGHED.has(r.request().resourceType()) || (r.status() >= 300 && r.status() < 400)) continue;
    bytes += (await r.body()).byteLength;
  }
  return bytes;
}

const overflowOf = (browser: TestBrowser) => browser.page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");

describe.each(VIEWPORTS)("every dashboard page at $width px", (viewport) => {
  it("has no serious or critical accessibility violation (axe-core), no horizontal scroll, and weighs at most 100 KB", async () => {
    const pages = dashboardPages(ids);
    expect(pages.length).toBeGreaterThan(12);
    const found: Array<{ path: string; violations: AxeViolation[] }> = [];
    const overflowing: Array<{ path: string; px: number }> = [];
    const heavy: Array<{ path: string; kb: number }> = [];
    for (const { path, access, status } of pages) {
      const browser = browserFor(access);
      await browser.page.setViewportSize(viewport);
      const bytes = await visit(browser, path, status);
      if (bytes > WEIGHT_BUDGET_BYTES || bytes === 0) heavy.push({ path, kb: Math.round(bytes / 102.4) / 10 });
      const violations = blocking(await axeViolations(browser.page));
      if (violations.length > 0) found.push({ path, violations });
      const px = await overflowOf(browser);
      if (px > 0) overflowing.push({ path, px });
    }
    expect(found, "axe-core: serious or critical violations").toEqual([]);
    expect(overflowing, "pages wider than the viewport").toEqual([]);
    expect(heavy, `pages over ${WEIGHT_BUDGET_BYTES / 1024} KB without images (or weighed at 0)`).toEqual([]);
    expect([...member.foreignRequests, ...visitor.foreignRequests, ...operator.foreignRequests], "requests to other origins").toEqual([]);
  });
});
