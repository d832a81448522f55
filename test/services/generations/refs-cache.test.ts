import { describe, expect, it } from "vitest";
import { cachedImage, clearRefsCache, REFS_CACHE_TTL_MS, rememberImage } from "../../../src/db/repo/refs-cache";
import { CreditBalanceSchema } from "../../../src/schemas/credits";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { api, expectEnvelope, readWire } from "../../helpers/harness";
import { meter } from "../../helpers/meter";
import { fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";

const queue = usePipelineQueues();
const body = (imageId: string, externalId: string) => ({ products: [{ externalId }], person: { image: { source: { id: imageId } } } });

async function balance(acct: Parameters<typeof api>[0]) {
  return (await readWire(await api(acct, "/account/credits"), CreditBalanceSchema)).creditBalance;
}

describe("try-on refs cached per isolate (product + person image, docs/performance.md)", () => {
  it("a product and photo this isolate wrote or read cost no D1 read; a fresh isolate reads them once", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "refs-warm");

    const warm = meter();
    expect((await tryOn(acct, body(imageId, "refs-warm"))).status).toBe(202);
    const warmCost = warm.read();
    warm.stop();

    clearRefsCache(); // a fresh isolate
    const cold = meter();
    expect((await tryOn(acct, body(imageId, "refs-warm"))).status).toBe(202);
    const coldCost = cold.read();
    cold.stop();
    // The cold request pays exactly one more D1 round trip: the batched product + image read.
    expect(coldCost.d1 - warmCost.d1).toBe(1);
  });

  it("this isolate's delete and erase are seen at once: PRODUCT_NOT_FOUND, IMAGE_NOT_FOUND, nothing charged", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct, { externalUserId: "u-refs" });
    await registerProduct(acct, "refs-del");
    // Both rows are cached by this isolate's own writes (the upload, the registration).
    expect(cachedImage(acct.accountId, imageId, Date.now())).toBeDefined();

    expect((await api(acct, "/products/refs-del", { method: "DELETE" })).status).toBeLessThan(300);
    await expectEnvelope(await tryOn(acct, body(imageId, "refs-del")), 404, "PRODUCT_NOT_FOUND");

    await registerProduct(acct, "refs-del-2");
    expect((await api(acct, "/customers/u-refs", { method: "DELETE" })).status).toBe(204);
    await expectEnvelope(await tryOn(acct, body(imageId, "refs-del-2")), 404, "IMAGE_NOT_FOUND");
    expect(await balance(acct)).toBe(5);
  });

  it("a photo erased by ANOTHER isolate, still cached here: the try-on is accepted, then FAILED and refunded; its bytes are never used", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct, { externalUserId: "u-stale" });
    await registerProduct(acct, "refs-stale");
    const stale = cachedImage(acct.accountId, imageId, Date.now());
    expect(stale).toBeDefined();
    if (!stale) return;

    expect((await api(acct, "/customers/u-stale", { method: "DELETE" })).status).toBe(204);
    expect(cachedImage(acct.accountId, imageId, Date.now())).toBeUndefined();
    rememberImage(stale); // what an isolate that did not run the erase still holds (for at most REFS_CACHE_TTL_MS)
    const before = await balance(acct);

    const res = await tryOn(acct, body(imageId, "refs-stale"));
    expect(res.status).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    await runConsumer([{ body: queue.messages.at(-1) }]);

    const view = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    expect(view.status).toBe("FAILED");
    expect(view.errorCode).toBe("CUSTOMER_IMAGE_FETCH_FAILED");
    expect(view.resultImageUrl ?? null).toBeNull();
    const row = await genRow(generationId);
    expect(row.result_r2_key).toBeNull();
    expect(row.credit_state).toBe("refunded");
    expect(await balance(acct)).toBe(before);
  });

  it("an entry older than REFS_CACHE_TTL_MS is read from D1 again", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    const t0 = Date.now();
    expect(cachedImage(acct.accountId, imageId, t0)).toBeDefined();
    expect(cachedImage(acct.accountId, imageId, t0 + REFS_CACHE_TTL_MS + 1)).toBeUndefined();
  });
});
