import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ErrorCode } from "../../../src/errors";
import { ImageSchema } from "../../../src/schemas/images";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { api, createAccount, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
import { GIF_BYTES, makeJpeg } from "../../helpers/images";
import {
  counts,
  filePart,
  fundedAccount,
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

let acct: TestAccount;
let imageId: string;
beforeAll(async () => {
  acct = await fundedAccount(10);
  imageId = await uploadPerson(acct);
  await registerProduct(acct, "shirt-ok");
});

const person = () => ({ image: { source: { id: imageId } } });

/** Sends a bad try-on and proves nothing was written, charged or queued. */
async function rejected(send: () => Promise<Response>, status: number, code: ErrorCode) {
  const before = await counts(acct.accountId);
  const ledger = await expectLedgerBalances(acct.accountId);
  const sent = queue.messages.length;
  const body = await expectEnvelope(await send(), status, code);
  expect(await counts(acct.accountId)).toEqual(before);
  expect(await expectLedgerBalances(acct.accountId)).toEqual(ledger);
  expect(queue.messages.length).toBe(sent);
  return body;
}

describe("validation before any charge or write", () => {
  it.each<[string, unknown, number, ErrorCode]>([
    ["no person image", { products: [{ externalId: "shirt-ok" }] }, 400, "CUSTOMER_IMAGE_REQUIRED"],
    ["empty person source", { products: [{ externalId: "shirt-ok" }], person: { image: { source: {} } } }, 400, "CUSTOMER_IMAGE_REQUIRED"],
    ["no product", { person: "PERSON" }, 400, "VALIDATION_FAILED"],
    ["two products", { products: [{ externalId: "shirt-ok" }, { externalId: "shirt-ok" }], person: "PERSON" }, 400, "VALIDATION_FAILED"],
    ["unknown product reference", { products: [{ externalId: "nope" }], person: "PERSON" }, 404, "PRODUCT_NOT_FOUND"],
    ["unknown person image", { products: [{ externalId: "shirt-ok" }], person: { image: { source: { id: "img_doesnotexist" } } } }, 404, "IMAGE_NOT_FOUND"],
    [
      "person source with id and url",
      { products: [{ externalId: "shirt-ok" }], person: { image: { source: { id: "x", url: "https://a.example/x.jpg" } } } },
      400,
      "INVALID_IMAGE_INPUT",
    ],
    ["one-shot product without images", { products: [{ title: "Tee" }], person: "PERSON" }, 400, "PRODUCT_IMAGES_REQUIRED"],
    ["new inline product without images", { products: [{ externalId: "new-1", title: "Tee" }], person: "PERSON" }, 400, "PRODUCT_IMAGES_REQUIRED"],
    ["image entry with neither url nor fileKey", { products: [{ externalId: "new-2", images: [{}] }], person: "PERSON" }, 400, "INVALID_IMAGE_INPUT"],
    [
      "product image URL to a private address",
      { products: [{ images: [{ source: { url: "http://10.0.0.7/a.jpg" } }] }], person: "PERSON" },
      400,
      "INVALID_IMAGE_INPUT",
    ],
    [
      "reserved _anon_ id upserted inline",
      { products: [{ externalId: "_anon_mine", images: [{ url: "https://cdn.example.com/a.jpg" }] }], person: "PERSON" },
      409,
      "RESERVED_EXTERNAL_ID",
    ],
    [
      "fileKey in a JSON request",
      { products: [{ externalId: "shirt-ok" }], person: { image: { source: { fileKey: "me" } } } },
      400,
      "MULTIPART_FILE_NOT_FOUND",
    ],
    ["bad category", { products: [{ externalId: "shirt-ok" }], person: "PERSON", category: "hats" }, 400, "VALIDATION_FAILED"],
    [
      "customerId ≠ externalUserId",
      { products: [{ externalId: "shirt-ok" }], person: "PERSON", externalUserId: "a", customerId: "b" },
      400,
      "VALIDATION_FAILED",
    ],
    ["product ≠ products[0]", { products: [{ externalId: "shirt-ok" }], product: { externalId: "other" }, person: "PERSON" }, 400, "VALIDATION_FAILED"],
    ["customer ≠ person", { products: [{ externalId: "shirt-ok" }], person: "PERSON", customer: { id: "img_other" } }, 400, "VALIDATION_FAILED"],
    ["customer.source ≠ customer", { products: [{ externalId: "shirt-ok" }], customer: { id: "ID", source: { id: "img_other" } } }, 400, "VALIDATION_FAILED"],
    [
      "retentionDays ≠ output.keepForDays",
      { products: [{ externalId: "shirt-ok" }], person: "PERSON", output: { keepForDays: 1 }, retentionDays: 3 },
      400,
      "VALIDATION_FAILED",
    ],
    [
      "useWatermark ≠ output.watermark",
      { products: [{ externalId: "shirt-ok" }], person: "PERSON", output: { watermark: true }, useWatermark: false },
      400,
      "VALIDATION_FAILED",
    ],
    ["keepForDays 5", { products: [{ externalId: "shirt-ok" }], person: "PERSON", output: { keepForDays: 5 } }, 400, "VALIDATION_FAILED"],
    [
      "webhookUrl to a private address",
      { products: [{ externalId: "shirt-ok" }], person: "PERSON", webhookUrl: "https://10.1.2.3/hook" },
      400,
      "VALIDATION_FAILED",
    ],
    [
      "webhook_url ≠ webhookUrl",
      { products: [{ externalId: "shirt-ok" }], person: "PERSON", webhookUrl: "https://a.example/h", webhook_url: "https://b.example/h" },
      400,
      "VALIDATION_FAILED",
    ],
    [
      "person URL to a blocked address",
      { products: [{ externalId: "shirt-ok" }], person: { image: { source: { url: "http://169.254.169.254/latest" } } } },
      400,
      "CUSTOMER_IMAGE_FETCH_FAILED",
    ],
  ])("%s → %s %s", async (_name, body, status, code) => {
    const json = JSON.parse(JSON.stringify(body).replaceAll('"PERSON"', JSON.stringify(person())).replaceAll('"ID"', JSON.stringify(imageId)));
    const env1 = await rejected(() => tryOn(acct, json), status, code);
    if (code === "VALIDATION_FAILED") expect(env1.details).toEqual(expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]));
  });

  it("names the offending path for alias conflicts and list length", async () => {
    const a = await rejected(
      () => tryOn(acct, { products: [{ externalId: "shirt-ok" }], person: person(), externalUserId: "a", customerId: "b" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(a.details).toEqual([{ path: "customerId", message: expect.any(String) }]);
    const b = await rejected(() => tryOn(acct, { products: [], person: person() }), 400, "VALIDATION_FAILED");
    expect(b.details).toEqual([{ path: "products", message: expect.stringContaining("exactly one") }]);
    const c = await rejected(() => tryOn(acct, { products: [{ images: [{ url: "ftp://x.example/a.jpg" }] }], person: person() }), 400, "VALIDATION_FAILED");
    expect((c.details as { path: string }[])[0]?.path).toBe("products.0.images.0.url");
  });

  it("malformed JSON, wrong content type, multipart without data", async () => {
    const bad = await rejected(
      () => api(acct, "/try-on", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(bad.details).toEqual([{ path: "", message: expect.any(String) }]);
    await rejected(() => api(acct, "/try-on", { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    const form = new FormData();
    form.set("me", filePart(await personJpeg(), "me.jpg", "image/jpeg"));
    await rejected(() => api(acct, "/try-on", { method: "POST", body: form }), 400, "VALIDATION_FAILED");
  });

  it("multipart image checks: missing part, not an image, too small", async () => {
    const data = { products: [{ externalId: "shirt-ok" }], person: { image: { source: { fileKey: "me" } } } };
    await rejected(async () => tryOnMultipart(acct, data, { other: filePart(GIF_BYTES, "x.gif", "image/gif") }), 400, "MULTIPART_FILE_NOT_FOUND");
    await rejected(async () => tryOnMultipart(acct, data, { me: filePart(GIF_BYTES, "x.gif", "image/gif") }), 400, "UNSUPPORTED_IMAGE_TYPE");
    await rejected(
      async () => tryOnMultipart(acct, data, { me: filePart(await makeJpeg(100, 100), "s.jpg", "image/jpeg") }),
      400,
      "IMAGE_DIMENSIONS_OUT_OF_RANGE",
    );
    const inline = { products: [{ title: "Tee", images: [{ source: { fileKey: "g" } }] }], person: { image: { source: { fileKey: "me" } } } };
    await rejected(async () => tryOnMultipart(acct, inline, { me: filePart(await personJpeg(), "me.jpg", "image/jpeg") }), 400, "MULTIPART_FILE_NOT_FOUND");
    await rejected(
      async () => tryOnMultipart(acct, inline, { me: filePart(await personJpeg(), "me.jpg", "image/jpeg"), g: filePart(GIF_BYTES, "g.gif", "image/gif") }),
      400,
      "UNSUPPORTED_IMAGE_TYPE",
    );
  });

  it("person URL that answers 404 → synchronous CUSTOMER_IMAGE_FETCH_FAILED", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("nope", { status: 404 }));
    await rejected(
      () => tryOn(acct, { products: [{ externalId: "shirt-ok" }], person: { image: { source: { url: "https://photos.example.com/me.jpg" } } } }),
      400,
      "CUSTOMER_IMAGE_FETCH_FAILED",
    );
  });

  it("an account without credits → 402 INSUFFICIENT_CREDITS, nothing stored (not even inline files)", async () => {
    const poor = await createAccount();
    const before = await counts(poor.accountId);
    const res = await tryOnMultipart(
      poor,
      { products: [{ externalId: "tee", images: [{ source: { fileKey: "g" } }] }], person: { image: { source: { fileKey: "me" } } } },
      { g: filePart(await personJpeg(), "g.jpg", "image/jpeg"), me: filePart(await personJpeg(), "me.jpg", "image/jpeg") },
    );
    await expectEnvelope(res, 402, "INSUFFICIENT_CREDITS");
    expect(await counts(poor.accountId)).toEqual(before);
  });
});

describe("accepted shapes", () => {
  it("an alias equal to its replacement is accepted; unknown fields are named in x-ignored-fields", async () => {
    const res = await tryOn(acct, {
      products: [{ externalId: "shirt-ok" }],
      product: { externalId: "shirt-ok" },
      person: person(),
      customer: { id: imageId },
      externalUserId: "u9",
      customerId: "u9",
      output: { keepForDays: 3, watermark: true, aiLabel: true },
      retentionDays: 3,
      webhook_url: "https://hooks.example.com/drape",
      mode: "quality",
      seed: 42,
      category: "tops",
      colour: "blue",
    });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(res.headers.get("x-ignored-fields")?.split(", ").sort()).toEqual(["colour", "output.aiLabel"]);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect(await genRow(generationId)).toMatchObject({
      external_user_id: "u9",
      keep_for_days: 3,
      watermark: 1,
      webhook_url: "https://hooks.example.com/drape",
      mode: "quality",
      seed: 42,
      category: "tops",
      status: "PENDING",
      credit_state: "reserved",
    });
  });

  it("person by URL is fetched now and stored with keepForDays; product by URL is fetched at run time", async () => {
    const personBytes = await personJpeg();
    const garment = await makeJpeg(400, 400, (x, y) => (x > 100 && x < 300 && y > 60 && y < 360 ? [200, 30, 30, 255] : [250, 250, 250, 255]));
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = new Request(input).url;
      if (url === "https://photos.example.com/me.jpg") return new Response(personBytes, { headers: { "content-type": "image/jpeg" } });
      if (url === "https://cdn.example.com/tee.jpg") return new Response(garment, { headers: { "content-type": "image/jpeg" } });
      return new Response("missing", { status: 404 });
    });
    const res = await tryOn(acct, {
      products: [{ externalId: "url-tee", title: "Tee", images: [{ source: { url: "https://cdn.example.com/tee.jpg" } }] }],
      person: { image: { source: { url: "https://photos.example.com/me.jpg" } } },
      output: { keepForDays: 1 },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect(fetchSpy.mock.calls.map((c) => new Request(c[0]).url)).toEqual(["https://photos.example.com/me.jpg"]);
    const row = await genRow(generationId);
    const img = await api(acct, `/images/${row.person_image_id}`);
    expect(img.status).toBe(200);
    const days = (Date.parse((await readWire(img, ImageSchema)).expiresAt!) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(0.9);
    expect(days).toBeLessThanOrEqual(1);
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
    expect(fetchSpy.mock.calls.map((c) => new Request(c[0]).url)).toContain("https://cdn.example.com/tee.jpg");
    const done = await genRow(generationId);
    expect(done.status).toBe("COMPLETED");
    expect(done.result_expires_at! - done.completed_at!).toBeLessThanOrEqual(86400_000);
  });
});
