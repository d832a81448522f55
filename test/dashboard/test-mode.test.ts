import { describe, expect, it } from "vitest";
import { testAccountIdOf } from "../../src/lib/modes";
import type { TestBrowser } from "../helpers/dashboard";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { api, BASE, type TestAccount } from "../helpers/harness";
import { counts, registerProduct } from "../helpers/pipeline";
import { insertGeneration } from "../helpers/webhooks";
import { grantCredits } from "../services/credits/helpers";

const BANNER = 'data-testid="test-mode-banner"';
const newKeyIn = (html: string) => /value="(dr_(?:live|test)_[0-9A-Za-z]{32})"[^>]*data-testid="new-api-key"/.exec(html)?.[1] ?? null;
const balanceIn = (html: string) => /data-testid="credit-balance">(-?\d+)</.exec(html)?.[1] ?? null;

async function switchMode(browser: TestBrowser, mode: "test" | "live", next = "/dashboard") {
  await browser.get("/dashboard");
  const res = await browser.post("/dashboard/mode", { mode, next });
  expect(res.status).toBe(303);
  expect(res.location).toBe(next);
  return browser.follow(res);
}

/** A test key of the owner's account, made on the dashboard's keys page in test mode. */
async function testKeyFromDashboard(browser: TestBrowser, accountId: string): Promise<TestAccount> {
  await switchMode(browser, "test", "/dashboard/keys");
  const created = await browser.post("/dashboard/keys", { name: "sandbox", rateLimitPerMinute: "", spendCap: "" });
  expect(created.status).toBe(201);
  const key = newKeyIn(created.html);
  expect(key).toMatch(/^dr_test_[0-9A-Za-z]{32}$/);
  return { accountId, keyId: "", key: key as string };
}

describe("dashboard test mode", () => {
  it("shows only test keys and generations in test mode, only live ones after switching back; a test key made there works in test mode", async () => {
    const { browser, acct } = await ownerWithKey();
    const liveGen = await insertGeneration(acct.accountId, { status: "COMPLETED" });
    const live = await browser.get("/dashboard/generations");
    expect(live.html).toContain(liveGen);
    expect(live.html).not.toContain(BANNER);

    const testKey = await testKeyFromDashboard(browser, acct.accountId);
    const twin = testAccountIdOf(acct.accountId);
    const testGen = await insertGeneration(twin, { status: "FAILED" });

    // The key works against the API, in test mode.
    const account = await api(testKey, "/account");
    expect(account.status).toBe(200);
    expect(((await account.json()) as { livemode: boolean }).livemode).toBe(false);

    const gens = await browser.get("/dashboard/generations");
    expect(gens.html).toContain(BANNER);
    expect(gens.html).toContain(testGen);
    expect(gens.html).not.toContain(liveGen);
    expect((await browser.get(`/dashboard/generations/${liveGen}`)).status).toBe(404);
    const overview = await browser.get("/dashboard");
    expect(overview.html).toContain(testGen);
    expect(overview.html).not.toContain(liveGen);
    const keys = await browser.get("/dashboard/keys");
    expect(keys.html).toContain(testKey.key.slice(0, 12));
    expect(keys.html).not.toContain(acct.key.slice(0, 12));
    expect(keys.html).toContain("Delete all test data");

    // Back to live: the live data, none of the test data.
    const back = await switchMode(browser, "live", "/dashboard/generations");
    expect(back.html).not.toContain(BANNER);
    expect(back.html).toContain(liveGen);
    expect(back.html).not.toContain(testGen);
    expect((await browser.get(`/dashboard/generations/${testGen}`)).status).toBe(404);
    const liveKeys = await browser.get("/dashboard/keys");
    expect(liveKeys.html).toContain(acct.key.slice(0, 12));
    expect(liveKeys.html).not.toContain(testKey.key.slice(0, 12));
    expect(liveKeys.html).not.toContain("Delete all test data");
    const liveKey = await browser.post("/dashboard/keys", { name: "prod", rateLimitPerMinute: "", spendCap: "" });
    expect(newKeyIn(liveKey.html)).toMatch(/^dr_live_/);
  });

  it("shows the test ledger on the credits page in test mode, and the live one in live mode", async () => {
    const { browser, acct } = await ownerWithKey();
    await grantCredits(acct.accountId, 37);
    const liveBalance = balanceIn((await browser.get("/dashboard/credits")).html);
    expect(Number(liveBalance)).toBeGreaterThanOrEqual(37); // the grant, plus the sign-up's free credits
    const testKey = await testKeyFromDashboard(browser, acct.accountId);
    expect((await api(testKey, "/test/credits", { method: "POST", json: { balance: 123 } })).status).toBe(200);

    const testCredits = await browser.get("/dashboard/credits");
    expect(testCredits.status).toBe(200);
    expect(balanceIn(testCredits.html)).toBe("123");
    expect(testCredits.html).toContain("test_balance_set");

    await switchMode(browser, "live");
    const liveCredits = await browser.get("/dashboard/credits");
    expect(balanceIn(liveCredits.html)).toBe(liveBalance);
    expect(liveCredits.html).not.toContain("test_balance_set");
  });

  it("deletes all test data with the button, and leaves live data alone; live mode refuses it", async () => {
    const { browser, acct } = await ownerWithKey();
    const testKey = await testKeyFromDashboard(browser, acct.accountId);
    const twin = testAccountIdOf(acct.accountId);
    await registerProduct(acct, "tee-1");
    await registerProduct(testKey, "tee-1");
    const liveGen = await insertGeneration(acct.accountId);
    await insertGeneration(twin);
    expect((await counts(twin)).products).toBe(1);

    // In live mode the button is not there, and the route refuses: nothing deleted.
    await switchMode(browser, "live", "/dashboard/keys");
    const refused = await browser.post("/dashboard/test-data/delete", {});
    expect(refused.status).toBe(409);
    expect(await counts(twin)).toMatchObject({ products: 1, generations: 1 });

    // A developer has the keys permission too.
    const dev = await memberOf(acct.accountId, "developer");
    await switchMode(dev.browser, "test", "/dashboard/keys");
    const erased = await dev.browser.post("/dashboard/test-data/delete", {});
    expect(erased.status).toBe(303);
    expect((await dev.browser.follow(erased)).html).toContain("Test data deleted: 1 generation, 1 product");
    expect(await counts(twin)).toMatchObject({ products: 0, generations: 0, images: 0 });
    const liveCounts = await counts(acct.accountId);
    expect(liveCounts.products).toBe(1);
    expect(liveCounts.generations).toBe(1);
    expect(liveCounts.images).toBeGreaterThan(0);
    expect((await api(acct, "/products/tee-1")).status).toBe(200);
    expect((await browser.get(`/dashboard/generations/${liveGen}`)).status).toBe(200);
    // The test key itself stays.
    expect((await api(testKey, "/account")).status).toBe(200);
  });

  it("the switch is CSRF-protected and bound to the session", async () => {
    const { browser } = await ownerWithKey();
    await browser.get("/dashboard");
    expect((await browser.post("/dashboard/mode", { mode: "test", next: "/dashboard", _csrf: "forged" })).status).toBe(403);
    expect((await browser.post("/dashboard/mode", { mode: "test", next: "/dashboard" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await browser.get("/dashboard")).html).not.toContain(BANNER);

    // A mode cookie of another session does not turn test mode on.
    browser.cookies.set("__Host-drape_mode", "test.ses_someone_else");
    expect((await browser.get("/dashboard")).html).not.toContain(BANNER);
    const on = await switchMode(browser, "test");
    expect(on.html).toContain(BANNER);
    // An open redirect through `next` is refused.
    const res = await browser.post("/dashboard/mode", { mode: "live", next: `${BASE}/x` });
    expect(res.location).toBe("/dashboard");
  });
});
