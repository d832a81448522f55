import { describe, expect, it } from "vitest";
import { backgroundContext } from "../../../src/context/background";
import { GenerationSchema } from "../../../src/schemas/generations";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { eraseCustomer } from "../../../src/services/customers/erase";
import { api, call, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
import {
  env,
  fetchThroughWorker,
  fundedAccount,
  genRow,
  registerProduct,
  runConsumer,
  runCron,
  tryOn,
  uploadPerson,
  usePipelineQueues,
} from "../../helpers/pipeline";

const queue = usePipelineQueues();

interface ImgRow {
  id: string;
  r2_key: string;
  role: string;
  external_user_id: string | null;
  expires_at: number | null;
}

async function imagesOf(accountId: string): Promise<ImgRow[]> {
  const res = await env.DB.prepare("SELECT id, r2_key, role, external_user_id, expires_at FROM images WHERE account_id = ? ORDER BY id")
    .bind(accountId)
    .all<ImgRow>();
  return res.results;
}

async function r2Keys(accountId: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await env.BUCKET.list({ cursor, limit: 1000 });
    for (const o of page.objects) if (o.key.split("/")[1] === accountId) keys.add(o.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

function erase(acct: Pick<TestAccount, "key">, userId: string): Promise<Response> {
  return api(acct, `/customers/${encodeURIComponent(userId)}`, { method: "DELETE" });
}

/** Try-on accepted (202) and run through the queue consumer to its end. */
async function completedTryOn(acct: TestAccount, body: unknown): Promise<string> {
  const res = await tryOn(acct, body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  const msg = queue.messages.find((m) => m.generationId === generationId);
  await runConsumer([{ body: msg }]);
  return generationId;
}

/** `n` person images tagged with `userId`, written straight to D1 and R2 (fast bulk setup). */
async function seedImages(accountId: string, userId: string, n: number): Promise<void> {
  const now = Date.now();
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < n; i++) {
    const id = `img_bulk${String(i).padStart(5, "0")}${accountId.slice(-6)}`;
    const key = `r7d/${accountId}/person/${id}.jpg`;
    await env.BUCKET.put(key, new Uint8Array([0xff, 0xd8, i & 255]));
    stmts.push(
      env.DB.prepare(
        "INSERT INTO images (id, account_id, r2_key, role, format, content_type, width, height, byte_size, external_user_id, keep_for_days, created_at, expires_at) VALUES (?, ?, ?, 'person', 'jpeg', 'image/jpeg', 480, 600, 3, ?, 7, ?, ?)",
      ).bind(id, accountId, key, userId, now, now + 7 * 86_400_000),
    );
  }
  await env.DB.batch(stmts);
}

describe("DELETE /customers/{externalUserId}", () => {
  it("erases the user's uploads, generation photos and results; anonymizes generations; leaves everything else", async () => {
    const acct = await fundedAccount(5);
    const other = await fundedAccount(5);
    const tagged = await uploadPerson(acct, { externalUserId: "u1" });
    const untagged = await uploadPerson(acct); // becomes u1's through the try-on below
    const u2Image = await uploadPerson(acct, { externalUserId: "u2" });
    const otherAccountImage = await uploadPerson(other, { externalUserId: "u1" });
    await registerProduct(acct, "mock-1", "mock");
    const generationId = await completedTryOn(acct, {
      products: [{ externalId: "mock-1" }],
      person: { image: { source: { id: untagged } } },
      externalUserId: "u1",
    });

    const before = await genRow(generationId);
    expect(before.status).toBe("COMPLETED");
    expect(before.external_user_id).toBe("u1");
    const resultImageId = before.result_image_id;
    expect(resultImageId).not.toBeNull();
    const view = await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema);
    expect(view.resultImageUrl).toMatch(/^https?:/);
    expect((await fetchThroughWorker(view.resultImageUrl!)).status).toBe(200);

    const rowsBefore = await imagesOf(acct.accountId);
    const productRows = rowsBefore.filter((r) => r.role === "product");
    expect(productRows.length).toBeGreaterThan(0);
    const erased = rowsBefore.filter((r) => [tagged, untagged, resultImageId].includes(r.id));
    expect(erased).toHaveLength(3);
    const keysBefore = await r2Keys(acct.accountId);
    for (const r of erased) expect(keysBefore.has(r.r2_key)).toBe(true);

    const res = await erase(acct, "u1");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    // Rows and objects of u1 are gone; u2's and the products' remain.
    const rowsAfter = await imagesOf(acct.accountId);
    expect(rowsAfter.map((r) => r.id).sort()).toEqual([u2Image, ...productRows.map((r) => r.id)].sort());
    const keysAfter = await r2Keys(acct.accountId);
    for (const r of erased) expect(keysAfter.has(r.r2_key)).toBe(false);
    for (const r of rowsAfter) expect(keysAfter.has(r.r2_key)).toBe(true);

    // The generation survives, anonymized, with no result to offer.
    const after = await genRow(generationId);
    expect(after).toMatchObject({ status: "COMPLETED", external_user_id: null, result_image_id: null, result_r2_key: null, result_expires_at: null });
    expect(after.credit_state).toBe(before.credit_state);
    const g = await api(acct, `/generations/${generationId}`);
    expect(g.status).toBe(200);
    const anonymized = await readWire(g, GenerationSchema);
    expect(anonymized).toMatchObject({ generationId, status: "COMPLETED" });
    expect(anonymized).not.toHaveProperty("externalUserId");
    expect(anonymized).not.toHaveProperty("resultImageUrl");
    expect(anonymized).not.toHaveProperty("resultExpiresAt");
    expect((await fetchThroughWorker(view.resultImageUrl!)).status).not.toBe(200);

    await expectEnvelope(await api(acct, `/images/${tagged}`), 404, "IMAGE_NOT_FOUND");
    await expectEnvelope(await api(acct, `/images/${untagged}`), 404, "IMAGE_NOT_FOUND");
    expect((await api(acct, `/images/${u2Image}`)).status).toBe(200);
    expect((await api(other, `/images/${otherAccountImage}`)).status).toBe(200);
    expect((await imagesOf(other.accountId)).map((r) => r.external_user_id)).toEqual(["u1"]);

    // Idempotent.
    expect((await erase(acct, "u1")).status).toBe(204);
    expect((await imagesOf(acct.accountId)).length).toBe(rowsAfter.length);
  });

  it("blanks the user id in the stored webhook payloads of their generations", async () => {
    const acct = await fundedAccount(5);
    const hook = await api(acct, "/webhooks", { method: "POST", json: { url: "https://hooks.example.com/drape" } });
    expect(hook.status).toBe(201);
    const imageId = await uploadPerson(acct, { externalUserId: "user-in-payload" });
    await registerProduct(acct, "mock-hook", "mock");
    const generationId = await completedTryOn(acct, {
      products: [{ externalId: "mock-hook" }],
      person: { image: { source: { id: imageId } } },
      externalUserId: "user-in-payload",
    });
    const payloads = async () =>
      (await env.DB.prepare("SELECT payload FROM webhook_deliveries WHERE generation_id = ?").bind(generationId).all<{ payload: string }>()).results.map(
        (r) => r.payload,
      );
    const before = await payloads();
    expect(before).toHaveLength(1);
    expect(before[0]).toContain("user-in-payload");

    expect((await erase(acct, "user-in-payload")).status).toBe(204);
    const after = await payloads();
    expect(after[0]).not.toContain("user-in-payload");
    const scrubbed = JSON.parse(after[0] ?? "{}") as { type: string; data: Record<string, unknown> };
    expect(scrubbed).toMatchObject({ type: "generation.completed", data: { generationId } });
    expect(scrubbed.data).not.toHaveProperty("externalUserId");
  });

  it("answers 204 for an unknown user, 401 without a key, 400 for an id that cannot exist", async () => {
    const acct = await fundedAccount(1);
    const res = await erase(acct, "nobody@example");
    expect(res.status).toBe(204);
    await expectEnvelope(await call("/tryon/v1/customers/u1", { method: "DELETE" }), 401, "MISSING_API_KEY");
    await expectEnvelope(await erase(acct, "x".repeat(257)), 400, "VALIDATION_FAILED");
  });

  it("cancels the user's in-flight generation (refunded); the consumer then stores nothing", async () => {
    const acct = await fundedAccount(3);
    const person = await uploadPerson(acct, { externalUserId: "u1" });
    await registerProduct(acct, "mock-1", "mock");
    const res = await tryOn(acct, { products: [{ externalId: "mock-1" }], person: { image: { source: { id: person } } }, externalUserId: "u1" });
    expect(res.status).toBe(202);
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    expect((await genRow(generationId)).status).toBe("PENDING");

    expect((await erase(acct, "u1")).status).toBe(204);
    const row = await genRow(generationId);
    expect(row).toMatchObject({ status: "FAILED", error_code: "GENERATION_CANCELLED", external_user_id: null, credit_state: "refunded" });

    const msg = queue.messages.find((m) => m.generationId === generationId);
    await runConsumer([{ body: msg }]);
    expect(await genRow(generationId)).toMatchObject({ status: "FAILED", result_image_id: null });
    expect((await imagesOf(acct.accountId)).filter((r) => r.role !== "product")).toEqual([]);
  });

  it("erases more than one batch (150 images) in one request, bounded statements", async () => {
    const acct = await fundedAccount(1);
    await seedImages(acct.accountId, "bulk", 150);
    expect((await r2Keys(acct.accountId)).size).toBe(150);
    expect((await erase(acct, "bulk")).status).toBe(204);
    expect(await imagesOf(acct.accountId)).toEqual([]);
    expect((await r2Keys(acct.accountId)).size).toBe(0);
  });

  it("past the inline cap, the rest is expired at once and the retention purge finishes it", async () => {
    const acct = await fundedAccount(1);
    await seedImages(acct.accountId, "big", 150);
    const summary = await eraseCustomer(backgroundContext(env), acct.accountId, "big", { batch: 50, maxBatches: 2 });
    expect(summary).toMatchObject({ imagesDeleted: 100, imagesDeferred: 50 });
    const left = await imagesOf(acct.accountId);
    expect(left).toHaveLength(50);
    await expectEnvelope(await api(acct, `/images/${left[0]!.id}`), 404, "IMAGE_NOT_FOUND");
    expect((await r2Keys(acct.accountId)).size).toBe(50);

    await runCron(Date.now() + 1000);
    expect(await imagesOf(acct.accountId)).toEqual([]);
    expect((await r2Keys(acct.accountId)).size).toBe(0);
  });
});
