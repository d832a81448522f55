import { beforeAll, describe, expect, it, vi } from "vitest";
import { ERROR_CATALOG, type ErrorCode, isRetryable } from "../../../src/errors";
import { GenerationSchema } from "../../../src/schemas/generations";
import { ImageSchema } from "../../../src/schemas/images";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { admin, api, readWire, type TestAccount } from "../../helpers/harness";
import { makeHeic } from "../../helpers/images";
import { blankPng, env, filePart, fundedAccount, genRow, registerProduct, runConsumer, tryOn, uploadPerson, usePipelineQueues } from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();

let acct: TestAccount;
let imageId: string;
beforeAll(async () => {
  acct = await fundedAccount(100);
  imageId = await uploadPerson(acct);
});

/** Runs one try-on to its end through the queue handler (following poll messages) and returns the API view. */
async function runToEnd(who: TestAccount, body: unknown, vars?: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await tryOn(who, body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  for (let i = 0; i < 10; i++) {
    const next = queue.messages.filter((m) => m.generationId === generationId).at(-1);
    await runConsumer([{ body: next }], "drape-generations", vars);
    const row = await genRow(generationId);
    if (row.status === "COMPLETED" || row.status === "FAILED") break;
  }
  return await readWire(await api(who, `/generations/${generationId}`), GenerationSchema);
}

async function expectFailed(view: Record<string, unknown>, code: ErrorCode) {
  expect(view).toMatchObject({ status: "FAILED", errorCode: code, retryable: isRetryable(code) });
  expect(view).not.toHaveProperty("resultImageUrl");
  expect(typeof view.errorMessage).toBe("string");
  const row = await genRow(view.generationId as string);
  expect(row.credit_state).toBe("refunded");
  expect(row.event_emitted_at).not.toBeNull();
}

describe("runtime codes through the mock engine's forcing titles", () => {
  const codes = (Object.keys(ERROR_CATALOG) as ErrorCode[]).filter((c) => ERROR_CATALOG[c].kind !== "api");
  it.each(codes)("mock:%s → FAILED with that code, credit refunded", async (code) => {
    const before = await expectLedgerBalances(acct.accountId);
    const externalId = `mock-${code.toLowerCase()}`;
    await registerProduct(acct, externalId, `mock:${code}`);
    await expectFailed(await runToEnd(acct, { products: [{ externalId }], person: { image: { source: { id: imageId } } } }), code);
    expect(await expectLedgerBalances(acct.accountId)).toEqual(before);
  });
});

describe("runtime codes through the engines and pipeline steps that produce them", () => {
  it("composite: a uniform garment image → GARMENT_NOT_DETECTED", async () => {
    await registerProduct(acct, "blank-tee", "Blank tee", await blankPng());
    await expectFailed(
      await runToEnd(acct, { products: [{ externalId: "blank-tee" }], person: { image: { source: { id: imageId } } } }),
      "GARMENT_NOT_DETECTED",
    );
  });

  it("composite: a HEIC person photo it cannot decode → IMAGE_PROCESSING_FAILED naming HEIC", async () => {
    const form = new FormData();
    form.set("file", filePart(makeHeic(600, 800), "me.heic", "image/heic"));
    const up = await api(acct, "/images/upload", { method: "POST", body: form });
    expect(up.status, await up.clone().text()).toBe(201);
    const heicId = (await readWire(up, ImageSchema)).imageId;
    await registerProduct(acct, "tee-heic");
    const view = await runToEnd(acct, { products: [{ externalId: "tee-heic" }], person: { image: { source: { id: heicId } } } });
    await expectFailed(view, "IMAGE_PROCESSING_FAILED");
    expect(String(view.errorMessage)).toMatch(/HEIC/i);
  });

  it("a product image URL that cannot be fetched at run time → PRODUCT_IMAGE_FETCH_FAILED", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("gone", { status: 404 }));
    const view = await runToEnd(acct, {
      products: [{ externalId: "url-404", title: "Tee", images: [{ source: { url: "https://cdn.example.com/gone.jpg" } }] }],
      person: { image: { source: { id: imageId } } },
    });
    await expectFailed(view, "PRODUCT_IMAGE_FETCH_FAILED");
  });

  it("a person photo purged before the run → CUSTOMER_IMAGE_FETCH_FAILED", async () => {
    const ephemeral = await uploadPerson(acct);
    await registerProduct(acct, "tee-purged");
    const res = await tryOn(acct, { products: [{ externalId: "tee-purged" }], person: { image: { source: { id: ephemeral } } } });
    const { generationId } = await readWire(res, TryOnAcceptedSchema);
    const key = (await env.DB.prepare("SELECT r2_key FROM images WHERE id = ?").bind(ephemeral).first<{ r2_key: string }>())!.r2_key;
    await env.BUCKET.delete(key);
    await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
    await expectFailed(await readWire(await api(acct, `/generations/${generationId}`), GenerationSchema), "CUSTOMER_IMAGE_FETCH_FAILED");
  });

  it("fashn (account override): pending → re-enqueued poll → COMPLETED; an upstream NSFWError → NSFW_CONTENT_BLOCKED", async () => {
    const fashnAcct = await fundedAccount(5);
    const upd = await admin(`/admin/v1/accounts/${fashnAcct.accountId}`, { method: "PATCH", json: { engine: "fashn" } });
    expect(upd.status, await upd.clone().text()).toBe(200);
    const person = await uploadPerson(fashnAcct);
    await registerProduct(fashnAcct, "tee-f");
    await registerProduct(fashnAcct, "tee-nsfw", "Risky");
    const resultPng = await blankPng();
    const dataUri = `data:image/png;base64,${btoa(String.fromCharCode(...resultPng))}`;
    const vars = { FASHN_API_KEY: "fa-test-key", FASHN_BASE_URL: "https://fashn.example.com" };
    let polls = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      if (url.pathname === "/v1/run") {
        expect(req.headers.get("authorization")).toBe("Bearer fa-test-key");
        return Response.json({ id: `job-${crypto.randomUUID()}`, error: null });
      }
      if (url.pathname.startsWith("/v1/status/")) {
        polls++;
        const nsfw =
          (await env.DB.prepare("SELECT count(*) AS n FROM generations WHERE engine_job_id = ? AND product_external_id = 'tee-nsfw'")
            .bind(url.pathname.split("/").pop())
            .first<{ n: number }>())!.n > 0;
        if (nsfw) return Response.json({ id: "j", status: "failed", output: null, error: { name: "NSFWError", message: "blocked" } });
        return polls % 2 === 1
          ? Response.json({ id: "j", status: "processing", output: null, error: null })
          : Response.json({ id: "j", status: "completed", output: [dataUri], error: null });
      }
      return new Response("not found", { status: 404 });
    });
    const ok = await runToEnd(fashnAcct, { products: [{ externalId: "tee-f" }], person: { image: { source: { id: person } } } }, vars);
    expect(ok, JSON.stringify(ok)).toMatchObject({ status: "COMPLETED", engine: "fashn" });
    const polled = queue.messages.filter((m) => m.generationId === ok.generationId && "poll" in m && m.poll);
    expect(polled.length).toBeGreaterThanOrEqual(2);
    await expectFailed(
      await runToEnd(fashnAcct, { products: [{ externalId: "tee-nsfw" }], person: { image: { source: { id: person } } } }, vars),
      "NSFW_CONTENT_BLOCKED",
    );
  });
});
