import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ErrorCode } from "../../../src/errors";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { foreignSamples, truncatedSamples } from "../../helpers/crafted-images";
import { api, type Envelope, expectEnvelope, readWire, type TestAccount } from "../../helpers/harness";
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
  usePipelineQueues,
} from "../../helpers/pipeline";
import { expectLedgerBalances } from "../credits/helpers";

const queue = usePipelineQueues();
const ACCEPTED = ["image/jpeg", "image/png", "image/webp", "image/heic"];

let acct: TestAccount;
beforeAll(async () => {
  acct = await fundedAccount(40);
  await registerProduct(acct, "shirt");
});

interface Sample {
  label: string;
  bytes: Uint8Array;
  code: "UNSUPPORTED_IMAGE_TYPE" | "INVALID_IMAGE";
  /** For UNSUPPORTED_IMAGE_TYPE: the name and media type the answer must give. */
  name?: string;
  mediaType?: string;
}

async function samples(): Promise<Sample[]> {
  const foreign = (await foreignSamples()).map((s) => ({
    label: s.name,
    bytes: s.bytes,
    code: "UNSUPPORTED_IMAGE_TYPE" as const,
    name: s.name,
    mediaType: s.mediaType,
  }));
  const broken = (await truncatedSamples()).map(([label, bytes]) => ({ label, bytes, code: "INVALID_IMAGE" as const }));
  return [...foreign, ...broken];
}

/** The envelope names the type and the accepted ones (UNSUPPORTED), or says the file is broken (INVALID). */
function expectNamed(body: Envelope | { message: string; details?: unknown }, s: Sample, detailsOf: (d: unknown) => unknown = (d) => d) {
  if (s.code === "UNSUPPORTED_IMAGE_TYPE") {
    expect(body.message, s.label).toContain(s.name);
    expect(body.message, s.label).toContain("JPEG, PNG, WebP and HEIC");
    expect(detailsOf(body.details), s.label).toEqual([expect.objectContaining({ detectedType: s.mediaType, detectedName: s.name, acceptedTypes: ACCEPTED })]);
  } else {
    expect(body.message, s.label).toMatch(/truncated or malformed/);
  }
}

/** Sends a bad request and proves nothing was written, charged or queued. */
async function refused(send: () => Promise<Response>, status: number, code: ErrorCode): Promise<Envelope> {
  const before = await counts(acct.accountId);
  const ledger = await expectLedgerBalances(acct.accountId);
  const sent = queue.messages.length;
  const body = await expectEnvelope(await send(), status, code);
  expect(await counts(acct.accountId)).toEqual(before);
  expect(await expectLedgerBalances(acct.accountId)).toEqual(ledger);
  expect(queue.messages.length).toBe(sent);
  return body;
}

describe("other image types → UNSUPPORTED_IMAGE_TYPE, broken accepted ones → INVALID_IMAGE, on every way in", () => {
  it("POST /images/upload", async () => {
    for (const s of await samples()) {
      const form = new FormData();
      form.set("file", filePart(s.bytes, "photo.jpg", "image/jpeg"));
      expectNamed(await refused(() => api(acct, "/images/upload", { method: "POST", body: form }), 400, s.code), s);
    }
  });

  it("POST /try-on with the person as a file part", async () => {
    const data = { products: [{ externalId: "shirt" }], person: { image: { source: { fileKey: "me" } } } };
    for (const s of await samples()) {
      expectNamed(await refused(() => tryOnMultipart(acct, data, { me: filePart(s.bytes, "me.jpg", "image/jpeg") }), 400, s.code), s);
    }
  });

  it("POST /products with a product image part", async () => {
    for (const s of await samples()) {
      const form = new FormData();
      form.set("data", JSON.stringify({ externalId: "bad-image", title: "Tee", images: [{ source: { fileKey: "front" } }] }));
      form.set("front", filePart(s.bytes, "front.png", "image/png"));
      expectNamed(await refused(() => api(acct, "/products", { method: "POST", body: form }), 400, s.code), s);
    }
  });

  it("a person URL answers CUSTOMER_IMAGE_FETCH_FAILED carrying the intake code and its details", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    for (const s of await samples()) {
      fetchSpy.mockImplementation(async () => new Response(s.bytes, { headers: { "content-type": "image/jpeg" } }));
      const body = await refused(
        () => tryOn(acct, { products: [{ externalId: "shirt" }], person: { image: { source: { url: "https://photos.example.com/me.jpg" } } } }),
        400,
        "CUSTOMER_IMAGE_FETCH_FAILED",
      );
      expect(body.message, s.label).toContain(s.code);
      expect(body.details, s.label).toEqual([expect.objectContaining({ path: "person.image.source.url", rule: `intake:${s.code}` })]);
      expectNamed(body, s);
    }
  });

  it("a product URL fetched at run time fails the generation with PRODUCT_IMAGE_FETCH_FAILED naming the intake code", async () => {
    const person = await personJpeg();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    for (const s of await samples()) {
      fetchSpy.mockImplementation(async (input) =>
        new Request(input).url.startsWith("https://photos.example.com/")
          ? new Response(person)
          : new Response(s.bytes, { headers: { "content-type": "image/png" } }),
      );
      const res = await tryOn(acct, {
        products: [{ title: "Tee", images: [{ source: { url: `https://cdn.example.com/${encodeURIComponent(s.label)}.png` } }] }],
        person: { image: { source: { url: "https://photos.example.com/me.jpg" } } },
      });
      expect(res.status, await res.clone().text()).toBe(202);
      const { generationId } = await readWire(res, TryOnAcceptedSchema);
      await runConsumer([{ body: queue.messages.find((m) => m.generationId === generationId) }]);
      const row = await genRow(generationId);
      expect(row, s.label).toMatchObject({ status: "FAILED", error_code: "PRODUCT_IMAGE_FETCH_FAILED", credit_state: "refunded" });
      expect(row.error_message, s.label).toContain(s.code);
      if (s.name) expect(row.error_message, s.label).toContain(s.name);
    }
  });
});
