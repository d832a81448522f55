import { afterEach, describe, expect, it, vi } from "vitest";
import { WebhookSecretSchema } from "../../src/schemas/webhooks";
import { onGenerationFinished } from "../../src/services/generations/events";
import { GOOD_PASSWORD, verifiedUser } from "../helpers/dashboard";
import { ownerWithKey } from "../helpers/dashboard-data";
import { api, env, expectOk } from "../helpers/harness";
import { captureWebhookQueue, insertGeneration } from "../helpers/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

const endpointsOf = async (accountId: string) =>
  (
    await env.DB.prepare("SELECT id, url, description, events, enabled, disabled_reason FROM webhook_endpoints WHERE account_id = ? ORDER BY id")
      .bind(accountId)
      .all<{ id: string; url: string; description: string | null; events: string; enabled: number; disabled_reason: string | null }>()
  ).results;

const ALL_EVENTS = { "event:generation.completed": "on", "event:generation.failed": "on" };

/** Ages the user's sessions past the recent-auth window (a sign-in counts as recent authentication). */
async function ageSessions(email: string) {
  await env.DB.prepare("UPDATE sessions SET created_at = ?, reauth_at = NULL WHERE user_id = (SELECT id FROM users WHERE email = ?)")
    .bind(Date.now() - 10 * 60_000, email)
    .run();
}

describe("webhooks page: endpoints", () => {
  it("creates an endpoint (secret shown once on creation), refusing bad input at the field with nothing stored", async () => {
    const { browser, acct } = await ownerWithKey();
    const page = await browser.get("/dashboard/webhooks");
    expect(page.status).toBe(200);
    expect(page.html).toContain("No endpoints yet.");

    const privateUrl = await browser.post("/dashboard/webhooks", { url: "https://10.0.0.7/hook", description: "mine", ...ALL_EVENTS });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.html).toMatch(/id="f-url-error"/);
    expect(privateUrl.html).toContain('value="mine"');
    const noEvents = await browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/a" });
    expect(noEvents.status).toBe(400);
    expect(noEvents.html).toContain("Choose at least one event.");
    expect(noEvents.html).toContain('value="https://hooks.example.com/a"');
    const tooLong = await browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/a", description: "d".repeat(501), ...ALL_EVENTS });
    expect(tooLong.status).toBe(400);
    expect(tooLong.html).toMatch(/id="f-description-error"/);
    expect(await endpointsOf(acct.accountId)).toEqual([]);

    const created = await browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/a", "event:generation.failed": "on" });
    expect(created.status).toBe(201);
    const shown = /id="new-secret" class="mono" readonly="" value="(whsec_[^"]+)"/.exec(created.html)?.[1];
    const [row] = await endpointsOf(acct.accountId);
    expect(row).toMatchObject({ url: "https://hooks.example.com/a", events: '["generation.failed"]', enabled: 1 });
    const viaApi = await expectOk(await api(acct, `/webhooks/${row?.id}/secret`), WebhookSecretSchema);
    expect(shown).toBe(viaApi.secret);
    // The list never shows it again.
    expect((await browser.get("/dashboard/webhooks")).html).not.toContain(viaApi.secret);
  });

  it("edits, disables, sends a test event, rotates and deletes an endpoint", async () => {
    const { browser, acct } = await ownerWithKey();
    const hooks = captureWebhookQueue();
    await browser.get("/dashboard/webhooks");
    await browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/b", ...ALL_EVENTS });
    const [ep] = await endpointsOf(acct.accountId);
    const path = `/dashboard/webhooks/${ep?.id}`;
    await browser.get(path);

    const edited = await browser.post(path, { url: "https://hooks.example.com/c", description: "staging", "event:generation.completed": "on" });
    expect(edited.status).toBe(303);
    expect((await endpointsOf(acct.accountId))[0]).toMatchObject({
      url: "https://hooks.example.com/c",
      description: "staging",
      events: '["generation.completed"]',
      enabled: 0,
      disabled_reason: "manual",
    });
    const bad = await browser.post(path, { url: "ftp://hooks.example.com/c", ...ALL_EVENTS, enabled: "on" });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="f-url-error"/);
    expect((await endpointsOf(acct.accountId))[0]?.url).toBe("https://hooks.example.com/c");

    await browser.get(path);
    const test = await browser.post(`${path}/test`, {});
    expect(test.status).toBe(303);
    expect(hooks.messages).toHaveLength(1);
    const after = await browser.follow(test);
    expect(after.html).toContain("A test event is queued");
    expect(after.html).toContain("webhook.test");
    expect(after.html).toContain(`data-delivery="${hooks.messages[0]?.deliveryId}"`);

    const before = await expectOk(await api(acct, `/webhooks/${ep?.id}/secret`), WebhookSecretSchema);
    const badOverlap = await browser.post(`${path}/rotate`, { overlapHours: "25" });
    expect(badOverlap.status).toBe(400);
    expect(badOverlap.html).toMatch(/id="f-overlapHours-error"[^>]*>A whole number of hours from 0 to 24/);
    expect((await expectOk(await api(acct, `/webhooks/${ep?.id}/secret`), WebhookSecretSchema)).secret).toBe(before.secret);
    const rotated = await browser.post(`${path}/rotate`, { overlapHours: "0" });
    expect(rotated.status).toBe(303);
    const now = await expectOk(await api(acct, `/webhooks/${ep?.id}/secret`), WebhookSecretSchema);
    expect(now.secret).not.toBe(before.secret);
    expect(now.previousSecretExpiresAt).toBeNull();

    await browser.get(path);
    const deleted = await browser.post(`${path}/delete`, {});
    expect(deleted.status).toBe(303);
    expect(await endpointsOf(acct.accountId)).toEqual([]);
  });

  it("another account's endpoint and deliveries answer 404 pages and stay untouched", async () => {
    const owner = await ownerWithKey();
    await owner.browser.get("/dashboard/webhooks");
    await owner.browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/d", ...ALL_EVENTS });
    const [ep] = await endpointsOf(owner.acct.accountId);
    const stranger = await verifiedUser();
    const path = `/dashboard/webhooks/${ep?.id}`;
    expect((await stranger.browser.get(path)).status).toBe(404);
    expect((await stranger.browser.get(`${path}/secret`)).status).toBe(404);
    await stranger.browser.get("/dashboard/webhooks");
    for (const action of ["", "/delete", "/test", "/rotate", "/secret"]) {
      expect((await stranger.browser.post(`${path}${action}`, { url: "https://evil.example.com/", overlapHours: "0", password: GOOD_PASSWORD })).status).toBe(
        404,
      );
    }
    expect(await endpointsOf(owner.acct.accountId)).toHaveLength(1);
  });
});

describe("webhooks page: revealing a secret needs the password again", () => {
  it("shows a password form past the recent-auth window; a wrong password reveals nothing; the right one unlocks it", async () => {
    const { browser, email, acct } = await ownerWithKey();
    await browser.get("/dashboard/webhooks");
    await browser.post("/dashboard/webhooks", { url: "https://hooks.example.com/e", ...ALL_EVENTS });
    const [ep] = await endpointsOf(acct.accountId);
    const { secret } = await expectOk(await api(acct, `/webhooks/${ep?.id}/secret`), WebhookSecretSchema);
    const path = `/dashboard/webhooks/${ep?.id}/secret`;

    // Just signed in: recent enough.
    expect((await browser.get(path)).html).toContain(secret);

    await ageSessions(email);
    const locked = await browser.get(path);
    expect(locked.status).toBe(200);
    expect(locked.html).toContain("needs your password again");
    expect(locked.html).not.toContain(secret);
    const wrong = await browser.post(path, { password: "not-the-password-at-all" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toMatch(/id="f-password-error"/);
    expect(wrong.html).not.toContain(secret);

    const right = await browser.post(path, { password: GOOD_PASSWORD });
    expect(right.status).toBe(303);
    const unlocked = await browser.follow(right);
    expect(unlocked.html).toContain('data-testid="webhook-secret"');
    expect(unlocked.html).toContain(`value="${secret}"`);
    expect(unlocked.html).toContain(secret);
    const session = await env.DB.prepare("SELECT reauth_at FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?) AND revoked_at IS NULL")
      .bind(email)
      .first<{ reauth_at: number | null }>();
    expect(session?.reauth_at).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe("webhooks page: the account's delivery log", () => {
  it("lists deliveries to endpoints and to per-request webhookUrls, with status filter and retry", async () => {
    const { browser, acct } = await ownerWithKey();
    const hooks = captureWebhookQueue();
    const url = "https://receiver.example.com/per-request";
    const gen = await insertGeneration(acct.accountId, { webhookUrl: url });
    await onGenerationFinished(env, { accountId: acct.accountId, generationId: gen, status: "COMPLETED", webhookUrl: url });
    const deliveryId = hooks.messages[0]?.deliveryId;
    const page = await browser.get("/dashboard/webhooks");
    expect(page.html).toContain("Per-request URL");
    expect(page.html).toContain(url);
    expect((await browser.get("/dashboard/webhooks?status=FAILED")).html).not.toContain(`data-delivery="${deliveryId}"`);

    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL WHERE id = ?").bind(deliveryId).run();
    const failed = await browser.get("/dashboard/webhooks?status=FAILED");
    expect(failed.html).toContain(`data-delivery="${deliveryId}"`);
    const retried = await browser.post(`/dashboard/webhooks/deliveries/${deliveryId}/retry`, { back: "/dashboard/webhooks?status=FAILED" });
    expect(retried.location).toBe("/dashboard/webhooks?status=FAILED");
    expect(hooks.messages).toHaveLength(2);
    // An off-site `back` is never followed.
    const offsite = await browser.post(`/dashboard/webhooks/deliveries/${deliveryId}/retry`, { back: "https://evil.example.com/" });
    expect(offsite.location).toBe("/dashboard");
  });
});
