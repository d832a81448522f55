import { describe, expect, it } from "vitest";
import { TryOnAcceptedSchema } from "../../src/schemas/tryon-generations";
import { verifiedUser } from "../helpers/dashboard";
import { memberOf, ownerWithKey } from "../helpers/dashboard-data";
import { api, env, expectEnvelope, readWire } from "../helpers/harness";
import { fetchThroughWorker, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../helpers/pipeline";
import { insertGeneration } from "../helpers/webhooks";

const queue = usePipelineQueues();

describe("products pages", () => {
  it("lists products, shows one with its stored images (signed URLs) and generation stats", async () => {
    const { browser, acct } = await ownerWithKey(5);
    await registerProduct(acct, "shirt-p", "Linen shirt");
    await registerProduct(acct, "shirt-q", "Wool shirt");
    const imageId = await uploadPerson(acct);
    const res = await tryOn(acct, { products: [{ externalId: "shirt-p" }], person: { image: { source: { id: imageId } } } });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
    const failed = await insertGeneration(acct.accountId, { status: "FAILED" });
    await env.DB.prepare("UPDATE generations SET product_external_id = 'shirt-p' WHERE id = ?").bind(failed).run();

    const list = await browser.get("/dashboard/products");
    expect(list.status).toBe(200);
    expect([...list.html.matchAll(/href="\/dashboard\/products\/([^"]+)"/g)].map((m) => m[1])).toEqual(["shirt-q", "shirt-p"]);
    expect(list.html).toContain("Linen shirt");

    const page = await browser.get("/dashboard/products/shirt-p");
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-testid="stat-total">2<');
    expect(page.html).toContain('data-testid="stat-completed">1<');
    expect(page.html).toContain('data-testid="stat-failed">1<');
    const img = /<img src="([^"]+)" alt="Linen shirt, view 1"/.exec(page.html)?.[1]?.replaceAll("&amp;", "&") ?? "";
    expect(img).toMatch(/\/tryon\/v1\/files\/.+\?exp=\d+&sig=/);
    const bytes = await fetchThroughWorker(img);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get("content-type")).toMatch(/^image\//);
    expect(page.html).toContain('href="/dashboard/generations?productExternalId=shirt-p"');
  });

  it("deletes a product (the API then answers 404); another account cannot see or delete it", async () => {
    const { browser, acct } = await ownerWithKey();
    await registerProduct(acct, "shirt-x");
    const stranger = await verifiedUser();
    expect((await stranger.browser.get("/dashboard/products/shirt-x")).status).toBe(404);
    await stranger.browser.get("/dashboard/products");
    expect((await stranger.browser.post("/dashboard/products/shirt-x/delete", {})).status).toBe(404);
    expect((await api(acct, "/products/shirt-x")).status).toBe(200);

    await browser.get("/dashboard/products/shirt-x");
    const deleted = await browser.post("/dashboard/products/shirt-x/delete", {});
    expect(deleted.status).toBe(303);
    expect((await browser.follow(deleted)).html).toContain("The product shirt-x is deleted.");
    await expectEnvelope(await api(acct, "/products/shirt-x"), 404, "PRODUCT_NOT_FOUND");
    expect((await browser.get("/dashboard/products/shirt-x")).status).toBe(404);
  });

  it("a developer of the account sees its products", async () => {
    const { acct } = await ownerWithKey();
    await registerProduct(acct, "shirt-dev");
    const dev = await memberOf(acct.accountId, "developer");
    expect((await dev.browser.get("/dashboard/products")).html).toContain("shirt-dev");
  });
});
