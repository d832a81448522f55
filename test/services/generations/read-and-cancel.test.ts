import { beforeAll, describe, expect, it } from "vitest";
import { GenerationSchema } from "../../../src/schemas/generations";
import { GenerationPageSchema, SyncQuerySchema, TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { api, createAccount, expectEnvelope, parseWire, readWire, type TestAccount } from "../../helpers/harness";
import { fetchThroughWorker, fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();
const parseWireGeneration = (v: unknown) => parseWire(GenerationSchema, v, "generation");

let acct: TestAccount;
let imageId: string;
beforeAll(async () => {
  acct = await fundedAccount(50);
  imageId = await uploadPerson(acct);
  await registerProduct(acct, "mock-a", "mock");
  await registerProduct(acct, "mock-b", "mock");
});

async function start(externalId: string, extra: Record<string, unknown> = {}) {
  const res = await tryOn(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } }, ...extra });
  expect(res.status).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  return generationId;
}

async function runQueued(generationId: string) {
  const msg = queue.messages.find((m) => m.generationId === generationId);
  await runConsumer([{ body: msg }]);
}

describe("GET /generations/:id", () => {
  it("PENDING, then COMPLETED with a fresh signed URL on every read; another account gets 403, an unknown id 404", async () => {
    const id = await start("mock-a", { externalUserId: "u-get" });
    const pendingRes = await api(acct, `/generations/${id}`);
    const pendingJson = (await pendingRes.clone().json()) as Record<string, unknown>;
    const pending = await readWire(pendingRes, GenerationSchema);
    expect(pending).toMatchObject({ generationId: id, status: "PENDING", productExternalId: "mock-a", externalUserId: "u-get" });
    // What does not apply is absent, never null (a Genlook client validates these as `string | undefined`).
    for (const field of ["resultImageUrl", "resultExpiresAt", "errorCode", "errorMessage", "retryable", "completedAt", "durationMs"]) {
      expect(Object.hasOwn(pendingJson, field), field).toBe(false);
    }
    expect(Object.values(pendingJson)).not.toContain(null);
    await runQueued(id);
    const a = await readWire(await api(acct, `/generations/${id}`), GenerationSchema);
    expect(a.status).toBe("COMPLETED");
    expect(a.resultImageUrl).toMatch(/\/tryon\/v1\/files\/.+\?exp=\d+&sig=/);
    expect(Date.parse(a.resultExpiresAt!)).toBeGreaterThan(Date.now() + 6 * 86400_000);
    expect((await fetchThroughWorker(a.resultImageUrl!)).status).toBe(200);
    // Tampered signature → 403 in the envelope (the first character always changes: 1 in 64 signatures starts with "A").
    const tampered = a.resultImageUrl!.replace(/sig=(.)/, (_, first: string) => `sig=${first === "A" ? "B" : "A"}`);
    expect((await fetchThroughWorker(tampered)).status).toBe(403);

    const completedJson = (await (await api(acct, `/generations/${id}`)).json()) as Record<string, unknown>;
    expect(Object.keys(completedJson).sort()).toEqual(
      [
        "generationId",
        "status",
        "productExternalId",
        "externalUserId",
        "resultImageUrl",
        "resultExpiresAt",
        "engine",
        "createdAt",
        "updatedAt",
        "completedAt",
        "durationMs",
        "livemode",
      ].sort(),
    );

    // Generation ids are unguessable: another account's id is FORBIDDEN (as Genlook answers), an unknown one not found.
    const other = await createAccount();
    await expectEnvelope(await api(other, `/generations/${id}`), 403, "FORBIDDEN");
    await expectEnvelope(await api(other, `/generations/${id}/cancel`, { method: "POST" }), 403, "FORBIDDEN");
    expect((await genRow(id)).status).toBe("COMPLETED");
    await expectEnvelope(await api(acct, `/generations/gen_unknown`), 404, "GENERATION_NOT_FOUND");
    await expectEnvelope(await api(other, `/generations/gen_unknown/cancel`, { method: "POST" }), 404, "GENERATION_NOT_FOUND");
  });
});

describe("POST /generations/:id/cancel", () => {
  it("cancels PENDING and PROCESSING (refund), 409 on terminal", async () => {
    const before = await expectLedgerBalances(acct.accountId);
    const pending = await start("mock-a");
    const res = await api(acct, `/generations/${pending}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await readWire(res, GenerationSchema)).toMatchObject({
      generationId: pending,
      status: "FAILED",
      errorCode: "GENERATION_CANCELLED",
      retryable: false,
    });

    await registerProduct(acct, "slow", "mock:pending-forever");
    const processing = await start("slow");
    await runQueued(processing);
    expect((await genRow(processing)).status).toBe("PROCESSING");
    expect((await api(acct, `/generations/${processing}/cancel`, { method: "POST" })).status).toBe(200);
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);

    const done = await start("mock-a");
    await runQueued(done);
    await expectEnvelope(await api(acct, `/generations/${done}/cancel`, { method: "POST" }), 409, "GENERATION_NOT_CANCELLABLE");
    expect((await genRow(done)).status).toBe("COMPLETED");
  });
});

describe("POST /try-on/sync", () => {
  it("200 with the finished generation when it completes within `wait`", async () => {
    const count = queue.messages.length;
    const pending = tryOn(acct, { products: [{ externalId: "mock-b" }], person: { image: { source: { id: imageId } } } }, "/try-on/sync?wait=20");
    // Wait until the request has enqueued its message, then process it as the consumer would.
    for (let i = 0; i < 200 && queue.messages.length === count; i++) await new Promise((r) => setTimeout(r, 25));
    const latest = queue.messages.at(-1)!;
    await runConsumer([{ body: latest }]);
    const res = await pending;
    expect(res.status).toBe(200);
    const body = await readWire(res, GenerationSchema);
    expect(body).toMatchObject({ generationId: latest.generationId, status: "COMPLETED", productExternalId: "mock-b" });
    expect(typeof body.resultImageUrl).toBe("string");
  });

  it("202 with generationId + Location when it is not done within `wait`; wait is bounded", async () => {
    const res = await tryOn(acct, { products: [{ externalId: "mock-b" }], person: { image: { source: { id: imageId } } } }, "/try-on/sync?wait=1");
    expect(res.status).toBe(202);
    const body = await readWire(res, TryOnAcceptedSchema);
    expect(body).toEqual({ generationId: expect.stringMatching(/^gen_/), livemode: true, status: "PENDING", productExternalId: "mock-b" });
    expect(res.headers.get("location")).toBe(`/tryon/v1/generations/${body.generationId}`);
    await expectEnvelope(
      await tryOn(acct, { products: [{ externalId: "mock-b" }], person: { image: { source: { id: imageId } } } }, "/try-on/sync?wait=91"),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("`wait` defaults to 90 s, as Genlook's sync endpoint holds", () => {
    expect(SyncQuerySchema.parse({}).wait).toBe(90);
    expect(SyncQuerySchema.parse({ wait: "5" }).wait).toBe(5);
  });

  it("200 with a FAILED generation too (typed error on the body)", async () => {
    await registerProduct(acct, "pose", "mock:MODEL_POSE_UNSUPPORTED");
    const pending = tryOn(acct, { products: [{ externalId: "pose" }], person: { image: { source: { id: imageId } } } }, "/try-on/sync?wait=20");
    const count = queue.messages.length;
    for (let i = 0; i < 200 && queue.messages.length === count; i++) await new Promise((r) => setTimeout(r, 25));
    await runConsumer([{ body: queue.messages.at(-1) }]);
    const res = await pending;
    expect(res.status).toBe(200);
    const failed = (await res.json()) as Record<string, unknown>;
    expect(parseWireGeneration(failed)).toMatchObject({ status: "FAILED", errorCode: "MODEL_POSE_UNSUPPORTED", retryable: false });
    expect(Object.hasOwn(failed, "resultImageUrl")).toBe(false);
    expect(Object.hasOwn(failed, "durationMs")).toBe(false);
  });
});

describe("GET /generations (list)", () => {
  it("newest first, cursor pages, filters by status / externalUserId / productExternalId / from / to", async () => {
    const lister = await fundedAccount(10);
    const img = await uploadPerson(lister);
    await registerProduct(lister, "l-a", "mock");
    await registerProduct(lister, "l-b", "mock");
    const ids: string[] = [];
    for (const [p, u] of [
      ["l-a", "alice"],
      ["l-b", "bob"],
      ["l-a", "bob"],
    ] as const) {
      const res = await tryOn(lister, { products: [{ externalId: p }], person: { image: { source: { id: img } } }, externalUserId: u });
      ids.push((await readWire(res, TryOnAcceptedSchema)).generationId);
    }
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === ids[0]) }]);

    const all = await readWire(await api(lister, "/generations"), GenerationPageSchema);
    expect(all.items.map((i) => i.generationId)).toEqual([...ids].reverse());
    expect(all).toMatchObject({ hasMore: false, count: 3, nextCursor: null });

    const page1 = await readWire(await api(lister, "/generations?limit=2"), GenerationPageSchema);
    expect(page1).toMatchObject({ hasMore: true, count: 2 });
    const page2 = await readWire(await api(lister, `/generations?limit=2&cursor=${page1.nextCursor}`), GenerationPageSchema);
    expect(page2.items.map((i) => i.generationId)).toEqual([ids[0]]);
    expect(page2.hasMore).toBe(false);

    const q = async (qs: string) => (await readWire(await api(lister, `/generations?${qs}`), GenerationPageSchema)).items.map((i) => i.generationId);
    expect(await q("status=COMPLETED")).toEqual([ids[0]]);
    expect(await q("status=PENDING")).toEqual([ids[2], ids[1]]);
    expect(await q("externalUserId=bob")).toEqual([ids[2], ids[1]]);
    expect(await q("productExternalId=l-a")).toEqual([ids[2], ids[0]]);
    expect(await q("productExternalId=l-a&externalUserId=bob")).toEqual([ids[2]]);
    const created = (await genRow(ids[1]!)).created_at;
    expect(await q(`from=${new Date(created + 3600_000).toISOString()}`)).toEqual([]);
    expect(await q(`to=${new Date(created - 3600_000).toISOString()}`)).toEqual([]);
    expect((await q(`from=${new Date(created - 3600_000).toISOString()}&to=${new Date(created + 3600_000).toISOString()}`)).length).toBe(3);

    await expectEnvelope(await api(lister, "/generations?status=DONE"), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(lister, "/generations?cursor=zzz"), 400, "VALIDATION_FAILED");
    await expectEnvelope(await api(lister, "/generations?from=yesterday"), 400, "VALIDATION_FAILED");
    // Another account sees none of them.
    const other = await createAccount();
    expect((await readWire(await api(other, "/generations"), GenerationPageSchema)).items).toEqual([]);
  });
});
