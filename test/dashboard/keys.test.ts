import { describe, expect, it } from "vitest";
import { clearAuthCache } from "../../src/services/accounts/auth";
import { GOOD_PASSWORD, lastEmailTo, TestBrowser, uniqueEmail, verifiedUser } from "../helpers/dashboard";
import { admin, call, env, expectEnvelope } from "../helpers/harness";

const newKeyIn = (html: string) => /data-testid="new-api-key" value="([^"]+)"|value="(dr_live_[0-9A-Za-z]{32})"/.exec(html)?.slice(1).find(Boolean) ?? null;

describe("API keys page", () => {
  it("creates a key shown once, which the API accepts; the list never shows it again; revoking makes the API refuse it", async () => {
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/keys");
    const created = await browser.post("/dashboard/keys", { name: "production", rateLimitPerMinute: "", spendCap: "" });
    expect(created.status).toBe(201);
    const key = newKeyIn(created.html);
    expect(key).toMatch(/^dr_live_[0-9A-Za-z]{32}$/);
    expect(created.html).toContain("shown only once");

    const account = await call("/tryon/v1/account", { headers: { "x-api-key": key as string } });
    expect(account.status).toBe(200);
    const accountId = ((await account.json()) as { accountId?: string; id?: string }).accountId;
    const member = await env.DB.prepare("SELECT m.account_id AS a FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
      .bind(email)
      .first<{ a: string }>();
    if (accountId !== undefined) expect(accountId).toBe(member?.a);

    const list = await browser.get("/dashboard/keys");
    expect(list.html).not.toContain(key as string);
    expect(list.html).toContain((key as string).slice(0, 12));
    // The operator API sees the same key (one service, one table).
    const keys = (await (await admin(`/admin/v1/accounts/${member?.a}/keys`)).json()) as {
      items: Array<{ name: string; revokedAt: string | null; id: string }>;
    };
    expect(keys.items.map((k) => k.name)).toEqual(["production"]);

    const revoked = await browser.post(`/dashboard/keys/${keys.items[0]?.id}/revoke`, {});
    expect(revoked.status).toBe(303);
    clearAuthCache(); // the API refuses a revoked key everywhere within 30 s; this isolate at once
    await expectEnvelope(await call("/tryon/v1/account", { headers: { "x-api-key": key as string } }), 401, "INVALID_API_KEY");
    expect((await browser.follow(revoked)).html).toContain("is revoked");
  });

  it("refuses to create a key before the email is verified (403, nothing stored)", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail();
    await browser.get("/dashboard/sign-up");
    await browser.post("/dashboard/sign-up", { email, password: GOOD_PASSWORD });
    expect((await lastEmailTo(email))?.link).toBeTruthy();
    await browser.get("/dashboard/sign-in");
    expect((await browser.post("/dashboard/sign-in", { email, password: GOOD_PASSWORD })).status).toBe(303);
    const page = await browser.get("/dashboard/keys");
    expect(page.html).toContain("Verify your email address to create keys.");
    const refused = await browser.post("/dashboard/keys", { name: "too-early" });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("Verify your email address before creating keys.");
    const n = await env.DB.prepare(
      "SELECT count(*) AS n FROM api_keys k JOIN memberships m ON m.account_id = k.account_id JOIN users u ON u.id = m.user_id WHERE u.email = ?",
    )
      .bind(email)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("validates with the API's schema and the account's limits, re-rendering what was typed", async () => {
    const { browser } = await verifiedUser();
    await browser.get("/dashboard/keys");
    const tooFast = await browser.post("/dashboard/keys", { name: "fast", rateLimitPerMinute: "1000000" });
    expect(tooFast.status).toBe(400);
    expect(tooFast.html).toMatch(/id="f-rateLimitPerMinute-error"/);
    expect(tooFast.html).toContain('value="fast"');
    const overAccount = await browser.post("/dashboard/keys", { name: "fast", rateLimitPerMinute: "5000" });
    expect(overAccount.status).toBe(400);
    expect(overAccount.html).toContain("this account&#39;s limit");
    const negative = await browser.post("/dashboard/keys", { name: "cap", spendCap: "-1" });
    expect(negative.status).toBe(400);
    expect(negative.html).toMatch(/id="f-spendCap-error"/);
    const garbage = await browser.post("/dashboard/keys", { name: "cap", spendCap: "12abc" });
    expect(garbage.status).toBe(400);
    const ok = await browser.post("/dashboard/keys", { name: "limited", rateLimitPerMinute: "50", spendCap: "20" });
    expect(ok.status).toBe(201);
  });

  it("cannot revoke another account's key (404 page, key untouched)", async () => {
    const a = await verifiedUser();
    const b = await verifiedUser();
    await a.browser.get("/dashboard/keys");
    await a.browser.post("/dashboard/keys", { name: "mine" });
    const row = await env.DB.prepare(
      "SELECT k.id FROM api_keys k JOIN memberships m ON m.account_id = k.account_id JOIN users u ON u.id = m.user_id WHERE u.email = ?",
    )
      .bind(a.email)
      .first<{ id: string }>();
    await b.browser.get("/dashboard/keys");
    const attempt = await b.browser.post(`/dashboard/keys/${row?.id}/revoke`, {});
    expect(attempt.status).toBe(404);
    const still = await env.DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?").bind(row?.id).first<{ revoked_at: number | null }>();
    expect(still?.revoked_at).toBeNull();
  });
});
