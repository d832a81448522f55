import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AppConfig, getConfig } from "../../../src/config/config";
import { createEngine } from "../../../src/engines/registry";
import type { EngineInput, EngineResult } from "../../../src/engines/types";
import { NEEDS_ACCOUNT_MESSAGE, PROMPT_VERSION } from "../../../src/engines/workers-ai";
import { garmentPattern, heicLike, jpeg, makeRgba, personPattern, png, webp } from "../../helpers/engine-images";
import { withExifOrientation } from "../../helpers/images";
import { aiDouble } from "./ai-double";

const cfg = (over: Partial<AppConfig> = {}): AppConfig => ({ ...getConfig(env), ...over });

async function inputs(over: Partial<EngineInput> = {}): Promise<EngineInput> {
  const person = await jpeg(makeRgba(480, 600, personPattern(480, 600)));
  const garment = await png(makeRgba(400, 400, garmentPattern(400, 400)));
  return {
    generationId: "gen_wai",
    person: { bytes: person, format: "jpeg", width: 480, height: 600, orientation: null, crop: null },
    productImages: [{ bytes: garment, format: "png", width: 400, height: 400, orientation: null, classifications: { color: "red" } }],
    productTitle: "Red linen shirt",
    productDescription: "A relaxed shirt.",
    category: "tops",
    mode: null,
    seed: 42,
    jobId: null,
    pollCount: 0,
    ...over,
  };
}

function completed(r: EngineResult): Extract<EngineResult, { kind: "completed" }> {
  if (r.kind !== "completed") throw new Error(`expected completed, got ${JSON.stringify(r)}`);
  return r;
}

describe("workers-ai: the documented request", () => {
  it("no mode → flux-2-klein-9b: person first (≤512×512), garment next, size from the person's aspect, seed, no steps; cost from the table", async () => {
    const double = aiDouble();
    const r = completed(await createEngine("workers-ai", { config: cfg(), ai: double.ai }).run(await inputs()));
    expect(double.violations).toEqual([]);
    expect(double.calls).toHaveLength(1);
    const call = double.calls[0];
    expect(call?.model).toBe("@cf/black-forest-labs/flux-2-klein-9b");
    expect(call?.steps).toBeNull();
    expect(call?.seed).toBe(42);
    // 480×600 (0.8) → the largest multiple-of-16 size within ~1 MP at that aspect.
    expect([call?.width, call?.height]).toEqual([912, 1136]);
    expect(call?.images.map((i) => [i.field, i.width, i.height])).toEqual([
      ["input_image_0", 409, 512],
      ["input_image_1", 400, 400],
    ]);
    // The garment PNG was within the box: sent as it was stored.
    expect(call?.images[1]?.contentType).toBe("image/png");
    expect(call?.prompt).toContain("Red linen shirt");
    // The result is the double's image, decoded from base64 and sniffed.
    expect(r.bytes).toEqual(double.answered[0]);
    expect(r).toMatchObject({ format: "jpeg", contentType: "image/jpeg", width: 912, height: 1136 });
    // klein-9b (klein-4b's figures until captured): 2 input tiles × $0.000059 + 2×3 output tiles × $0.000287.
    expect(r.cost?.usdMicros).toBe(2 * 59 + 6 * 287);
    expect(r.cost?.basis).toContain("flux-2-klein-9b");
    expect(PROMPT_VERSION).toMatch(/^wai-tryon-\d+$/);
  });

  it("performance → flux-2-klein-4b; quality → flux-2-dev with 28 steps, billed per step", async () => {
    const double = aiDouble();
    const engine = createEngine("workers-ai", { config: cfg(), ai: double.ai });
    completed(await engine.run(await inputs({ mode: "performance", seed: null })));
    const q = completed(await engine.run(await inputs({ mode: "quality" })));
    expect(double.violations).toEqual([]);
    expect(double.calls.map((c) => [c.model, c.steps, c.seed])).toEqual([
      ["@cf/black-forest-labs/flux-2-klein-4b", null, null],
      ["@cf/black-forest-labs/flux-2-dev", 28, 42],
    ]);
    expect(q.cost?.usdMicros).toBe((2 * 210 + 6 * 410) * 28);
  });

  it("ENGINE_PRICING overrides a price without a code change", async () => {
    const double = aiDouble();
    const config = cfg({ ENGINE_PRICING: { workersAi: { "@cf/black-forest-labs/flux-2-klein-9b": { inputTileUsd: 0.001, outputTileUsd: 0.002 } } } });
    const r = completed(await createEngine("workers-ai", { config, ai: double.ai }).run(await inputs()));
    expect(r.cost?.usdMicros).toBe(2 * 1000 + 6 * 2000);
  });

  it("at most 4 inputs; a large rotated photo is sent upright within 512×512", async () => {
    const double = aiDouble();
    const big = withExifOrientation(await jpeg(makeRgba(1600, 1200, personPattern(1600, 1200))), 6);
    const base = await inputs();
    const garment = base.productImages[0];
    if (!garment) throw new Error("no garment");
    const r = completed(
      await createEngine("workers-ai", { config: cfg(), ai: double.ai }).run({
        ...base,
        person: { bytes: big, format: "jpeg", width: 1600, height: 1200, orientation: 6, crop: null },
        productImages: [garment, garment, garment, garment],
      }),
    );
    expect(double.violations).toEqual([]);
    const call = double.calls[0];
    expect(call?.images).toHaveLength(4);
    // Shown 1200×1600 (orientation 6 swaps the axes): upright, 384×512, and a portrait output.
    expect([call?.images[0]?.width, call?.images[0]?.height]).toEqual([384, 512]);
    expect(call?.width).toBeLessThan(call?.height ?? 0);
    expect(r.cost?.usdMicros).toBe(4 * 59 + 2 * 3 * 287);
  });
});

describe("workers-ai: failures are typed", () => {
  const run = async (respond: Parameters<typeof aiDouble>[0], over: Partial<AppConfig> = {}) => {
    const double = aiDouble(respond);
    return createEngine("workers-ai", { config: cfg(over), ai: double.ai }).run(await inputs());
  };

  it("an empty or undecodable output fails ENGINE_UNAVAILABLE and still reports what the run cost", async () => {
    for (const answer of [{}, { image: "" }, { image: "%%%not-base64" }, { image: btoa("plain text, not an image") }]) {
      const r = await run(() => answer);
      expect(r).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE" });
      expect(r.kind === "failed" && r.cost?.usdMicros).toBe(2 * 59 + 6 * 287);
    }
  });

  it("a call that hangs past WORKERS_AI_TIMEOUT_SECONDS is abandoned (signal aborted) and answers retry", async () => {
    let signal: AbortSignal | undefined;
    const t0 = performance.now();
    const r = await run(
      (call) => {
        signal = call.signal;
        return new Promise(() => {});
      },
      { WORKERS_AI_TIMEOUT_SECONDS: 0.2 as number },
    );
    expect(r).toMatchObject({ kind: "retry" });
    expect(r.kind === "retry" && r.message).toContain("did not answer within");
    expect(signal?.aborted).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("no AI binding → ENGINE_UNAVAILABLE saying a Cloudflare account is needed, without a call", async () => {
    const r = await createEngine("workers-ai", { config: cfg() }).run(await inputs());
    expect(r).toEqual({ kind: "failed", code: "ENGINE_UNAVAILABLE", message: NEEDS_ACCOUNT_MESSAGE });
  });

  it("the offline binding (no remote session, as under `npm start`) answers ENGINE_UNAVAILABLE quickly, never hangs", async () => {
    const t0 = performance.now();
    const r = await createEngine("workers-ai", { config: cfg(), ai: env.AI }).run(await inputs());
    expect(r).toMatchObject({ kind: "failed", code: "ENGINE_UNAVAILABLE", message: NEEDS_ACCOUNT_MESSAGE });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("an input the codecs cannot read fails IMAGE_PROCESSING_FAILED before any call", async () => {
    const double = aiDouble();
    const base = await inputs();
    const r = await createEngine("workers-ai", { config: cfg(), ai: double.ai }).run({
      ...base,
      person: { ...base.person, bytes: new Uint8Array(64).fill(7), format: "jpeg", width: 900, height: 900 },
    });
    expect(r).toMatchObject({ kind: "failed", code: "IMAGE_PROCESSING_FAILED" });
    expect(double.calls).toHaveLength(0);
  });

  it("a HEIC photo without an Images binding to convert it fails IMAGE_PROCESSING_FAILED, naming this engine", async () => {
    const double = aiDouble();
    const base = await inputs();
    const r = await createEngine("workers-ai", { config: cfg(), ai: double.ai }).run({
      ...base,
      person: { ...base.person, bytes: heicLike(600, 800), format: "heic", width: 600, height: 800 },
    });
    expect(r).toMatchObject({ kind: "failed", code: "IMAGE_PROCESSING_FAILED", message: expect.stringContaining("the workers-ai engine cannot decode") });
    expect(double.calls).toHaveLength(0);
  });

  it("a WebP photo is sent as the Images binding's JPEG copy; without a binding it fails IMAGE_PROCESSING_FAILED before any call", async () => {
    const base = await inputs();
    const person = { ...base.person, bytes: await webp(makeRgba(480, 600, personPattern(480, 600))), format: "webp" as const };
    const withBinding = aiDouble();
    completed(await createEngine("workers-ai", { config: cfg(), ai: withBinding.ai, images: env.IMAGES }).run({ ...base, person }));
    expect(withBinding.calls[0]?.images[0]).toMatchObject({ contentType: "image/jpeg", width: 410, height: 512 });

    const without = aiDouble();
    const r = await createEngine("workers-ai", { config: cfg(), ai: without.ai }).run({ ...base, person });
    expect(r).toMatchObject({
      kind: "failed",
      code: "IMAGE_PROCESSING_FAILED",
      message: expect.stringContaining("is WebP, which the workers-ai engine cannot decode"),
    });
    expect(without.calls).toHaveLength(0);
  });
});
