import { describe, expect, it } from "vitest";
import { DecodeRefused, decodeImage, decodeStats } from "../../../src/engines/composite/codecs";
import { DECODE_BUDGET_BYTES, decodeFootprint } from "../../../src/engines/composite/decode-budget";
import { createCompositeEngine } from "../../../src/engines/composite/engine";
import type { EngineInput, EngineResult } from "../../../src/engines/types";
import { readImageHeader } from "../../../src/lib/image-header";
import { jpegFillByteBeforeSof, pngIhdrLies, realJpeg } from "../../helpers/crafted-images";
import { engineImage, engineInput, garmentPattern, jpeg, makeRgba, patchJpegSize, png } from "../../helpers/engine-images";

async function garment(): Promise<EngineInput["productImages"][number]> {
  return { ...engineImage(await png(makeRgba(300, 300, garmentPattern(300, 300))), "png", 300, 300), classifications: null };
}

function person(bytes: Uint8Array, format: "jpeg" | "png", width: number, height: number): EngineInput["person"] {
  return { ...engineImage(bytes, format, width, height), crop: null };
}

function failed(r: EngineResult): Extract<EngineResult, { kind: "failed" }> {
  if (r.kind !== "failed") throw new Error(`expected failed, got ${r.kind}`);
  return r;
}

/** Runs `fn` and returns how many decodes started during it and the largest one. */
async function watchingDecodes<T>(fn: () => Promise<T>): Promise<{ result: T; started: number; largest: number }> {
  const before = decodeStats.started;
  decodeStats.largestStartedPixels = 0;
  const result = await fn();
  return { result, started: decodeStats.started - before, largest: decodeStats.largestStartedPixels };
}

describe("the decode budget", () => {
  it("is one constant, 64 MiB, and a JPEG costs 4 B per pixel of RGBA plus 512 B per 8×8 block of each component", async () => {
    expect(DECODE_BUDGET_BYTES).toBe(64 * 1024 * 1024);
    const h = readImageHeader(await realJpeg(400, 300));
    // realJpeg is 4:4:4: three components of 50×38 blocks each.
    expect(decodeFootprint(h)).toBe(400 * 300 * 4 + 3 * 50 * 38 * 512);
  });

  it("decodeImage refuses before the codec starts when the header's footprint exceeds the budget", async () => {
    // A real 4:4:4 JPEG whose SOF says 3000×3000 (9 MP × 4 B + 3 × 375² blocks × 512 B = 252 MB > 64 MiB).
    const big = patchJpegSize(await jpeg(makeRgba(300, 300, () => [10, 120, 200])), 3000, 3000);
    const { result, started } = await watchingDecodes(() =>
      decodeImage(big).then(
        () => "decoded",
        (e: unknown) => e,
      ),
    );
    expect(result).toBeInstanceOf(DecodeRefused);
    expect(String(result)).toMatch(/3000×3000 JPEG needs 252000000 bytes/);
    expect(started).toBe(0);
  });

  it("a PNG decodes at its IHDR size, never at what its IDAT holds", async () => {
    // IHDR says 240×240, IDAT holds a 600×600 image's rows: the decoder allocates for 240×240 and fails on the data.
    const lying = await pngIhdrLies(240, 240, { width: 600, height: 600 }, false);
    const { result, largest } = await watchingDecodes(() =>
      decodeImage(lying).then(
        (img) => `${img.width}×${img.height}`,
        () => "refused",
      ),
    );
    expect(largest).toBe(240 * 240);
    expect(["240×240", "refused"]).toContain(result);
  });
});

describe("composite engine: a crafted image never starts a decode above the cap", () => {
  it("the issue's file (fill byte before SOF, decoy SOF after EOI) is not decoded: it is 7680×7680 to the gate too", async () => {
    const crafted = await jpegFillByteBeforeSof();
    const engine = createCompositeEngine();
    const { result, started, largest } = await watchingDecodes(async () =>
      engine.run(engineInput({ person: person(crafted, "jpeg", 7680, 7680), productImages: [await garment()] })),
    );
    const r = failed(result);
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/7680×7680 \(59\.0 MP\)/);
    // The garment (300×300) was decoded; the person never reached a codec.
    expect(started).toBe(1);
    expect(largest).toBe(300 * 300);
  });

  it("with a downscaler, the original goes to it (outside the isolate); only the small copy is decoded", async () => {
    const crafted = await jpegFillByteBeforeSof();
    const asked: number[] = [];
    const copy = await realJpeg(1024, 1024);
    const engine = createCompositeEngine({
      shrink: async (_bytes, maxSide) => {
        asked.push(maxSide);
        return copy;
      },
    });
    const { result, largest } = await watchingDecodes(async () =>
      engine.run(engineInput({ person: person(crafted, "jpeg", 7680, 7680), productImages: [await garment()] })),
    );
    expect(result.kind).toBe("completed");
    // A square copy within the cap and the budget even as a 4:4:4 JPEG (2.4 MP): 1548 px, under PRESHRINK_SIDE.
    expect(asked).toEqual([1548]);
    expect(largest).toBe(1024 * 1024);
  });

  it("bytes that disagree with the recorded size are refused before any decode or downscale", async () => {
    // A row recorded 240×240 (what image-size 2.1.0 read for this file) over bytes that are 7680×7680.
    const crafted = await jpegFillByteBeforeSof();
    let shrinkCalls = 0;
    const engine = createCompositeEngine({
      shrink: async () => {
        shrinkCalls++;
        return new Uint8Array();
      },
    });
    const { result, started } = await watchingDecodes(async () =>
      engine.run(engineInput({ person: person(crafted, "jpeg", 240, 240), productImages: [await garment()] })),
    );
    const r = failed(result);
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/bytes are a 7680×7680 JPEG, but it was recorded as a 240×240 JPEG/);
    expect(started).toBe(1); // the garment only
    expect(shrinkCalls).toBe(0);
  });

  it("raising COMPOSITE_MAX_INPUT_PIXELS cannot lift the budget: a 12 MP header is never decoded in the isolate", async () => {
    const big = patchJpegSize(await jpeg(makeRgba(400, 300, () => [10, 120, 200])), 4000, 3000);
    const engine = createCompositeEngine({ maxInputPixels: 60_000_000 });
    const { result, started } = await watchingDecodes(async () =>
      engine.run(engineInput({ person: person(big, "jpeg", 4000, 3000), productImages: [await garment()] })),
    );
    const r = failed(result);
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/at most 2\.4 MP/);
    expect(started).toBe(1);
  });
});
