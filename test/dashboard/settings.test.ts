import { describe, expect, it } from "vitest";
import { WebhookSecretSchema } from "../../src/schemas/webhooks";
import { GOOD_PASSWORD } from "../helpers/dashboard";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { api, env, expectEnvelope, expectOk } from "../helpers/harness";
import { uploadPerson } from "../helpers/pipeline";
import { insertGeneration } from "../helpers/webhooks";

const accountRow = (id: string) =>
  env.DB.prepare("SELECT name, retention_days AS retention FROM accounts WHERE id = ?").bind(id).first<{ name: string; retention: number }>();

describe("settings page (owners only)", () => {
  it("a developer is refused every settings page and form with a 403, changing nothing", async () => {
    const { acct } = await ownerWithKey();
    const before = await accountRow(acct.accountId);
    const dev = await memberOf(acct.accountId, "developer");
    const nav = await dev.browser.get("/dashboard");
    expect(nav.html).not.toContain('href="/dashboard/settings"');
    expect((await dev.browser.get("/dashboard/settings")).status).toBe(403);
    expect((await dev.browser.get("/dashboard/settings/webhook-secret")).status).toBe(403);
    await dev.browser.get("/dashboard");
    expect((await dev.browser.post("/dashboard/settings", { name: "Hijacked", retentionDays: "1" })).status).toBe(403);
    expect((await dev.browser.post("/dashboard/settings/webhook-secret/rotate", { overlapHours: "0" })).status).toBe(403);
    expect((await dev.browser.post("/dashboard/settings/erase", { externalUserId: "u", confirmExternalUserId: "u" })).status).toBe(403);
    expect(await accountRow(acct.accountId)).toEqual(before);
    // A second owner may.
    const owner2 = await memberOf(acct.accountId, "owner");
    expect((await owner2.browser.get("/dashboard/settings")).status).toBe(200);
  });

  it("changes the account name and default retention with the operator API's schema, refusing bad values at the field", async () => {
    const { browser, acct } = await ownerWithKey();
    const page = await browser.get("/dashboard/settings");
    expect(page.status).toBe(200);
    const empty = await browser.post("/dashboard/settings", { name: "  ", retentionDays: "3" });
    expect(empty.status).toBe(400);
    expect(empty.html).toMatch(/id="f-name-error"/);
    const odd = await browser.post("/dashboard/settings", { name: "Acme", retentionDays: "5" });
    expect(odd.status).toBe(400);
    expect(odd.html).toMatch(/id="f-retentionDays-error"/);
    expect(odd.html).toContain('value="Acme"');
    const saved = await browser.post("/dashboard/settings", { name: "Acme Studio", retentionDays: "3" });
    expect(saved.status).toBe(303);
    expect(await accountRow(acct.accountId)).toEqual({ name: "Acme Studio", retention: 3 });
    expect((await browser.follow(saved)).html).toContain("Acme Studio");
  });

  it("orders the account's engines (the operator API's list rules), refusing repeats and engines not offered; developers cannot", async () => {
    const { browser, acct } = await ownerWithKey();
    const engines = async () =>
      (await env.DB.prepare("SELECT engine, engines FROM accounts WHERE id = ?")
        .bind(acct.accountId)
        .first<{ engine: string | null; engines: string | null }>()) ?? null;
    const page = await browser.get("/dashboard/settings");
    expect(page.html).toContain('name="engine1"');
    const twice = await browser.post("/dashboard/settings/engines", { engine1: "fashn", engine2: "fashn", engine3: "", engine4: "" });
    expect(twice.status).toBe(400);
    expect(twice.html).toMatch(/id="f-engine1-error"/);
    const mock = await browser.post("/dashboard/settings/engines", { engine1: "mock", engine2: "", engine3: "", engine4: "" });
    expect(mock.status).toBe(400);
    expect(await engines()).toEqual({ engine: null, engines: null });
    const saved = await browser.post("/dashboard/settings/engines", { engine1: "fashn", engine2: "", engine3: "composite", engine4: "" });
    expect(saved.status).toBe(303);
    expect(await engines()).toEqual({ engine: "fashn", engines: JSON.stringify(["fashn", "composite"]) });
    expect((await browser.follow(saved)).html).toMatch(/<option value="composite" selected/);
    const cleared = await browser.post("/dashboard/settings/engines", { engine1: "", engine2: "", engine3: "", engine4: "" });
    expect(cleared.status).toBe(303);
    expect(await engines()).toEqual({ engine: null, engines: null });
    const dev = await memberOf(acct.accountId, "developer");
    await dev.browser.get("/dashboard");
    expect((await dev.browser.post("/dashboard/settings/engines", { engine1: "fashn" })).status).toBe(403);
    expect(await engines()).toEqual({ engine: null, engines: null });
  });

  it("erases an end user's data by externalUserId (the API's GDPR erase), after typing the id twice", async () => {
    const { browser, acct } = await ownerWithKey();
    const imageId = await uploadPerson(acct, { externalUserId: "eu-42" });
    const gen = await insertGeneration(acct.accountId, { externalUserId: "eu-42" });
    const other = await insertGeneration(acct.accountId, { externalUserId: "eu-43" });
    await browser.get("/dashboard/settings");
    const mismatch = await browser.post("/dashboard/settings/erase", { externalUserId: "eu-42", confirmExternalUserId: "eu-4" });
    expect(mismatch.status).toBe(400);
    expect(mismatch.html).toMatch(/id="f-confirmExternalUserId-error"/);
    expect((await api(acct, `/images/${imageId}`)).status).toBe(200);
    const control = await browser.post("/dashboard/settings/erase", { externalUserId: "a\u0001b", confirmExternalUserId: "a\u0001b" });
    expect(control.status).toBe(400);
    expect(control.html).toMatch(/id="f-externalUserId-error"/);

    const erased = await browser.post("/dashboard/settings/erase", { externalUserId: "eu-42", confirmExternalUserId: "eu-42" });
    expect(erased.status).toBe(200);
    expect(erased.html).toContain('data-testid="erase-summary"');
    expect(erased.html).toContain("1 generations anonymized");
    await expectEnvelope(await api(acct, `/images/${imageId}`), 404, "IMAGE_NOT_FOUND");
    const rows = await env.DB.prepare("SELECT id, external_user_id AS u FROM generations WHERE id IN (?, ?) ORDER BY id")
      .bind(gen, other)
      .all<{ id: string; u: string | null }>();
    expect(Object.fromEntries(rows.results.map((r) => [r.id, r.u]))).toEqual({ [gen]: null, [other]: "eu-43" });
  });

  it("reveals the default webhook secret only after the password is re-entered, and rotates it", async () => {
    const { browser, email, acct } = await ownerWithKey();
    const { secret } = await expectOk(await api(acct, "/webhooks/default-secret"), WebhookSecretSchema);
    await env.DB.prepare("UPDATE sessions SET created_at = ?, reauth_at = NULL WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(Date.now() - 10 * 60_000, email)
      .run();
    const locked = await browser.get("/dashboard/settings/webhook-secret");
    expect(locked.html).toContain("needs your password again");
    expect(locked.html).not.toContain(secret);
    const wrong = await browser.post("/dashboard/settings/webhook-secret", { password: "wrong-password-entirely" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).not.toContain(secret);
    const right = await browser.post("/dashboard/settings/webhook-secret", { password: GOOD_PASSWORD });
    expect((await browser.follow(right)).html).toContain(secret);

    await browser.get("/dashboard/settings");
    expect((await browser.post("/dashboard/settings/webhook-secret/rotate", { overlapHours: "x" })).status).toBe(400);
    const rotated = await browser.post("/dashboard/settings/webhook-secret/rotate", { overlapHours: "1" });
    expect(rotated.status).toBe(303);
    const now = await expectOk(await api(acct, "/webhooks/default-secret"), WebhookSecretSchema);
    expect(now.secret).not.toBe(secret);
    expect(Date.parse(now.previousSecretExpiresAt ?? "")).toBeGreaterThan(Date.now() + 3_500_000);
  });
});
