import type { z } from "@hono/zod-openapi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { now } from "../../../src/lib/clock";
import { ProductDeletedSchema, ProductListSchema, ProductSchema } from "../../../src/schemas/products";
import { getProduct, resolveProductImage, touchProduct, upsertProduct } from "../../../src/services/products/products";
import { api, createAccount, env, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
import { GIF_BYTES, makeJpeg, makePng } from "../../helpers/images";

type ProductBody = z.infer<typeof ProductSchema>;

const URL_A = "https://cdn.example.com/a.jpg";
const URL_B = "https://cdn.example.com/b.jpg";

function post(acct: TestAccount, json: unknown) {
  return api(acct, "/products", { method: "POST", json });
}

async function postOk(acct: TestAccount, json: unknown): Promise<ProductBody> {
  const res = await post(acct, json);
  if (res.status !== 200) throw new Error(`POST /products ${res.status}: ${await res.text()}`);
  return await readWire(res, ProductSchema);
}

function postMultipart(acct: TestAccount, data: unknown, files: Record<string, Uint8Array>) {
  const form = new FormData();
  form.append("data", JSON.stringify(data));
  for (const [name, bytes] of Object.entries(files)) form.append(name, new File([bytes], `${name}.bin`));
  return api(acct, "/products", { method: "POST", body: form });
}

async function count(sql: string, ...binds: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /products: create, read, partial update", () => {
  it("creates with the current shape and reads it back", async () => {
    const acct = await createAccount();
    const body = await postOk(acct, {
      externalId: "shirt-42",
      title: "Oxford shirt",
      description: "Navy",
      images: [{ source: { url: URL_A }, classifications: { view: "front" } }],
      metadata: { sku: "SH-42" },
    });
    expect(body).toMatchObject({
      externalId: "shirt-42",
      title: "Oxford shirt",
      description: "Navy",
      metadata: { sku: "SH-42" },
      validForDays: null,
      expiresAt: null,
      lastUsedAt: null,
      autoDetectImageRoles: true,
      images: [{ sourceUrl: URL_A, role: null, order: 0, classifications: { view: "front" } }],
    });
    const got = await api(acct, "/products/shirt-42");
    expect(got.status).toBe(200);
    expect(await readWire(got, ProductSchema)).toEqual(body);
  });

  it("images[].role and autoDetectImageRoles as Genlook defines them, beside classifications; kept on partial update", async () => {
    const acct = await createAccount();
    const body = await postOk(acct, {
      externalId: "roles",
      title: "Tee",
      autoDetectImageRoles: false,
      images: [
        { source: { url: URL_A }, role: "top-front", classifications: { view: "front" } },
        { source: { url: URL_B }, role: "top-back" },
      ],
    });
    expect(body.autoDetectImageRoles).toBe(false);
    expect(body.images).toEqual([
      { sourceUrl: URL_A, role: "top-front", order: 0, classifications: { view: "front" } },
      { sourceUrl: URL_B, role: "top-back", order: 1, classifications: null },
    ]);
    const updated = await postOk(acct, { externalId: "roles", title: "Tee 2" });
    expect(updated).toMatchObject({ autoDetectImageRoles: false, images: body.images });
    const listed = await readWire(await api(acct, "/products"), ProductListSchema);
    expect(listed.items[0]).toMatchObject({ externalId: "roles", autoDetectImageRoles: false, images: body.images });
    await expectEnvelope(
      await api(acct, "/products", { method: "POST", json: { externalId: "bad-role", images: [{ source: { url: URL_A }, role: "Top Front!" }] } }),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("partial update keeps omitted fields; images replace the list; validForDays sets an expiry", async () => {
    const acct = await createAccount();
    const first = await postOk(acct, { externalId: "p1", title: "T", description: "D", metadata: { a: 1 }, images: [{ url: URL_A }, { url: URL_B }] });
    const second = await postOk(acct, { externalId: "p1", title: "T2" });
    expect(second).toMatchObject({ title: "T2", description: "D", metadata: { a: 1 }, images: first.images, createdAt: first.createdAt });
    const third = await postOk(acct, { externalId: "p1", images: [{ source: { url: URL_B } }], validForDays: 30 });
    expect(third.images).toEqual([{ sourceUrl: URL_B, role: null, order: 0, classifications: null }]);
    expect(third.title).toBe("T2");
    expect(Date.parse(third.expiresAt!) - Date.parse(third.updatedAt)).toBe(30 * 86400_000);
    const fourth = await postOk(acct, { externalId: "p1", validForDays: null, description: null });
    expect(fourth).toMatchObject({ validForDays: null, expiresAt: null, description: null, title: "T2" });
    // One row, not four.
    expect(await count("SELECT count(*) AS n FROM products WHERE account_id = ?", acct.accountId)).toBe(1);
  });

  it("accepts every alias form of images", async () => {
    const acct = await createAccount();
    const forms: unknown[] = [
      { images: [{ source: { url: URL_A } }] },
      { images: [{ url: URL_A }] },
      { imageUrls: [URL_A] },
      { images: [{ url: URL_A }], imageUrls: [URL_A] },
      { images: [{ source: { url: URL_A }, url: URL_A }] },
    ];
    for (const [i, form] of forms.entries()) {
      const body = await postOk(acct, { externalId: `alias-${i}`, ...(form as object) });
      expect(body.images.map((img) => img.sourceUrl)).toEqual([URL_A]);
    }
  });

  it("names unknown fields in x-ignored-fields", async () => {
    const acct = await createAccount();
    const res = await post(acct, { externalId: "x1", images: [{ url: URL_A, colour: "red" }], webhook_url: "https://x.example.com" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ignored-fields")).toBe("images.0.colour, webhook_url");
  });
});

describe("POST /products: rejections", () => {
  it("EXTERNAL_ID_REQUIRED, PRODUCT_IMAGES_REQUIRED, INVALID_IMAGE_INPUT, RESERVED_EXTERNAL_ID", async () => {
    const acct = await createAccount();
    await expectEnvelope(await post(acct, { title: "no id", images: [{ url: URL_A }] }), 400, "EXTERNAL_ID_REQUIRED");
    await expectEnvelope(await post(acct, { externalId: "new-one", title: "no images" }), 400, "PRODUCT_IMAGES_REQUIRED");
    await expectEnvelope(await post(acct, { externalId: "new-two", images: [] }), 400, "PRODUCT_IMAGES_REQUIRED");
    await expectEnvelope(await post(acct, { externalId: "e1", images: [{}] }), 400, "INVALID_IMAGE_INPUT");
    await expectEnvelope(await post(acct, { externalId: "e2", images: [{ source: {} }] }), 400, "INVALID_IMAGE_INPUT");
    await expectEnvelope(await post(acct, { externalId: "e3", images: [{ source: { url: URL_A, fileKey: "f" } }] }), 400, "INVALID_IMAGE_INPUT");
    await expectEnvelope(await post(acct, { externalId: "_anon_abc", images: [{ url: URL_A }] }), 409, "RESERVED_EXTERNAL_ID");
    // An existing product cannot have its images emptied either.
    await postOk(acct, { externalId: "keep", images: [{ url: URL_A }] });
    await expectEnvelope(await post(acct, { externalId: "keep", images: [] }), 400, "PRODUCT_IMAGES_REQUIRED");
    expect(await count("SELECT count(*) AS n FROM products WHERE account_id = ?", acct.accountId)).toBe(1);
  });

  it("VALIDATION_FAILED: bad URL, alias conflicts, metadata over 16 KB, validForDays range, malformed JSON", async () => {
    const acct = await createAccount();
    const bad = await expectEnvelope(
      await post(acct, { externalId: "v", images: [{ source: { url: "ftp://x.example.com/a.jpg" } }] }),
      400,
      "VALIDATION_FAILED",
    );
    expect((bad.details as { path: string }[])[0]?.path).toBe("images.0.source.url");
    const conflict = await expectEnvelope(await post(acct, { externalId: "v", images: [{ url: URL_A }], imageUrls: [URL_B] }), 400, "VALIDATION_FAILED");
    expect(conflict.details).toEqual([{ path: "imageUrls", message: expect.any(String) }]);
    await expectEnvelope(await post(acct, { externalId: "v", images: [{ source: { url: URL_A }, url: URL_B }] }), 400, "VALIDATION_FAILED");
    const meta = await expectEnvelope(
      await post(acct, { externalId: "v", images: [{ url: URL_A }], metadata: { blob: "x".repeat(17 * 1024) } }),
      400,
      "VALIDATION_FAILED",
    );
    expect((meta.details as { path: string }[])[0]?.path).toBe("metadata");
    for (const validForDays of [0, 366, 1.5]) {
      await expectEnvelope(await post(acct, { externalId: "v", images: [{ url: URL_A }], validForDays }), 400, "VALIDATION_FAILED");
    }
    const malformed = await expectEnvelope(
      await api(acct, "/products", { method: "POST", body: "{nope", headers: { "content-type": "application/json" } }),
      400,
      "VALIDATION_FAILED",
    );
    expect(malformed.details).toEqual([{ path: "", message: expect.any(String) }]);
    await expectEnvelope(
      await api(acct, "/products", { method: "POST", body: "externalId=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expect(await count("SELECT count(*) AS n FROM products WHERE account_id = ?", acct.accountId)).toBe(0);
  });

  it("an unsafe image URL is refused at registration (INVALID_IMAGE_INPUT naming the rule)", async () => {
    const acct = await createAccount();
    const res = await expectEnvelope(
      await post(acct, { externalId: "ssrf", images: [{ url: "http://169.254.169.254/latest/meta-data/" }] }),
      400,
      "INVALID_IMAGE_INPUT",
    );
    expect(res.message).toContain("link-local");
  });
});

describe("POST /products: multipart", () => {
  it("mixes url and fileKey images (current and deprecated forms); bytes land in R2 under keep/", async () => {
    const acct = await createAccount();
    const front = await makePng(300, 400);
    const back = await makeJpeg(320, 400);
    const res = await postMultipart(
      acct,
      {
        externalId: "mixed",
        title: "Mixed",
        images: [{ source: { fileKey: "front" }, classifications: { view: "front" } }, { url: URL_A }, { fileKey: "back", classifications: { view: "back" } }],
      },
      { front, back },
    );
    expect(res.status).toBe(200);
    const body = await readWire(res, ProductSchema);
    expect(body.images.map((i) => i.order)).toEqual([0, 1, 2]);
    expect(body.images[0]?.sourceUrl).toMatch(/^upload:\/\/img_/);
    expect(body.images[0]?.classifications).toEqual({ view: "front" });
    expect(body.images[1]?.sourceUrl).toBe(URL_A);
    expect(body.images[2]?.sourceUrl).toMatch(/^upload:\/\/img_/);
    const frontId = body.images[0]!.sourceUrl.slice("upload://".length);
    const row = await env.DB.prepare("SELECT * FROM images WHERE id = ?").bind(frontId).first<Record<string, unknown>>();
    expect(row).toMatchObject({ account_id: acct.accountId, role: "product", format: "png", width: 300, height: 400, expires_at: null });
    expect((row!.r2_key as string).startsWith(`keep/${acct.accountId}/product/`)).toBe(true);
    const obj = await env.BUCKET.get(row!.r2_key as string);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(front);
    expect(obj!.httpMetadata?.contentType).toBe("image/png");
  });

  it("MULTIPART_FILE_NOT_FOUND (missing part, or fileKey in a JSON request); bad bytes rejected; nothing stored", async () => {
    const acct = await createAccount();
    const png = await makePng(300, 300);
    await expectEnvelope(
      await postMultipart(acct, { externalId: "m1", images: [{ source: { fileKey: "front" } }] }, { other: png }),
      400,
      "MULTIPART_FILE_NOT_FOUND",
    );
    await expectEnvelope(await post(acct, { externalId: "m2", images: [{ source: { fileKey: "front" } }] }), 400, "MULTIPART_FILE_NOT_FOUND");
    // The first part is fine, the second is a GIF: nothing of the request is stored.
    await expectEnvelope(
      await postMultipart(acct, { externalId: "m3", images: [{ fileKey: "a" }, { fileKey: "b" }] }, { a: png, b: GIF_BYTES }),
      400,
      "UNSUPPORTED_IMAGE_TYPE",
    );
    await expectEnvelope(
      await postMultipart(acct, { externalId: "m4", images: [{ fileKey: "a" }] }, { a: await makePng(100, 100) }),
      400,
      "IMAGE_DIMENSIONS_OUT_OF_RANGE",
    );
    const noData = new FormData();
    noData.append("a", new File([png], "a.png"));
    await expectEnvelope(await api(acct, "/products", { method: "POST", body: noData }), 400, "VALIDATION_FAILED");
    const badData = new FormData();
    badData.append("data", "{oops");
    const bd = await expectEnvelope(await api(acct, "/products", { method: "POST", body: badData }), 400, "VALIDATION_FAILED");
    expect(bd.details).toEqual([{ path: "", message: expect.any(String) }]);
    expect(await count("SELECT count(*) AS n FROM products WHERE account_id = ?", acct.accountId)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM images WHERE account_id = ?", acct.accountId)).toBe(0);
  });

  it("replacing uploaded images releases the old ones for the purge", async () => {
    const acct = await createAccount();
    const res = await postMultipart(acct, { externalId: "r1", images: [{ fileKey: "a" }] }, { a: await makePng(300, 300) });
    const oldId = (await readWire(res, ProductSchema)).images[0]!.sourceUrl.slice("upload://".length);
    await postOk(acct, { externalId: "r1", images: [{ url: URL_A }] });
    const row = await env.DB.prepare("SELECT expires_at FROM images WHERE id = ?").bind(oldId).first<{ expires_at: number | null }>();
    expect(row?.expires_at).toBeGreaterThan(Date.now());
  });
});

describe("GET /products: cursor pagination", () => {
  it("walks 3 pages newest first, stable while new products are inserted", async () => {
    const acct = await createAccount();
    for (let i = 0; i < 5; i++) await postOk(acct, { externalId: `p-${i}`, images: [{ url: URL_A }] });
    // Updating an old product does not move it.
    await postOk(acct, { externalId: "p-0", title: "updated" });

    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: Array<{ count: number; hasMore: boolean }> = [];
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const res = await api(acct, `/products${q}`);
      expect(res.status).toBe(200);
      const page = await readWire(res, ProductListSchema);
      seen.push(...page.items.map((p) => p.externalId));
      pages.push({ count: page.count, hasMore: page.hasMore });
      cursor = page.nextCursor;
      // A concurrent insert after page 1 must not shift later pages.
      if (pages.length === 1) await postOk(acct, { externalId: "late", images: [{ url: URL_A }] });
    } while (cursor);
    expect(pages).toEqual([
      { count: 2, hasMore: true },
      { count: 2, hasMore: true },
      { count: 1, hasMore: false },
    ]);
    expect(seen).toEqual(["p-4", "p-3", "p-2", "p-1", "p-0"]);
  });

  it("rejects a forged cursor and an out-of-range limit", async () => {
    const acct = await createAccount();
    const c = await expectEnvelope(await api(acct, "/products?cursor=not-a-cursor"), 400, "VALIDATION_FAILED");
    expect(c.details).toEqual([{ path: "cursor", message: expect.any(String) }]);
    await expectEnvelope(await api(acct, "/products?limit=0"), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(acct, "/products?limit=201"), 400, "VALIDATION_FAILED");
    const ok = await api(acct, "/products?limit=200");
    expect(await readWire(ok, ProductListSchema)).toEqual({ items: [], nextCursor: null, hasMore: false, count: 0 });
  });
});

describe("lifetimes", () => {
  it("an expired product answers PRODUCT_NOT_FOUND, is not listed, and can be registered anew", async () => {
    const acct = await createAccount();
    await postOk(acct, { externalId: "short", images: [{ url: URL_A }], validForDays: 1 });
    await env.DB.prepare("UPDATE products SET expires_at = ? WHERE account_id = ? AND external_id = ?")
      .bind(Date.now() - 1, acct.accountId, "short")
      .run();
    await expectEnvelope(await api(acct, "/products/short"), 404, "PRODUCT_NOT_FOUND");
    await expectEnvelope(await api(acct, "/products/short/stats"), 404, "PRODUCT_NOT_FOUND");
    const list = await readWire(await api(acct, "/products"), ProductListSchema);
    expect(list.items).toEqual([]);
    // Re-registering without images is a new product: images required.
    await expectEnvelope(await post(acct, { externalId: "short", title: "again" }), 400, "PRODUCT_IMAGES_REQUIRED");
    const again = await postOk(acct, { externalId: "short", images: [{ url: URL_B }] });
    expect(again).toMatchObject({ validForDays: null, expiresAt: null, title: null });
  });

  it("one-shot products get `_anon_` ids, live 7 days from last use and are not listed; inline live 15 days", async () => {
    const acct = await createAccount();
    let clock = now();
    const ctx = { ...backgroundContext(env), now: () => clock };
    const oneshot = await upsertProduct(ctx, acct.accountId, { images: [{ url: URL_A }] }, { kind: "oneshot" });
    expect(oneshot.externalId).toMatch(/^_anon_[0-9A-Za-z]{20}$/);
    expect(oneshot.expiresAt).toBe(clock + 7 * 86400_000);
    const inline = await upsertProduct(ctx, acct.accountId, { externalId: "inline-1", images: [{ url: URL_A }] }, { kind: "inline" });
    expect(inline.expiresAt).toBe(clock + 15 * 86400_000);

    clock += 5 * 86400_000;
    await touchProduct(ctx, acct.accountId, oneshot.externalId);
    const touched = await getProduct(ctx, acct.accountId, oneshot.externalId);
    expect(touched).toMatchObject({ lastUsedAt: clock, expiresAt: clock + 7 * 86400_000 });

    // A registered product used inline stays registered (never expires).
    await postOk(acct, { externalId: "reg", images: [{ url: URL_A }] });
    const used = await upsertProduct(ctx, acct.accountId, { externalId: "reg", title: "via try-on" }, { kind: "inline" });
    expect(used).toMatchObject({ kind: "registered", expiresAt: null, title: "via try-on" });
    // …and an inline product registered through POST /products becomes registered.
    const promoted = await upsertProduct(ctx, acct.accountId, { externalId: "inline-1" }, { kind: "registered" });
    expect(promoted).toMatchObject({ kind: "registered", expiresAt: null });

    const list = await readWire(await api(acct, "/products"), ProductListSchema);
    expect(list.items.map((p) => p.externalId).sort()).toEqual(["inline-1", "reg"]);
    // One-shot products are readable by id (GET /products/_anon_…), just not listed.
    await expect(getProduct(ctx, acct.accountId, oneshot.externalId)).resolves.toMatchObject({ kind: "oneshot" });
    await expect(upsertProduct(ctx, acct.accountId, { images: [] }, { kind: "oneshot" })).rejects.toMatchObject({ code: "PRODUCT_IMAGES_REQUIRED" });
  });
});

describe("account isolation, delete, stats", () => {
  it("another account's product is PRODUCT_NOT_FOUND everywhere and never leaks", async () => {
    const a = await createAccount();
    const b = await createAccount();
    await postOk(a, { externalId: "shared-id", title: "A's", images: [{ url: URL_A }] });
    await expectEnvelope(await api(b, "/products/shared-id"), 404, "PRODUCT_NOT_FOUND");
    await expectEnvelope(await api(b, "/products/shared-id/stats"), 404, "PRODUCT_NOT_FOUND");
    await expectEnvelope(await api(b, "/products/shared-id", { method: "DELETE" }), 404, "PRODUCT_NOT_FOUND");
    expect((await readWire(await api(b, "/products"), ProductListSchema)).items).toEqual([]);
    // B can use the same externalId for its own product; A's is untouched.
    await postOk(b, { externalId: "shared-id", title: "B's", images: [{ url: URL_B }] });
    expect((await readWire(await api(a, "/products/shared-id"), ProductSchema)).title).toBe("A's");
    expect((await readWire(await api(b, "/products/shared-id"), ProductSchema)).title).toBe("B's");
  });

  it("DELETE removes the product (then 404)", async () => {
    const acct = await createAccount();
    await postOk(acct, { externalId: "gone", images: [{ url: URL_A }] });
    const res = await api(acct, "/products/gone", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await readWire(res, ProductDeletedSchema)).toEqual({ externalId: "gone", livemode: true, deleted: true });
    await expectEnvelope(await api(acct, "/products/gone"), 404, "PRODUCT_NOT_FOUND");
    await expectEnvelope(await api(acct, "/products/gone", { method: "DELETE" }), 404, "PRODUCT_NOT_FOUND");
  });

  it("ids with slashes and colons work when percent-encoded", async () => {
    const acct = await createAccount();
    const id = "gid://shopify/Product/123";
    await postOk(acct, { externalId: id, images: [{ url: URL_A }] });
    const res = await api(acct, `/products/${encodeURIComponent(id)}`);
    expect(res.status).toBe(200);
    expect((await readWire(res, ProductSchema)).externalId).toBe(id);
  });

  it("stats are zeros without generations, then count from the generations table with from/to", async () => {
    const acct = await createAccount();
    await postOk(acct, { externalId: "st", images: [{ url: URL_A }] });
    expect(await (await api(acct, "/products/st/stats")).json()).toEqual({
      livemode: true,
      totalGenerations: 0,
      completedGenerations: 0,
      failedGenerations: 0,
      avgGenerationTimeMs: 0,
    });
    const t0 = now();
    const rows: Array<[string, number, number | null]> = [
      ["COMPLETED", t0, 8000],
      ["COMPLETED", t0 + 86400_000, 10000],
      ["FAILED", t0 + 2 * 86400_000, null],
      ["PENDING", t0 + 3 * 86400_000, null],
    ];
    for (const [i, [status, createdAt, durationMs]] of rows.entries()) {
      await env.DB.prepare(
        "INSERT INTO generations (id, account_id, status, product_external_id, product_snapshot, person_image_id, engine, keep_for_days, created_at, updated_at, deadline_at, duration_ms) VALUES (?, ?, ?, 'st', '{}', 'img_x', 'mock', 7, ?, ?, ?, ?)",
      )
        .bind(`gen_stats_${acct.accountId}_${i}`, acct.accountId, status, createdAt, createdAt, createdAt + 600_000, durationMs)
        .run();
    }
    // Another account's generation for the same externalId does not count.
    const other = await createAccount();
    await env.DB.prepare(
      "INSERT INTO generations (id, account_id, status, product_external_id, product_snapshot, person_image_id, engine, keep_for_days, created_at, updated_at, deadline_at) VALUES (?, ?, 'COMPLETED', 'st', '{}', 'img_x', 'mock', 7, ?, ?, ?)",
    )
      .bind(`gen_stats_other_${other.accountId}`, other.accountId, t0, t0, t0)
      .run();
    expect(await (await api(acct, "/products/st/stats")).json()).toEqual({
      livemode: true,
      totalGenerations: 4,
      completedGenerations: 2,
      failedGenerations: 1,
      avgGenerationTimeMs: 9000,
    });
    const from = new Date(t0 + 86400_000).toISOString();
    const to = new Date(t0 + 2 * 86400_000).toISOString();
    expect(await (await api(acct, `/products/st/stats?from=${from}&to=${to}`)).json()).toEqual({
      livemode: true,
      totalGenerations: 2,
      completedGenerations: 1,
      failedGenerations: 1,
      avgGenerationTimeMs: 10000,
    });
    // Plain dates, as Genlook accepts them: `from` starts its UTC day, `to` covers its whole UTC day.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(await (await api(acct, `/products/st/stats?from=${day(t0 + 86400_000)}&to=${day(t0 + 2 * 86400_000)}`)).json()).toEqual({
      livemode: true,
      totalGenerations: 2,
      completedGenerations: 1,
      failedGenerations: 1,
      avgGenerationTimeMs: 10000,
    });
    expect(await (await api(acct, `/products/st/stats?from=${day(t0)}&to=${day(t0)}`)).json()).toMatchObject({ totalGenerations: 1, completedGenerations: 1 });
    await expectEnvelope(await api(acct, `/products/st/stats?from=${day(t0)}&to=${day(t0).slice(0, 8)}99`), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(acct, `/products/st/stats?from=${to}&to=${from}`), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(acct, "/products/st/stats?from=yesterday"), 400, "VALIDATION_FAILED");
  });
});

describe("resolveProductImage", () => {
  it("fetches a URL image once into R2 (keyed by URL hash) and reuses it; uploaded images resolve directly", async () => {
    const acct = await createAccount();
    const png = await makePng(300, 300);
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(png, { headers: { "content-type": "image/png" } }));
    const ctx = backgroundContext(env);
    const ref = { sourceUrl: URL_A, imageId: null, classifications: null, order: 0 };
    const first = await resolveProductImage(ctx, acct.accountId, ref);
    const second = await resolveProductImage(ctx, acct.accountId, ref);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(second.id).toBe(first.id);
    expect(first).toMatchObject({ role: "product", format: "png", width: 300, height: 300, expiresAt: null });
    expect(first.r2Key.startsWith(`keep/${acct.accountId}/product/`)).toBe(true);
    expect(new Uint8Array(await (await env.BUCKET.get(first.r2Key))!.arrayBuffer())).toEqual(png);

    // Another account fetches its own copy: caches are per account.
    const other = await createAccount();
    const theirs = await resolveProductImage(ctx, other.accountId, ref);
    expect(theirs.id).not.toBe(first.id);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("a failing URL is PRODUCT_IMAGE_FETCH_FAILED; an upload:// ref resolves without fetching", async () => {
    const acct = await createAccount();
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("gone", { status: 404 }));
    const ctx = backgroundContext(env);
    await expect(resolveProductImage(ctx, acct.accountId, { sourceUrl: URL_B, imageId: null, classifications: null, order: 0 })).rejects.toMatchObject({
      code: "PRODUCT_IMAGE_FETCH_FAILED",
      message: expect.stringContaining("HTTP 404"),
    });
    const res = await postMultipart(acct, { externalId: "up", images: [{ fileKey: "a" }] }, { a: await makePng(260, 300) });
    const product = await getProduct(ctx, acct.accountId, "up");
    expect(res.status).toBe(200);
    spy.mockClear();
    const img = await resolveProductImage(ctx, acct.accountId, product.images[0]!);
    expect(img).toMatchObject({ width: 260, height: 300, format: "png" });
    expect(spy).not.toHaveBeenCalled();
  });
});
