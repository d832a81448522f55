import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { watermarkBox } from "../../../src/engines";
import type { Rgba } from "../../../src/engines/composite/pixels";
import { testAccountIdOf } from "../../../src/lib/modes";
import { AccountSchema } from "../../../src/schemas/admin";
import { GenerationSchema } from "../../../src/schemas/generations";
import { ImageSchema } from "../../../src/schemas/images";
import { TryOnAcceptedSchema } from "../../../src/schemas/tryon-generations";
import { colourDiff, decode, pixel } from "../../helpers/engine-images";
import { admin, api, expectOk, readWire, type TestAccount } from "../../helpers/harness";
import { makeHeic, makePng } from "../../helpers/images";
import {
  blankPng,
  fetchThroughWorker,
  filePart,
  fundedAccount,
  genRow,
  personJpeg,
  registerProduct,
  runConsumer,
  tryOn,
  uploadPerson,
  usePipelineQueues,
} from "../../helpers/pipeline";
import { testKeyOf } from "../test-mode/helpers";

const queue = usePipelineQueues();

/** The logo: 120×40, its left half fully transparent, its right half opaque magenta. */
const LOGO_W = 120;
const LOGO_H = 40;
const MAGENTA = [255, 0, 255] as const;
const logoPng = () => makePng(LOGO_W, LOGO_H, (x) => (x < LOGO_W / 2 ? [0, 0, 0, 0] : [255, 0, 255, 255]));

async function withLogo(acct: TestAccount): Promise<void> {
  const res = await admin(`/admin/v1/accounts/${acct.accountId}/logo`, { method: "PUT", body: await logoPng(), headers: { "content-type": "image/png" } });
  expect((await expectOk(res, AccountSchema)).logo).toMatchObject({ width: LOGO_W, height: LOGO_H });
}

interface Finished {
  bytes: Uint8Array;
  /** The `watermark` note recorded on the stored result (undefined when the request did not ask for one). */
  note: string | undefined;
}

/** Runs a try-on through the consumer to its end and returns the stored result. */
async function run(who: TestAccount, body: unknown, vars?: Record<string, string>): Promise<Finished> {
  const res = await tryOn(who, body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { generationId } = await readWire(res, TryOnAcceptedSchema);
  for (let i = 0; i < 10; i++) {
    await runConsumer([{ body: queue.messages.filter((m) => m.generationId === generationId).at(-1) }], "drape-generations", vars);
    if ((await genRow(generationId)).status !== "PROCESSING") break;
  }
  const view = await readWire(await api(who, `/generations/${generationId}`), GenerationSchema);
  expect(view.status, JSON.stringify(view)).toBe("COMPLETED");
  const bytes = new Uint8Array(await (await fetchThroughWorker(view.resultImageUrl as string)).arrayBuffer());
  const head = await env.BUCKET.head((await genRow(generationId)).result_r2_key as string);
  return { bytes, note: head?.customMetadata?.watermark };
}

/**
 * The logo's box on `img` carries the logo (magenta where it is opaque) and
 * shows `reference` where it is transparent; away from the box `img` is `reference`.
 */
function expectStamped(img: Rgba, reference: Rgba): void {
  expect([img.width, img.height]).toEqual([reference.width, reference.height]);
  const box = watermarkBox(img.width, img.height, LOGO_W, LOGO_H);
  // Bottom-right, inside a margin of 3% of the shorter side, 18% of the width (this logo is wide: its width binds).
  const margin = Math.round(Math.min(img.width, img.height) * 0.03);
  expect([box.x + box.width, box.y + box.height]).toEqual([img.width - margin, img.height - margin]);
  expect(box.width).toBe(Math.floor(img.width * 0.18));
  expect(Math.abs(box.height - (box.width * LOGO_H) / LOGO_W)).toBeLessThanOrEqual(1);
  const opaque = [box.x + box.width * 0.75, box.y + box.height / 2] as const;
  const clear = [box.x + box.width * 0.2, box.y + box.height / 2] as const;
  expect(colourDiff(pixel(img, ...opaque), MAGENTA), "opaque half is the logo").toBeLessThan(40);
  expect(colourDiff(pixel(img, ...clear), pixel(reference, ...clear)), "transparent half shows the result").toBeLessThan(24);
  // Top-right: away from the logo (and from test mode's TEST mark, top-left).
  expect(colourDiff(pixel(img, img.width - 5, 5), pixel(reference, img.width - 5, 5)), "away from the logo").toBeLessThan(24);
  expect(colourDiff(pixel(img, img.width / 2, img.height / 2), pixel(reference, img.width / 2, img.height / 2))).toBeLessThan(24);
}

function expectUnstamped(img: Rgba): void {
  const box = watermarkBox(img.width, img.height, LOGO_W, LOGO_H);
  expect(colourDiff(pixel(img, box.x + box.width * 0.75, box.y + box.height / 2), MAGENTA)).toBeGreaterThan(100);
}

async function mockSetup(logo = true) {
  const acct = await fundedAccount(10);
  if (logo) await withLogo(acct);
  await registerProduct(acct, "mock-shirt", "mock");
  const person = await uploadPerson(acct);
  return { acct, body: { products: [{ externalId: "mock-shirt" }], person: { image: { source: { id: person } } } } };
}

describe("output.watermark stamps the account logo on the stored result", () => {
  it("mock engine: stamped bottom-right when asked (also through the useWatermark alias); untouched when false or absent", async () => {
    const { acct, body } = await mockSetup();
    const person = await decode(await personJpeg());

    const stamped = await run(acct, { ...body, output: { watermark: true } });
    expect(stamped.note).toBe("stamped");
    expect(stamped.bytes[0]).toBe(0xff); // re-encoded as JPEG
    expectStamped(await decode(stamped.bytes), person);

    const alias = await run(acct, { ...body, useWatermark: true });
    expect(alias.note).toBe("stamped");
    expectStamped(await decode(alias.bytes), person);

    for (const output of [{ watermark: false }, {}]) {
      const plain = await run(acct, { ...body, output });
      expect(plain.note).toBeUndefined();
      // The mock engine answers the photo itself: byte for byte, nothing drawn.
      expect(plain.bytes).toEqual(await personJpeg());
    }
  });

  it("an account without a logo: watermark true leaves the result unchanged (recorded as no-logo)", async () => {
    const { acct, body } = await mockSetup(false);
    const res = await run(acct, { ...body, output: { watermark: true } });
    expect(res.bytes).toEqual(await personJpeg());
    expect(res.note).toBe("no-logo");

    // Clearing the logo goes back to that.
    await withLogo(acct);
    expect((await run(acct, { ...body, output: { watermark: true } })).note).toBe("stamped");
    await expectOk(await admin(`/admin/v1/accounts/${acct.accountId}/logo`, { method: "DELETE" }), AccountSchema);
    const after = await run(acct, { ...body, output: { watermark: true } });
    expect([after.note, after.bytes]).toEqual(["no-logo", await personJpeg()]);
  });

  it("composite engine: the logo is in the corner with watermark true, and the same corner is the engine's own without", async () => {
    const acct = await fundedAccount(10, { account: { engine: "composite" } });
    await withLogo(acct);
    await registerProduct(acct, "red-shirt");
    const person = await uploadPerson(acct);
    const body = { products: [{ externalId: "red-shirt" }], person: { image: { source: { id: person } } }, seed: 7 };
    const plain = await run(acct, { ...body, output: { watermark: false } });
    const stamped = await run(acct, { ...body, output: { watermark: true } });
    expect(plain.note).toBeUndefined();
    expect(stamped.note).toBe("stamped");
    const reference = await decode(plain.bytes);
    expectUnstamped(reference);
    expectStamped(await decode(stamped.bytes), reference);
  });

  it("upstream (FASHN) results are stamped the same way", async () => {
    const acct = await fundedAccount(5, { account: { engine: "fashn" } });
    await withLogo(acct);
    await registerProduct(acct, "tee-f");
    const person = await uploadPerson(acct);
    const resultPng = await blankPng(); // 300×300 grey
    const dataUri = `data:image/png;base64,${btoa(String.fromCharCode(...resultPng))}`;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = new URL(new Request(input, init).url);
      if (url.pathname === "/v1/run") return Response.json({ id: `job-${crypto.randomUUID()}`, error: null });
      if (url.pathname.startsWith("/v1/status/")) return Response.json({ id: "j", status: "completed", output: [dataUri], error: null });
      return new Response("not found", { status: 404 });
    });
    const vars = { FASHN_API_KEY: "fa-test-key", FASHN_BASE_URL: "https://fashn.example.com" };
    const body = { products: [{ externalId: "tee-f" }], person: { image: { source: { id: person } } } };
    const stamped = await run(acct, { ...body, output: { watermark: true } }, vars);
    expect(stamped.note).toBe("stamped");
    expectStamped(await decode(stamped.bytes), await decode(resultPng));
    const plain = await run(acct, { ...body, output: { watermark: false } }, vars);
    expect(plain.bytes).toEqual(resultPng);
  });

  it("test mode stamps the live account's logo too (beside the TEST mark)", async () => {
    const live = await fundedAccount(1);
    await withLogo(live);
    const test = await testKeyOf(live);
    await registerProduct(test, "shirt");
    const person = await uploadPerson(test);
    const res = await run(test, { products: [{ externalId: "shirt" }], person: { image: { source: { id: person } } }, output: { watermark: true } });
    expect(res.note).toBe("stamped");
    const img = await decode(res.bytes);
    expectStamped(img, await decode(await personJpeg()));
    // The logo lives on the live account only; the twin row has none.
    const twin = await env.DB.prepare("SELECT logo_r2_key FROM accounts WHERE id = ?")
      .bind(testAccountIdOf(live.accountId))
      .first<{ logo_r2_key: string | null }>();
    expect(twin?.logo_r2_key).toBeNull();
  });

  it("a result the Worker cannot decode (HEIC) is stored unstamped, with the reason recorded; the generation completes", async () => {
    const { acct, body } = await mockSetup();
    const heic = makeHeic(600, 800);
    const form = new FormData();
    form.set("file", filePart(heic, "me.heic", "image/heic"));
    const heicId = (await expectOk(await api(acct, "/images/upload", { method: "POST", body: form }), ImageSchema, 201)).imageId;
    const res = await run(acct, { ...body, person: { image: { source: { id: heicId } } }, output: { watermark: true } });
    expect(res.bytes).toEqual(heic);
    expect(res.note).toMatch(/^skipped: the result cannot be decoded here: .*HEIC/);
  });
});
