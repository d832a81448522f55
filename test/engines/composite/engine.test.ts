import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { COMPOSITE_DEFAULT_MAX_INPUT_PIXELS, getConfig } from "../../../src/config/config";
import { decodeStats } from "../../../src/engines/composite/codecs";
import { createCompositeEngine } from "../../../src/engines/composite/engine";
import { imagesBindingShrinker } from "../../../src/engines/composite/shrink";
import { createEngine } from "../../../src/engines/registry";
import type { EngineInput, EngineResult } from "../../../src/engines/types";
import { CMYK_JPEG_H, CMYK_JPEG_W, CMYK_QUADRANTS, cmykJpeg } from "../../helpers/cmyk-jpeg";
import {
  colourDiff,
  decode,
  engineImage,
  engineInput,
  garmentPattern,
  heicLike,
  jpeg,
  makeRgba,
  patchJpegSize,
  personPattern,
  pixel,
  png,
  webp,
} from "../../helpers/engine-images";
import { withExifOrientation } from "../../helpers/images";

const RED: [number, number, number] = [200, 25, 30];

async function personJpeg(w: number, h: number) {
  return jpeg(makeRgba(w, h, personPattern(w, h)));
}

async function garmentPng(w = 300, h = 300) {
  return png(makeRgba(w, h, garmentPattern(w, h)));
}

function input(person: EngineInput["person"], garment: EngineInput["productImages"][number], over: Partial<EngineInput> = {}): EngineInput {
  return engineInput({ person, productImages: [garment], ...over });
}

const asPerson = (bytes: Uint8Array, format: "jpeg" | "png" | "webp" | "heic", w: number, h: number, extra: Partial<EngineInput["person"]> = {}) => ({
  ...engineImage(bytes, format, w, h),
  crop: null,
  ...extra,
});
const asGarment = (bytes: Uint8Array, format: "jpeg" | "png" | "webp" | "heic", w: number, h: number) => ({
  ...engineImage(bytes, format, w, h),
  classifications: null,
});

function completed(r: EngineResult): Extract<EngineResult, { kind: "completed" }> {
  if (r.kind !== "completed") throw new Error(`expected completed, got ${JSON.stringify(r).slice(0, 300)}`);
  return r;
}

function failure(r: EngineResult): Extract<EngineResult, { kind: "failed" }> {
  if (r.kind !== "failed") throw new Error(`expected failed, got ${r.kind}`);
  return r;
}

describe("composite engine: a real, deterministic preview", () => {
  const engine = createEngine("composite", { config: getConfig(env) });

  it("places the garment on the torso, keeps the person around it, encodes a JPEG", async () => {
    const w = 600,
      h = 800;
    const personBytes = await personJpeg(w, h);
    const res = completed(await engine.run(input(asPerson(personBytes, "jpeg", w, h), asGarment(await garmentPng(), "png", 300, 300))));
    expect(res.contentType).toBe("image/jpeg");
    expect(res.format).toBe("jpeg");
    expect([res.width, res.height]).toEqual([600, 800]); // small photos are not upscaled
    const out = await decode(res.bytes);
    expect([out.width, out.height]).toEqual([600, 800]);
    const person = await decode(personBytes);
    // Torso centre (x 50 %, y ~44 %) is now garment red; before it was the person's blue/green.
    const torso = pixel(out, w / 2, h * 0.44);
    expect(colourDiff(torso, RED)).toBeLessThan(40);
    expect(colourDiff(pixel(person, w / 2, h * 0.44), RED)).toBeGreaterThan(100);
    // Corners and the keyed-out white around the garment show the person, not white.
    for (const [x, y] of [
      [5, 5],
      [w - 5, 5],
      [5, h - 5],
      [w - 5, h - 5],
      [w * 0.31, h * 0.25],
    ] as const) {
      expect(colourDiff(pixel(out, x, y), pixel(person, x, y))).toBeLessThan(20);
    }
  });

  it("is deterministic: same inputs → same bytes", async () => {
    const personBytes = await personJpeg(500, 700);
    const garment = await garmentPng();
    const a = completed(await engine.run(input(asPerson(personBytes, "jpeg", 500, 700), asGarment(garment, "png", 300, 300))));
    const b = completed(await engine.run(input(asPerson(personBytes, "jpeg", 500, 700), asGarment(garment, "png", 300, 300))));
    expect(a.bytes.length).toBeGreaterThan(1000);
    expect(b.bytes).toEqual(a.bytes);
  });

  it("downscales large photos to a 1024 px long side before compositing", async () => {
    const personBytes = await personJpeg(1760, 1320);
    const res = completed(await engine.run(input(asPerson(personBytes, "jpeg", 1760, 1320), asGarment(await garmentPng(), "png", 300, 300))));
    expect([res.width, res.height]).toEqual([1024, 768]);
    const out = await decode(res.bytes);
    expect(Math.max(out.width, out.height)).toBe(1024);
    expect(colourDiff(pixel(out, 512, 768 * 0.44), RED)).toBeLessThan(40);
  });

  it("accepts WebP through the Images binding and PNG inputs (JPEG garment, WebP person; PNG person with transparency is flattened)", async () => {
    const converting = createEngine("composite", { config: getConfig(env), images: env.IMAGES });
    const person = makeRgba(400, 500, personPattern(400, 500));
    const garment = makeRgba(240, 320, garmentPattern(240, 320));
    const r1 = completed(await converting.run(input(asPerson(await webp(person), "webp", 400, 500), asGarment(await jpeg(garment), "jpeg", 240, 320))));
    expect([r1.width, r1.height]).toEqual([400, 500]);
    const o1 = await decode(r1.bytes);
    expect(colourDiff(pixel(o1, 200, 500 * 0.44), RED)).toBeLessThan(40);
    // Away from the garment the person's own pixels come through the conversion.
    expect(colourDiff(pixel(o1, 10, 10), pixel(person, 10, 10))).toBeLessThan(20);

    const seeThrough = makeRgba(400, 500, (x, y) => (y < 50 ? [0, 0, 0, 0] : personPattern(400, 500)(x, y)));
    const r2 = completed(await converting.run(input(asPerson(await png(seeThrough), "png", 400, 500), asGarment(await webp(garment), "webp", 240, 320))));
    const o2 = await decode(r2.bytes);
    expect(colourDiff(pixel(o2, 10, 10), [255, 255, 255])).toBeLessThan(12); // transparent → white, not black
    expect(colourDiff(pixel(o2, 200, 500 * 0.44), RED)).toBeLessThan(40);
  });

  it("a WebP without an Images binding → IMAGE_PROCESSING_FAILED naming WebP, and it never reaches a codec", async () => {
    const person = await webp(makeRgba(400, 500, personPattern(400, 500)));
    decodeStats.largestStartedPixels = 0;
    const r = failure(await engine.run(input(asPerson(person, "webp", 400, 500), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toBe(
      "The person image is WebP, which the composite engine cannot decode (no Images binding is configured to convert it). Send JPEG or PNG.",
    );
    expect(decodeStats.largestStartedPixels).toBe(300 * 300); // the garment only
  });

  it("a CMYK JPEG is converted by the Images binding (its colours kept) and refused with a typed failure without one", async () => {
    const converting = createCompositeEngine({ shrink: imagesBindingShrinker(env.IMAGES) });
    const garment = asGarment(await garmentPng(), "png", 300, 300);
    const person = asPerson(cmykJpeg(), "jpeg", CMYK_JPEG_W, CMYK_JPEG_H);
    const ok = completed(await converting.run(input(person, garment)));
    expect([ok.width, ok.height]).toEqual([CMYK_JPEG_W, CMYK_JPEG_H]);
    const out = await decode(ok.bytes);
    // Left corners, away from the garment: their RGB survives the CMYK round trip (the right-hand
    // quadrants' saturated greens and blues lie outside the CMYK gamut, so no converter brings them back).
    expect(colourDiff(pixel(out, 2, 2), CMYK_QUADRANTS[0])).toBeLessThan(25);
    expect(colourDiff(pixel(out, 2, CMYK_JPEG_H - 3), CMYK_QUADRANTS[2])).toBeLessThan(25);

    const r = failure(await engine.run(input(person, garment)));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toBe(
      "The person image is a CMYK JPEG, which the composite engine cannot decode (no Images binding is configured to convert it). Send an RGB JPEG, PNG or WebP.",
    );
  });

  it("applies the person crop box (displayed frame)", async () => {
    const w = 800,
      h = 1000;
    const personBytes = await personJpeg(w, h);
    const crop = { x: 200, y: 250, width: 400, height: 500 };
    const res = completed(await engine.run(input(asPerson(personBytes, "jpeg", w, h, { crop }), asGarment(await garmentPng(), "png", 300, 300))));
    expect([res.width, res.height]).toEqual([400, 500]);
    const out = await decode(res.bytes);
    const person = await decode(personBytes);
    // Output (5,5) is source (205,255).
    expect(colourDiff(pixel(out, 5, 5), pixel(person, 205, 255))).toBeLessThan(20);
  });

  it("respects EXIF orientation 6 (stored landscape, displayed portrait)", async () => {
    // Stored 800×600 with a black marker in the stored top-left; rotated 90° clockwise it is displayed top-right.
    const stored = makeRgba(800, 600, (x, y) => (x < 100 && y < 100 ? [0, 0, 0] : personPattern(800, 600)(x, y)));
    const res = completed(
      await engine.run(input(asPerson(await jpeg(stored), "jpeg", 800, 600, { orientation: 6 }), asGarment(await garmentPng(), "png", 300, 300))),
    );
    expect([res.width, res.height]).toEqual([600, 800]);
    const out = await decode(res.bytes);
    expect(colourDiff(pixel(out, 600 - 20, 20), [0, 0, 0])).toBeLessThan(25);
    expect(colourDiff(pixel(out, 20, 20), [0, 0, 0])).toBeGreaterThan(60);
  });

  it("a uniform garment image → GARMENT_NOT_DETECTED", async () => {
    const personBytes = await personJpeg(400, 500);
    for (const blank of [
      makeRgba(300, 300, () => [128, 128, 128]),
      makeRgba(300, 300, (x, y) => [245 + ((x * 3 + y * 5) % 8), 248, 250]), // white with faint noise
    ]) {
      const r = failure(await engine.run(input(asPerson(personBytes, "jpeg", 400, 500), asGarment(await jpeg(blank), "jpeg", 300, 300))));
      expect(r.code).toBe("GARMENT_NOT_DETECTED");
    }
    const transparent = makeRgba(300, 300, () => [10, 10, 10, 0]);
    const r = failure(await engine.run(input(asPerson(personBytes, "jpeg", 400, 500), asGarment(await png(transparent), "png", 300, 300))));
    expect(r.code).toBe("GARMENT_NOT_DETECTED");
  });

  it("undecodable bytes → IMAGE_PROCESSING_FAILED (garbage, truncated, HEIC)", async () => {
    const garment = asGarment(await garmentPng(), "png", 300, 300);
    const garbage = new TextEncoder().encode("this is not an image at all, just some text bytes");
    const r1 = failure(await engine.run(input(asPerson(garbage, "jpeg", 400, 500), garment)));
    expect(r1.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r1.message).toMatch(/person image/);

    const full = await personJpeg(400, 500);
    const truncated = full.slice(0, Math.floor(full.length / 3));
    const r2 = failure(await engine.run(input(asPerson(truncated, "jpeg", 400, 500), garment)));
    expect(r2.code).toBe("IMAGE_PROCESSING_FAILED");

    const r3 = failure(await engine.run(input(asPerson(heicLike(3024, 4032), "heic", 3024, 4032), garment)));
    expect(r3.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r3.message).toMatch(/HEIC/);
    expect(r3.message).toMatch(/cannot decode/);

    const r4 = failure(await engine.run(input(asPerson(full, "jpeg", 400, 500), asGarment(heicLike(1000, 1000), "heic", 1000, 1000))));
    expect(r4.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r4.message).toMatch(/garment.*HEIC/);
  });

  it("refuses photos above the decode budget before decoding them (4000×3000 at the default 8 MP cap)", async () => {
    expect(COMPOSITE_DEFAULT_MAX_INPUT_PIXELS).toBe(8_000_000);
    // A real JPEG whose header says 4000×3000: the engine must refuse from the header, never decode 12 MP.
    const big = patchJpegSize(await personJpeg(400, 300), 4000, 3000);
    const r = failure(await engine.run(input(asPerson(big, "jpeg", 4000, 3000), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/4000×3000 \(12\.0 MP\)/);
    // The budget, not the 8 MP cap, is the limit for a 4:4:4 JPEG.
    expect(r.message).toMatch(/at most 2\.4 MP/);
  });

  it("the cap is configurable: a real 1600×1200 photo is refused at a 1 MP cap and composited at the default", async () => {
    const personBytes = await personJpeg(1600, 1200);
    const garment = asGarment(await garmentPng(), "png", 300, 300);
    const tight = createCompositeEngine({ maxInputPixels: 1_000_000 });
    const r = failure(await tight.run(input(asPerson(personBytes, "jpeg", 1600, 1200), garment)));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    const ok = completed(await engine.run(input(asPerson(personBytes, "jpeg", 1600, 1200), garment)));
    expect([ok.width, ok.height]).toEqual([1024, 768]);
  });

  it("a product without images → GARMENT_NOT_DETECTED", async () => {
    const personBytes = await personJpeg(400, 500);
    const r = failure(await engine.run(engineInput({ person: asPerson(personBytes, "jpeg", 400, 500), productImages: [] })));
    expect(r.code).toBe("GARMENT_NOT_DETECTED");
  });
});

describe("composite engine: photos above the decode cap go through the Images binding first", () => {
  // A low cap stands in for a 12 MP+ phone photo, so the test stays small; the binding is the real
  // local one (wrangler implements it with sharp).
  const CAP = 250_000;
  const shrinking = createCompositeEngine({ maxInputPixels: CAP, shrink: imagesBindingShrinker(env.IMAGES) });

  it("an over-cap photo is downscaled outside the isolate, then cropped and composited", async () => {
    const w = 800,
      h = 1000; // 0.8 MP > cap
    const personBytes = await personJpeg(w, h);
    const crop = { x: 200, y: 250, width: 400, height: 500 };
    const res = completed(await shrinking.run(input(asPerson(personBytes, "jpeg", w, h, { crop }), asGarment(await garmentPng(), "png", 300, 300))));
    // The copy fits the cap (447×559 for 4:5 at 250 000 px); the crop box scales with it.
    expect(res.width * res.height).toBeLessThanOrEqual(CAP);
    expect(Math.abs(res.width / res.height - 0.8)).toBeLessThan(0.02);
    const out = await decode(res.bytes);
    const person = await decode(personBytes);
    expect(colourDiff(pixel(out, 3, 3), pixel(person, 205, 255))).toBeLessThan(25);
    expect(colourDiff(pixel(out, res.width / 2, res.height * 0.44), RED)).toBeLessThan(40);
  });

  it("the copy comes back upright: EXIF orientation 6 is applied by the binding, not twice", async () => {
    const stored = makeRgba(800, 600, (x, y) => (x < 120 && y < 120 ? [0, 0, 0] : personPattern(800, 600)(x, y)));
    const bytes = withExifOrientation(await jpeg(stored), 6);
    const res = completed(await shrinking.run(input(asPerson(bytes, "jpeg", 800, 600, { orientation: 6 }), asGarment(await garmentPng(), "png", 300, 300))));
    expect(res.height).toBeGreaterThan(res.width); // displayed portrait
    const out = await decode(res.bytes);
    expect(colourDiff(pixel(out, res.width - 10, 10), [0, 0, 0])).toBeLessThan(30);
    expect(colourDiff(pixel(out, 10, 10), [0, 0, 0])).toBeGreaterThan(60);
  });

  it("an over-cap garment is shrunk too", async () => {
    const personBytes = await personJpeg(400, 500);
    const res = completed(await shrinking.run(input(asPerson(personBytes, "jpeg", 400, 500), asGarment(await garmentPng(700, 700), "png", 700, 700))));
    const out = await decode(res.bytes);
    expect(colourDiff(pixel(out, 200, 500 * 0.44), RED)).toBeLessThan(40);
  });

  it("HEIC is converted by the binding where it can read HEIC (Cloudflare Images), else a typed failure", async () => {
    // Local sharp has no HEVC decoder, so production's conversion is stood in for by a shrinker
    // that returns what Cloudflare Images would: an upright JPEG within the size asked for.
    const converted = await personJpeg(400, 500); // within the cap, as the binding returns it
    const asked: number[] = [];
    const heicReader = createCompositeEngine({
      maxInputPixels: CAP,
      shrink: async (_bytes, maxSide) => {
        asked.push(maxSide);
        return converted;
      },
    });
    const ok = completed(await heicReader.run(input(asPerson(heicLike(480, 600), "heic", 480, 600), asGarment(await garmentPng(), "png", 300, 300))));
    expect(asked).toHaveLength(1);
    expect([ok.width, ok.height]).toEqual([400, 500]);
    // The real local binding cannot read HEIC: the engine says so instead of crashing.
    const r = failure(await shrinking.run(input(asPerson(heicLike(480, 600), "heic", 480, 600), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/HEIC.*could not convert/);
  });

  it("without a downscaler an over-cap photo is refused, saying what is missing", async () => {
    const tight = createCompositeEngine({ maxInputPixels: CAP });
    const r = failure(await tight.run(input(asPerson(await personJpeg(800, 1000), "jpeg", 800, 1000), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    expect(r.message).toMatch(/IMAGES binding/);
  });

  it("a downscaler that fails or returns junk is a typed failure, not a crash", async () => {
    const broken = createCompositeEngine({ maxInputPixels: CAP, shrink: async () => new Uint8Array([1, 2, 3]) });
    const r = failure(await broken.run(input(asPerson(await personJpeg(800, 1000), "jpeg", 800, 1000), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r.code).toBe("IMAGE_PROCESSING_FAILED");
    const throwing = createCompositeEngine({
      maxInputPixels: CAP,
      shrink: async () => {
        throw new Error("images unavailable");
      },
    });
    const r2 = failure(await throwing.run(input(asPerson(await personJpeg(800, 1000), "jpeg", 800, 1000), asGarment(await garmentPng(), "png", 300, 300))));
    expect(r2.code).toBe("IMAGE_PROCESSING_FAILED");
  });
});
