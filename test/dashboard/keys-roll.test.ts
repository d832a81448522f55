import { describe, expect, it } from "vitest";
import { RolledApiKeySchema } from "../../src/schemas/admin";
import { clearAuthCache } from "../../src/services/accounts/auth";
import { verifiedUser } from "../helpers/dashboard";
import { admin, api, call, createAccount, env, expectEnvelope, expectOk } from "../helpers/harness";

const newKeyIn = (html: string) => /value="(dr_live_[0-9A-Za-z]{32})"/.exec(html)?.[1] ?? "";

async function accountOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT m.account_id AS a FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?")
    .bind(email)
    .first<{ a: string }>();
  return row?.a ?? "";
}

const keysOf = async (accountId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, name, rate_limit_per_minute AS rpm, spend_cap AS cap, expires_at, revoked_at FROM api_keys WHERE account_id = ? ORDER BY id",
    )
      .bind(accountId)
      .all<{ id: string; name: string; rpm: number | null; cap: number | null; expires_at: number | null; revoked_at: number | null }>()
  ).results;

const accountStatus = async (key: string) => {
  clearAuthCache();
  return (await call("/tryon/v1/account", { headers: { "x-api-key": key } })).status;
};

describe("rolling a key from the dashboard", () => {
  it("issues a successor with the same name and limits; the old key works until the overlap chosen ends", async () => {
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/keys");
    const old = newKeyIn((await browser.post("/dashboard/keys", { name: "prod", rateLimitPerMinute: "40", spendCap: "9" })).html);
    const accountId = await accountOf(email);
    const [before] = await keysOf(accountId);
    const list = await browser.get("/dashboard/keys");
    expect(list.html).toContain(`href="/dashboard/keys/${before?.id}/roll"`);

    const form = await browser.get(`/dashboard/keys/${before?.id}/roll`);
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="overlapHours"');
    const t0 = Date.now();
    const rolled = await browser.post(`/dashboard/keys/${before?.id}/roll`, { overlapHours: "2" });
    expect(rolled.status).toBe(201);
    const fresh = newKeyIn(rolled.html);
    expect(fresh).toMatch(/^dr_live_/);
    expect(fresh).not.toBe(old);
    expect(rolled.html).toContain("keeps working until");

    const rows = await keysOf(accountId);
    expect(rows).toHaveLength(2);
    const [prev, next] = rows;
    expect(next).toMatchObject({ name: "prod", rpm: 40, cap: 9, expires_at: null, revoked_at: null });
    expect(prev?.expires_at).toBeGreaterThanOrEqual(t0 + 2 * 3_600_000);
    expect(prev?.expires_at).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    expect(await accountStatus(old)).toBe(200);
    expect(await accountStatus(fresh)).toBe(200);
    // A rolled key shows its expiry and cannot be rolled again (one successor per key).
    const after = await browser.get("/dashboard/keys");
    expect(after.html).toContain("Expires");
    expect(after.html).not.toContain(`href="/dashboard/keys/${prev?.id}/roll"`);
    const again = await browser.post(`/dashboard/keys/${prev?.id}/roll`, { overlapHours: "1" });
    expect(again.status).toBe(409);
    expect(again.html).toContain("already rolled");
    expect(await keysOf(accountId)).toHaveLength(2);
  });

  it("an overlap of 0 hours makes the API refuse the old key at once", async () => {
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/keys");
    const old = newKeyIn((await browser.post("/dashboard/keys", { name: "ci" })).html);
    const [k] = await keysOf(await accountOf(email));
    await browser.get(`/dashboard/keys/${k?.id}/roll`);
    const rolled = await browser.post(`/dashboard/keys/${k?.id}/roll`, { overlapHours: "0" });
    expect(rolled.status).toBe(201);
    expect(await accountStatus(old)).toBe(401);
    expect(await accountStatus(newKeyIn(rolled.html))).toBe(200);
  });

  it("refuses an overlap outside 0 h–7 d with the message at the field, changing nothing", async () => {
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/keys");
    await browser.post("/dashboard/keys", { name: "k" });
    const accountId = await accountOf(email);
    const [k] = await keysOf(accountId);
    await browser.get(`/dashboard/keys/${k?.id}/roll`);
    for (const overlapHours of ["169", "-1", "1.5", "soon", ""]) {
      const page = await browser.post(`/dashboard/keys/${k?.id}/roll`, { overlapHours });
      expect(page.status).toBe(400);
      expect(page.html).toMatch(/id="f-overlapHours-error"[^>]*>A whole number of hours from 0 to 168/);
      expect(page.html).toContain(`value="${overlapHours}"`);
    }
    expect(await keysOf(accountId)).toEqual([expect.objectContaining({ id: k?.id, expires_at: null })]);
  });

  it("cannot roll (or open the roll page of) another account's key: 404, key untouched", async () => {
    const a = await verifiedUser();
    const b = await verifiedUser();
    await a.browser.get("/dashboard/keys");
    await a.browser.post("/dashboard/keys", { name: "mine" });
    const accountId = await accountOf(a.email);
    const [k] = await keysOf(accountId);
    expect((await b.browser.get(`/dashboard/keys/${k?.id}/roll`)).status).toBe(404);
    await b.browser.get("/dashboard/keys");
    expect((await b.browser.post(`/dashboard/keys/${k?.id}/roll`, { overlapHours: "0" })).status).toBe(404);
    expect(await keysOf(accountId)).toHaveLength(1);
  });
});

describe("rolling a key through the operator API (the same service)", () => {
  it("answers the new key and the rolled one; a second roll is 409 API_KEY_NOT_ROLLABLE", async () => {
    const acct = await createAccount();
    const t0 = Date.now();
    const res = await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/roll`, { method: "POST", json: { overlapSeconds: 600 } });
    const body = await expectOk(res, RolledApiKeySchema, 201);
    expect(body.previous.id).toBe(acct.keyId);
    expect(Date.parse(body.previous.expiresAt ?? "")).toBeGreaterThanOrEqual(t0 + 600_000 - 1000);
    expect(body.expiresAt).toBeNull();
    expect((await api({ key: body.key }, "/account")).status).toBe(200);
    clearAuthCache();
    expect((await api(acct, "/account")).status).toBe(200);
    await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/roll`, { method: "POST", json: {} }),
      409,
      "API_KEY_NOT_ROLLABLE",
    );
    await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/roll`, { method: "POST", json: { overlapSeconds: 7 * 86_400 + 1 } }),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("defaults to a 24 h overlap without a body, and two racing rolls make one successor", async () => {
    const acct = await createAccount();
    const t0 = Date.now();
    const path = `/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/roll`;
    const results = await Promise.all([admin(path, { method: "POST" }), admin(path, { method: "POST" }), admin(path, { method: "POST" })]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    const rows = await keysOf(acct.accountId);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.expires_at).toBeGreaterThanOrEqual(t0 + 86_400_000);
  });

  it("a revoked key is not rollable", async () => {
    const acct = await createAccount();
    await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/revoke`, { method: "POST" });
    const refused = await expectEnvelope(
      await admin(`/admin/v1/accounts/${acct.accountId}/keys/${acct.keyId}/roll`, { method: "POST" }),
      409,
      "API_KEY_NOT_ROLLABLE",
    );
    expect(refused.message).toContain("revoked");
    expect(await keysOf(acct.accountId)).toHaveLength(1);
  });
});
