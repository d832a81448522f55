import { describe, expect, it, vi } from "vitest";
import { api, call, createAccount, type TestAccount } from "../helpers/harness";
import { filePart, fundedAccount, garmentPng, personJpeg, runConsumer, usePipelineQueues } from "../helpers/pipeline";

/**
 * Genlook parity, replayed: every request example of Genlook's public Try-On
 * API documentation (docs/try-on.md and docs/images-and-products.md restate
 * them) is sent as a Genlook client sends it, and each documented response
 * field is checked for presence, type and status, the way a Genlook client
 * validates it (`string | undefined`, never null, for fields that do not apply).
 * Nothing here goes through Drape's own wire schemas: the point is the raw JSON.
 */
const queue = usePipelineQueues();

type Json = Record<string, unknown>;
type Kind = "string" | "number" | "boolean" | "array" | "object" | "null";

function kindOf(v: unknown): Kind | "undefined" {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v as Kind | "undefined";
}

/** Each listed field present with its documented type (several kinds: any of them). */
function expectFields(body: Json, fields: Record<string, Kind | Kind[]>, label: string) {
  for (const [field, kinds] of Object.entries(fields)) {
    const allowed = Array.isArray(kinds) ? kinds : [kinds];
    expect(allowed, `${label}: ${field} is ${kindOf(body[field])}`).toContain(kindOf(body[field]));
  }
}

/** Fields a Genlook client types as optional strings: absent or a string, never null. */
function expectOptionalStrings(body: Json, fields: string[], label: string) {
  for (const f of fields) expect(["undefined", "string"], `${label}: ${f}`).toContain(kindOf(body[f]));
}

async function json(res: Response, status: number | number[], label: string): Promise<Json> {
  const text = await res.text();
  expect(Array.isArray(status) ? status : [status], `${label}: ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
  return text ? (JSON.parse(text) as Json) : {};
}

/** Genlook's error shape: `{code, message, status}` with status equal to the HTTP status; details[] of {path, message}. */
async function expectGenlookError(res: Response, status: number, code: string, label: string): Promise<Json> {
  const body = await json(res, status, label);
  expectFields(body, { code: "string", message: "string", status: "number" }, label);
  expect(body.code, label).toBe(code);
  expect(body.status, label).toBe(status);
  if (body.details !== undefined) {
    expect(Array.isArray(body.details), `${label}: details is an array`).toBe(true);
    for (const d of body.details as Json[]) expectFields(d, { path: "string", message: "string" }, `${label} details`);
  }
  return body;
}

const PRODUCT_FIELDS: Record<string, Kind | Kind[]> = {
  externalId: "string",
  title: ["string", "null"],
  description: ["string", "null"],
  metadata: ["object", "null", "array", "string", "number", "boolean"],
  autoDetectImageRoles: "boolean",
  validForDays: ["number", "null"],
  expiresAt: ["string", "null"],
  lastUsedAt: ["string", "null"],
  createdAt: "string",
  updatedAt: "string",
  images: "array",
};

function expectProduct(body: Json, label: string) {
  expectFields(body, PRODUCT_FIELDS, label);
  for (const img of body.images as Json[]) expectFields(img, { sourceUrl: "string", role: ["string", "null"], order: "number" }, `${label} image`);
}

function expectGeneration(body: Json, label: string) {
  expectFields(body, { generationId: "string", status: "string", createdAt: "string", updatedAt: "string" }, label);
  expect(["PENDING", "PROCESSING", "COMPLETED", "FAILED"], label).toContain(body.status);
  expectOptionalStrings(body, ["resultImageUrl", "errorMessage", "errorCode"], label);
  expect(Object.values(body), `${label}: no field is null`).not.toContain(null);
  if (body.status === "COMPLETED") expect(kindOf(body.resultImageUrl), label).toBe("string");
  else expect(body, label).not.toHaveProperty("resultImageUrl");
  if (body.status === "FAILED") expect(kindOf(body.errorMessage), label).toBe("string");
  else {
    expect(body, label).not.toHaveProperty("errorMessage");
    expect(body, label).not.toHaveProperty("errorCode");
  }
}

async function upload(acct: TestAccount, fields: Record<string, string> = {}): Promise<Json> {
  const form = new FormData();
  form.set("file", filePart(await personJpeg(), "me.jpg", "image/jpeg"));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return json(await api(acct, "/images/upload", { method: "POST", body: form }), [200, 201], "POST /images/upload");
}

async function run(generationId: string) {
  await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
}

/** Product image URLs and person URLs resolve to test images (nothing leaves the test). */
async function serveImages() {
  const garment = await garmentPng();
  const person = await personJpeg();
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = new Request(input).url;
    if (url.includes("/missing")) return new Response("gone", { status: 404 });
    if (url.includes("person") || url.includes("/me")) return new Response(person, { headers: { "content-type": "image/jpeg" } });
    return new Response(garment, { headers: { "content-type": "image/png" } });
  });
}

describe("Genlook replay: images, try-on, generations", () => {
  it("POST /images/upload (file, crop, externalUserId, keepForDays; deprecated customerId, retentionDays) → {imageId, imageUrl}", async () => {
    const acct = await createAccount();
    const variants: Array<Record<string, string>> = [{}, { crop: "false", externalUserId: "u1", keepForDays: "3" }, { customerId: "u1", retentionDays: "1" }];
    for (const fields of variants) {
      expectFields(await upload(acct, fields), { imageId: "string", imageUrl: "string" }, `upload ${JSON.stringify(fields)}`);
    }
    await expectGenlookError(await api(acct, "/images/upload", { method: "POST", body: new FormData() }), 400, "FILE_REQUIRED", "upload without file");
  });

  it("POST /try-on, new (1.4+) and old (1.0–1.3) shapes from the docs → {generationId, status: PENDING, productExternalId}; then GET /generations/:id", async () => {
    await serveImages();
    const acct = await fundedAccount(10);
    const { imageId } = await upload(acct);
    const product = await json(
      await api(acct, "/products", {
        method: "POST",
        json: { externalId: "shirt-42", title: "Oxford shirt", images: [{ source: { url: "https://cdn.example.com/shirt-42.png" } }] },
      }),
      [200, 201],
      "POST /products",
    );
    expectProduct(product, "POST /products");

    const bodies: Array<[string, unknown]> = [
      [
        "new",
        {
          products: [{ externalId: "shirt-42" }],
          person: { image: { source: { id: imageId } } },
          externalUserId: "u1",
          output: { watermark: false, keepForDays: 3 },
        },
      ],
      ["old", { product: { externalId: "shirt-42" }, customer: { id: imageId }, customerId: "u1", useWatermark: false, retentionDays: 3 }],
      ["1.3 source", { product: { externalId: "shirt-42" }, customer: { source: { id: imageId } } }],
      [
        "inline upsert",
        {
          products: [
            { externalId: "tee-1", title: "Tee", images: [{ source: { url: "https://cdn.example.com/tee.png" }, classifications: { view: "front" } }] },
          ],
          person: { image: { source: { id: imageId } } },
        },
      ],
      [
        "one-shot",
        {
          products: [{ title: "Dress", images: [{ source: { url: "https://cdn.example.com/dress.png" } }] }],
          person: { image: { source: { url: "https://photos.example.com/me.jpg" } } },
        },
      ],
      [
        "mock",
        {
          products: [{ externalId: "mock-1", title: "mock", images: [{ url: "https://cdn.example.com/m.png" }] }],
          person: { image: { source: { id: imageId } } },
        },
      ],
    ];
    for (const [label, body] of bodies) {
      const accepted = await json(await api(acct, "/try-on", { method: "POST", json: body }), [200, 202], `POST /try-on (${label})`);
      expectFields(accepted, { generationId: "string", status: "string", productExternalId: "string" }, label);
      expect(accepted.status).toBe("PENDING");
      if (label === "one-shot") expect(accepted.productExternalId).toMatch(/^_anon_/);
      else if (label === "inline upsert") expect(accepted.productExternalId).toBe("tee-1");
      else if (label !== "mock") expect(accepted.productExternalId).toBe("shirt-42");

      const id = accepted.generationId as string;
      expectGeneration(await json(await api(acct, `/generations/${id}`), 200, `GET pending (${label})`), `pending (${label})`);
      await run(id);
      const done = await json(await api(acct, `/generations/${id}`), 200, `GET done (${label})`);
      expectGeneration(done, `done (${label})`);
      expect(done.status, label).toBe("COMPLETED");
    }

    // One-shot products are readable by their _anon_ id; another account's generation is 403 FORBIDDEN.
    const other = await createAccount();
    const someId = queue.messages[0]?.generationId as string;
    await expectGenlookError(await api(other, `/generations/${someId}`), 403, "FORBIDDEN", "another account's generation");
  });

  it("a product URL unreachable at run time → FAILED with errorCode PRODUCT_IMAGE_FETCH_FAILED (no resultImageUrl)", async () => {
    await serveImages();
    const acct = await fundedAccount(2);
    const { imageId } = await upload(acct);
    const accepted = await json(
      await api(acct, "/try-on", {
        method: "POST",
        json: {
          products: [{ title: "x", images: [{ source: { url: "https://cdn.example.com/missing.png" } }] }],
          person: { image: { source: { id: imageId } } },
        },
      }),
      202,
      "try-on",
    );
    await run(accepted.generationId as string);
    const failed = await json(await api(acct, `/generations/${accepted.generationId as string}`), 200, "GET failed");
    expectGeneration(failed, "failed");
    expect(failed).toMatchObject({ status: "FAILED", errorCode: "PRODUCT_IMAGE_FETCH_FAILED" });
  });

  it("POST /try-on/sync: 200 with resultImageUrl when done, else 202 with generationId", async () => {
    const acct = await fundedAccount(2);
    const { imageId } = await upload(acct);
    const res = await api(acct, "/try-on/sync?wait=0", {
      method: "POST",
      json: { products: [{ title: "mock", images: [{ source: { url: "https://cdn.example.com/m.png" } }] }], person: { image: { source: { id: imageId } } } },
    });
    const body = await json(res, [200, 202], "sync");
    if (res.status === 200) expectGeneration(body, "sync 200");
    else expectFields(body, { generationId: "string" }, "sync 202");
  });
});

describe("Genlook replay: products, stats, credits, customers", () => {
  it("POST /products (current, deprecated flat and imageUrls forms; multipart with fileKey) → the product object; GET list, one, stats, DELETE", async () => {
    await serveImages();
    const acct = await createAccount();
    const forms: Json[] = [
      {
        externalId: "p-current",
        title: "T",
        description: "D",
        images: [{ source: { url: "https://cdn.example.com/a.png" }, classifications: { view: "front" } }],
        metadata: { sku: "1" },
        validForDays: 30,
      },
      { externalId: "p-flat", images: [{ url: "https://cdn.example.com/b.png" }] },
      { externalId: "p-alias", imageUrls: ["https://cdn.example.com/c.png"], validForDays: null },
      { externalId: "p-roles", autoDetectImageRoles: false, images: [{ source: { url: "https://cdn.example.com/d.png" }, role: "top-back" }] },
    ];
    for (const body of forms)
      expectProduct(await json(await api(acct, "/products", { method: "POST", json: body }), [200, 201], `POST ${body.externalId}`), String(body.externalId));
    const form = new FormData();
    form.set("data", JSON.stringify({ externalId: "p-multi", images: [{ source: { fileKey: "front" } }] }));
    form.set("front", filePart(await garmentPng(), "front.png", "image/png"));
    const multi = await json(await api(acct, "/products", { method: "POST", body: form }), [200, 201], "multipart");
    expectProduct(multi, "multipart");
    expect((multi.images as Json[])[0]?.sourceUrl).toMatch(/^upload:\/\//);

    const list = await json(await api(acct, "/products?limit=2"), 200, "GET /products");
    expectFields(list, { items: "array", nextCursor: ["string", "null"], hasMore: "boolean", count: "number" }, "list");
    expect(list.count).toBe(2);
    const next = await json(await api(acct, `/products?limit=200&cursor=${encodeURIComponent(String(list.nextCursor))}`), 200, "page 2");
    expect((next.items as Json[]).length).toBe(3);
    for (const p of [...(list.items as Json[]), ...(next.items as Json[])]) expectProduct(p, "listed");

    expectProduct(await json(await api(acct, "/products/p-current"), 200, "GET one"), "GET one");
    const day = new Date().toISOString().slice(0, 10);
    for (const q of ["", `?from=${new Date(Date.now() - 86400_000).toISOString()}&to=${new Date().toISOString()}`, `?from=${day}&to=${day}`]) {
      const stats = await json(await api(acct, `/products/p-current/stats${q}`), 200, `stats ${q}`);
      expectFields(stats, { totalGenerations: "number", completedGenerations: "number", failedGenerations: "number", avgGenerationTimeMs: "number" }, "stats");
    }
    await expectGenlookError(await api(acct, "/products/nope/stats"), 404, "PRODUCT_NOT_FOUND", "stats unknown");
    expect((await api(acct, "/products/p-flat", { method: "DELETE" })).status).toBeLessThan(300);
    await expectGenlookError(await api(acct, "/products/p-flat"), 404, "PRODUCT_NOT_FOUND", "deleted");
  });

  it("GET /account/credits → {creditBalance}; DELETE /customers/:id → 204 even when nothing matches", async () => {
    const acct = await fundedAccount(422);
    const credits = await json(await api(acct, "/account/credits"), 200, "credits");
    expectFields(credits, { creditBalance: "number" }, "credits");
    expect(credits.creditBalance).toBe(422);
    const erased = await api(acct, "/customers/nobody", { method: "DELETE" });
    expect(erased.status).toBe(204);
    expect(await erased.text()).toBe("");
  });
});

describe("Genlook replay: the error catalog's documented rows", () => {
  it("each documented code with its status and shape", async () => {
    const acct = await fundedAccount(1);
    const { imageId } = await upload(acct);
    const person = { image: { source: { id: imageId } } };
    await expectGenlookError(await call("/tryon/v1/account/credits"), 401, "MISSING_API_KEY", "no key");
    await expectGenlookError(await api({ key: "gk_not_a_key" }, "/account/credits"), 401, "INVALID_API_KEY", "bad key");
    const invalid = await expectGenlookError(
      await api(acct, "/try-on", { method: "POST", json: { products: [{ images: [{ source: { url: "not a url" } }] }], person } }),
      400,
      "VALIDATION_FAILED",
      "validation",
    );
    expect(Array.isArray(invalid.details)).toBe(true);
    await expectGenlookError(
      await api(acct, "/products", { method: "POST", json: { images: [{ url: "https://cdn.example.com/a.png" }] } }),
      400,
      "EXTERNAL_ID_REQUIRED",
      "no externalId",
    );
    await expectGenlookError(await api(acct, "/products", { method: "POST", json: { externalId: "empty" } }), 400, "PRODUCT_IMAGES_REQUIRED", "no images");
    await expectGenlookError(
      await api(acct, "/try-on", { method: "POST", json: { products: [{ externalId: "x" }] } }),
      400,
      "CUSTOMER_IMAGE_REQUIRED",
      "no person",
    );
    const form = new FormData();
    form.set("data", JSON.stringify({ products: [{ title: "t", images: [{ source: { fileKey: "absent" } }] }], person }));
    await expectGenlookError(await api(acct, "/try-on", { method: "POST", body: form }), 400, "MULTIPART_FILE_NOT_FOUND", "missing part");
    await expectGenlookError(
      await api(acct, "/products", { method: "POST", json: { externalId: "bad", images: [{}] } }),
      400,
      "INVALID_IMAGE_INPUT",
      "empty image entry",
    );
    const tiny = new FormData();
    tiny.set("file", filePart(new TextEncoder().encode("\xff\xd8\xff"), "t.jpg", "image/jpeg"));
    await expectGenlookError(await api(acct, "/images/upload", { method: "POST", body: tiny }), 400, "INVALID_IMAGE", "broken image");
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("gone", { status: 404 }));
    await expectGenlookError(
      await api(acct, "/try-on", {
        method: "POST",
        json: {
          products: [{ title: "t", images: [{ url: "https://cdn.example.com/t.png" }] }],
          person: { image: { source: { url: "https://photos.example.com/missing.jpg" } } },
        },
      }),
      400,
      "CUSTOMER_IMAGE_FETCH_FAILED",
      "person url",
    );
    vi.restoreAllMocks();
    await expectGenlookError(
      await api(acct, "/try-on", { method: "POST", json: { products: [{ externalId: "unknown" }], person } }),
      404,
      "PRODUCT_NOT_FOUND",
      "unknown product",
    );
    const broke = await createAccount();
    const brokeImage = (await upload(broke)).imageId;
    await expectGenlookError(
      await api(broke, "/try-on", {
        method: "POST",
        json: { products: [{ title: "mock", images: [{ url: "https://cdn.example.com/m.png" }] }], person: { image: { source: { id: brokeImage } } } },
      }),
      402,
      "INSUFFICIENT_CREDITS",
      "no credits",
    );
    const limited = await createAccount({ key: { rateLimitPerMinute: 1, rateLimitBurst: 1 } });
    await api(limited, "/account/credits");
    await expectGenlookError(await api(limited, "/account/credits"), 429, "RATE_LIMITED", "rate limit");
  });
});
