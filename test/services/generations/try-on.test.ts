import { describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/engines/composite/codecs";
import { GenerationSchema } from "../../../src/schemas/generations";
import { ProductListSchema, ProductSchema } from "../../../src/schemas/products";
import { api, readWire } from "../../helpers/harness";
import {
  fetchThroughWorker,
  filePart,
  fundedAccount,
  garmentPng,
  genRow,
  personJpeg,
  registerProduct,
  runConsumer,
  tryOn,
  tryOnMultipart,
  uploadPerson,
  usePipelineQueues,
} from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();

/** Accept → run the captured message through the Worker's queue handler → the generation as the API shows it. */
async function acceptAndRun(res: Response, acct: { key: string }) {
  const text = await res.text();
  expect(res.status, text).toBe(202);
  const accepted = JSON.parse(text) as { generationId: string; status: string; productExternalId: string };
  expect(accepted.status).toBe("PENDING");
  expect(res.headers.get("location")).toBe(`/tryon/v1/generations/${accepted.generationId}`);
  const msg = queue.messages.find((m) => m.generationId === accepted.generationId);
  expect(msg).toBeDefined();
  const run = await runConsumer([{ body: msg }]);
  expect(run.explicitAcks).toHaveLength(1);
  const view = await api(acct, `/generations/${accepted.generationId}`);
  expect(view.status).toBe(200);
  return { accepted, generation: await readWire(view, GenerationSchema) };
}

async function pixelsOf(bytes: Uint8Array) {
  const f = bytes[0] === 0xff ? "jpeg" : "png";
  return decodeImage(bytes, f);
}

describe("try-on end to end (composite engine by default)", () => {
  it("current shape, referenced product, uploaded person id → COMPLETED with a composited image", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "shirt-1");
    const res = await tryOn(acct, { products: [{ externalId: "shirt-1" }], person: { image: { source: { id: imageId } } }, externalUserId: "u1" });
    const { accepted, generation } = await acceptAndRun(res, acct);
    expect(accepted.productExternalId).toBe("shirt-1");
    expect(generation).toMatchObject({ status: "COMPLETED", engine: "composite", externalUserId: "u1" });
    expect(generation).not.toHaveProperty("errorCode");
    expect(typeof generation.durationMs).toBe("number");
    const file = await fetchThroughWorker(generation.resultImageUrl as string);
    expect(file.status).toBe(200);
    const out = await pixelsOf(new Uint8Array(await file.arrayBuffer()));
    expect(out.width).toBeGreaterThan(0);
    const person = await pixelsOf(await personJpeg());
    // A composite: the garment's red lands on the torso, the person had none.
    let reddish = 0;
    for (let i = 0; i < out.data.length; i += 4) if (out.data[i]! > 150 && out.data[i + 1]! < 90) reddish++;
    let personRed = 0;
    for (let i = 0; i < person.data.length; i += 4) if (person.data[i]! > 150 && person.data[i + 1]! < 90) personRed++;
    expect(personRed).toBe(0);
    expect(reddish).toBeGreaterThan(100);
    const row = await genRow(accepted.generationId);
    expect(row).toMatchObject({ credit_state: "committed", attempts: 1 });
    expect(row.event_emitted_at).not.toBeNull();
    const ledger = await expectLedgerBalances(acct.accountId);
    expect(ledger).toMatchObject({ balance: 4, reserved: 0, spent: 1 });
  });

  it("mock product title returns the person image unchanged (byte for byte)", async () => {
    const acct = await fundedAccount(5);
    const imageId = await uploadPerson(acct);
    await registerProduct(acct, "mock-1", "mock");
    const res = await tryOn(acct, { products: [{ externalId: "mock-1" }], person: { image: { source: { id: imageId } } } });
    const { generation } = await acceptAndRun(res, acct);
    expect(generation).toMatchObject({ status: "COMPLETED", engine: "mock" });
    const file = await fetchThroughWorker(generation.resultImageUrl as string);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(await personJpeg());
  });

  it("deprecated shape: product + customer.fileKey (multipart) + one-shot product with a fileKey image", async () => {
    const acct = await fundedAccount(5);
    const res = await tryOnMultipart(
      acct,
      { product: { title: "Tee", images: [{ fileKey: "garment" }] }, customer: { fileKey: "me" }, customerId: "u2", retentionDays: 1, useWatermark: false },
      { garment: filePart(await garmentPng(), "g.png", "image/png"), me: filePart(await personJpeg(), "me.jpg", "image/jpeg") },
    );
    const { accepted, generation } = await acceptAndRun(res, acct);
    expect(accepted.productExternalId).toMatch(/^_anon_/);
    expect(generation).toMatchObject({ status: "COMPLETED", externalUserId: "u2" });
    const row = await genRow(accepted.generationId);
    expect(row).toMatchObject({ keep_for_days: 1, watermark: 0 });
    // The one-shot product exists, lives 7 days from use, and is not listed.
    const p = await api(acct, `/products/${accepted.productExternalId}`);
    expect(p.status).toBe(200);
    const list = await readWire(await api(acct, "/products"), ProductListSchema);
    expect(list.items.map((i) => i.externalId)).not.toContain(accepted.productExternalId);
  });

  it("inline upsert via customer.source.fileKey and products[] with externalId + images", async () => {
    const acct = await fundedAccount(5);
    const res = await tryOnMultipart(
      acct,
      { products: [{ externalId: "inline-1", title: "Tee", images: [{ source: { fileKey: "g" } }] }], customer: { source: { fileKey: "p" } } },
      { g: filePart(await garmentPng(), "g.png", "image/png"), p: filePart(await personJpeg(), "p.jpg", "image/jpeg") },
    );
    const { accepted, generation } = await acceptAndRun(res, acct);
    expect(accepted.productExternalId).toBe("inline-1");
    expect(generation.status).toBe("COMPLETED");
    const product = await readWire(await api(acct, "/products/inline-1"), ProductSchema);
    const days = (Date.parse(product.expiresAt!) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(14.9);
    expect(days).toBeLessThanOrEqual(15);
    expect(product.lastUsedAt).not.toBeNull();
    // Later: a bare reference to it works.
    const again = await tryOn(acct, {
      products: [{ externalId: "inline-1" }],
      person: { image: { source: { id: (await genRow(accepted.generationId)).person_image_id } } },
    });
    expect(again.status).toBe(202);
  });
});
