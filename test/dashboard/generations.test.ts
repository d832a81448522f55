import { afterEach, describe, expect, it, vi } from "vitest";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { verifiedUser } from "../helpers/dashboard";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { env, readWire } from "../helpers/harness";
import { fetchThroughWorker, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../helpers/pipeline";
import { captureWebhookQueue, insertGeneration } from "../helpers/webhooks";
import { expectLedgerBalances } from "../services/credits/helpers";

const queue = usePipelineQueues();

afterEach(() => {
  vi.restoreAllMocks();
});

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const idsIn = (html: string) => [...html.matchAll(/href="\/dashboard\/generations\/(gen_[^"]+)"/g)].map((m) => m[1]);
const decode = (s: string) => s.replaceAll("&amp;", "&");

describe("generations list", () => {
  it("filters by status, product, end user and day, and pages with the cursor", async () => {
    const { browser, acct } = await ownerWithKey();
    const a = await insertGeneration(acct.accountId, { status: "COMPLETED", externalUserId: "alice" });
    const b = await insertGeneration(acct.accountId, { status: "FAILED", externalUserId: "bob" });
    const c = await insertGeneration(acct.accountId, { status: "COMPLETED", externalUserId: "bob" });
    await env.DB.prepare("UPDATE generations SET product_external_id = 'dress-9' WHERE id = ?").bind(c).run();

    const all = await browser.get("/dashboard/generations");
    expect(all.status).toBe(200);
    expect(idsIn(all.html)).toEqual([c, b, a]);
    expect(all.html).toContain("GARMENT_NOT_DETECTED");

    expect(idsIn((await browser.get("/dashboard/generations?status=FAILED")).html)).toEqual([b]);
    expect(idsIn((await browser.get("/dashboard/generations?externalUserId=bob")).html)).toEqual([c, b]);
    expect(idsIn((await browser.get("/dashboard/generations?productExternalId=dress-9&status=")).html)).toEqual([c]);
    const today = dayOf(Date.now());
    const yesterday = dayOf(Date.now() - 86_400_000);
    // insertGeneration dates each row 5 s ago: the day filter is by UTC day.
    const created = dayOf(Date.now() - 5000);
    expect(idsIn((await browser.get(`/dashboard/generations?from=${created}&to=${created}`)).html)).toEqual([c, b, a]);
    expect(idsIn((await browser.get(`/dashboard/generations?to=${dayOf(Date.now() - 2 * 86_400_000)}`)).html)).toEqual([]);
    expect((await browser.get(`/dashboard/generations?from=${today}&to=${yesterday}`)).status).toBe(400);

    // Cursor paging, 25 to a page, filters kept on the next link.
    for (let i = 0; i < 25; i++) await insertGeneration(acct.accountId, { status: "COMPLETED", externalUserId: "bob" });
    const first = await browser.get("/dashboard/generations?externalUserId=bob");
    expect(idsIn(first.html)).toHaveLength(25);
    const next = /href="(\/dashboard\/generations\?[^"]*cursor=[^"]+)"/.exec(first.html)?.[1] ?? "";
    expect(decode(next)).toContain("externalUserId=bob");
    const second = await browser.get(decode(next));
    expect(idsIn(second.html)).toEqual([c, b]);
    expect(second.html).not.toContain("Next page");
  });

  it("refuses bad filters with the message at the field and what was typed", async () => {
    const { browser } = await verifiedUser();
    const bad = await browser.get(`/dashboard/generations?status=LOST&externalUserId=${"x".repeat(300)}&from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="f-status-error"/);
    expect(bad.html).toMatch(/id="f-externalUserId-error"/);
    expect(bad.html).toMatch(/id="f-from-error"/);
    expect(bad.html).toContain('value="yesterday"');
    const cursor = await browser.get("/dashboard/generations?cursor=not-ours");
    expect(cursor.status).toBe(400);
  });

  it("shows only the account's own generations; another account's detail is a 404 page", async () => {
    const owner = await ownerWithKey();
    const stranger = await verifiedUser();
    const mine = await insertGeneration(owner.acct.accountId);
    expect(idsIn((await stranger.browser.get("/dashboard/generations")).html)).toEqual([]);
    expect((await stranger.browser.get(`/dashboard/generations/${mine}`)).status).toBe(404);
    await stranger.browser.get("/dashboard/generations");
    expect((await stranger.browser.post(`/dashboard/generations/${mine}/cancel`, {})).status).toBe(404);
  });
});

describe("generation detail", () => {
  it("shows the person, garment and result through signed URLs, timings, engine, and the webhook deliveries it caused", async () => {
    const { browser, acct } = await ownerWithKey(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "shirt-d", "Detail shirt");
    const hooks = captureWebhookQueue();
    const url = "https://receiver.example.com/detail";
    const res = await tryOn(acct, { products: [{ externalId: "shirt-d" }], person: { image: { source: { id: imageId } } }, webhookUrl: url });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
    expect(hooks.messages).toHaveLength(1); // the run's finish queued the per-request delivery

    const page = await browser.get(`/dashboard/generations/${generationId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("COMPLETED");
    expect(page.html).toContain("Detail shirt");
    expect(page.html).toMatch(/<dt>Engine<\/dt><dd><code>composite<\/code>/);
    const images = [...page.html.matchAll(/<img src="([^"]+)" alt="([^"]+)"/g)].map((m) => ({ src: decode(m[1] ?? ""), alt: m[2] }));
    expect(images.map((i) => i.alt)).toEqual(["Person", "Garment 1", "Result"]);
    for (const img of images) {
      expect(img.src).toMatch(/\/tryon\/v1\/files\/.+\?exp=\d+&sig=/);
      const bytes = await fetchThroughWorker(img.src);
      expect(bytes.status).toBe(200);
      expect(bytes.headers.get("content-type")).toMatch(/^image\//);
    }
    // The per-request webhookUrl's delivery is listed on the page, with its retry button.
    expect(page.html).toContain("Per-request URL");
    expect(page.html).toContain(url);
    const deliveryId = /data-delivery="(msg_[^"]+)"/.exec(page.html)?.[1];
    expect(deliveryId).toBeTruthy();
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL WHERE id = ?").bind(deliveryId).run();
    const retried = await browser.post(`/dashboard/webhooks/deliveries/${deliveryId}/retry`, { back: `/dashboard/generations/${generationId}` });
    expect(retried.status).toBe(303);
    expect(retried.location).toBe(`/dashboard/generations/${generationId}`);
    const row = await env.DB.prepare("SELECT status FROM webhook_deliveries WHERE id = ?").bind(deliveryId).first<{ status: string }>();
    expect(row?.status).toBe("PENDING");
    expect((await browser.follow(retried)).html).toContain("queued for one more attempt");
  });

  it("a failed generation shows its error code linked to its documentation", async () => {
    const { browser, acct } = await ownerWithKey();
    const id = await insertGeneration(acct.accountId, { status: "FAILED" });
    const page = await browser.get(`/dashboard/generations/${id}`);
    expect(page.html).toContain('href="/tryon/v1/errors/GARMENT_NOT_DETECTED"');
    expect(page.html).toContain("No garment found.");
    expect(page.html).not.toContain("Cancel generation");
  });

  it("cancels a pending generation from the page (refunding its credit), the same service as the API", async () => {
    const { browser, acct } = await ownerWithKey(3);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "shirt-c");
    const { balance } = await expectLedgerBalances(acct.accountId);
    const res = await tryOn(acct, { products: [{ externalId: "shirt-c" }], person: { image: { source: { id: imageId } } } });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect((await expectLedgerBalances(acct.accountId)).reserved).toBe(1);
    const page = await browser.get(`/dashboard/generations/${generationId}`);
    expect(page.html).toContain("Cancel generation");
    const cancelled = await browser.post(`/dashboard/generations/${generationId}/cancel`, {});
    expect(cancelled.status).toBe(303);
    const row = await env.DB.prepare("SELECT status, error_code FROM generations WHERE id = ?")
      .bind(generationId)
      .first<{ status: string; error_code: string }>();
    expect(row).toEqual({ status: "FAILED", error_code: "GENERATION_CANCELLED" });
    expect(await expectLedgerBalances(acct.accountId)).toMatchObject({ balance, reserved: 0 });
    expect((await browser.follow(cancelled)).html).toContain("cancelled and its credit refunded");
    // A second cancel is refused in place, not a 500.
    await browser.get(`/dashboard/generations/${generationId}`);
    const again = await browser.post(`/dashboard/generations/${generationId}/cancel`, {});
    expect(again.status).toBe(303);
    expect((await browser.follow(again)).html).toContain("already FAILED");
  });

  it("a developer of the account (generations and webhooks permissions) sees the detail and its deliveries", async () => {
    const owner = await ownerWithKey();
    const id = await insertGeneration(owner.acct.accountId);
    const dev = await memberOf(owner.acct.accountId, "developer");
    const page = await dev.browser.get(`/dashboard/generations/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Webhook deliveries");
  });
});

describe("generation detail: engines tried", () => {
  it("lists the engines tried in order; only an operator sees their upstream cost", async () => {
    const owner = await ownerWithKey();
    const id = await insertGeneration(owner.acct.accountId);
    const attempts = [
      { engine: "fashn", outcome: "unavailable", code: "ENGINE_UNAVAILABLE", durationMs: 31_000 },
      { engine: "composite", outcome: "completed", durationMs: 400, costUsdMicros: 1500 },
    ];
    await env.DB.prepare("UPDATE generations SET engine = 'composite', engine_attempts = ?, cost_usd_micros = 1500 WHERE id = ?")
      .bind(JSON.stringify(attempts), id)
      .run();
    const page = await owner.browser.get(`/dashboard/generations/${id}`);
    expect(page.status).toBe(200);
    const table = /<table data-testid="engine-attempts">(.*?)<\/table>/s.exec(page.html)?.[1] ?? "";
    expect([...table.matchAll(/<td><code>([a-z-]+)<\/code><\/td><td>([a-z]+)<\/td>/g)].map((m) => [m[1], m[2]])).toEqual([
      ["fashn", "unavailable"],
      ["composite", "completed"],
    ]);
    expect(table).toContain("ENGINE_UNAVAILABLE");
    expect(page.html).not.toContain("Upstream cost");
    await env.DB.prepare("UPDATE users SET is_operator = 1 WHERE email = ?").bind(owner.email).run();
    const asOperator = await owner.browser.get(`/dashboard/generations/${id}`);
    expect(asOperator.html).toContain('<th scope="col">Upstream cost</th>');
    expect(asOperator.html).toMatch(/data-testid="generation-cost">Upstream cost of this generation: \$0\.0015</);
  });
});

describe("generations filter form", () => {
  it("requires no filter: every field is optional in the browser too", async () => {
    const { browser } = await verifiedUser();
    const page = await browser.get("/dashboard/generations");
    const form = /<form method="get" action="\/dashboard\/generations"[^>]*>(.*?)<\/form>/s.exec(page.html)?.[1] ?? "";
    expect(form).toContain('name="externalUserId"');
    expect(form).not.toMatch(/\brequired\b/);
  });
});
